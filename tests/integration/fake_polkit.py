#!/usr/bin/python3
"""A scriptable stand-in for polkitd (and systemd's GetUnitByPID) on a private D-Bus bus.

btfenced asks org.freedesktop.PolicyKit1.Authority.CheckAuthorization about every call on its
control API from a non-root caller, and org.freedesktop.systemd1.Manager.GetUnitByPID for the
unit of a mutating one. This plays both, answering per polkit action as the test says.

Usage:  fake_polkit.py --bus ADDRESS [--answer ACTION=ANSWER]... [--unit UNIT] [--broken]
  --answer  yes | no | challenge (authentication required); actions not named answer "no"
  --unit    what GetUnitByPID names for any pid (default helpdesk-tool.service)
  --broken  answer every CheckAuthorization with org.freedesktop.PolicyKit1.Error.Failed

Each CheckAuthorization is printed to stdout as one JSON line
{"subject_kind", "subject_name", "action", "flags", "answer"} and flushed, before replying,
so the test can assert who was asked about what. Prints "READY" once both names are owned.
"""
import argparse
import json
import signal
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

AUTHORITY = "org.freedesktop.PolicyKit1.Authority"


def escape_unit(unit):
    """systemd's object path escaping: every byte outside [A-Za-z0-9] as _XX."""
    return "".join(c if c.isalnum() else "_%02x" % ord(c) for c in unit)


class Authority(dbus.service.Object):
    def __init__(self, bus, answers, broken):
        super().__init__(bus, "/org/freedesktop/PolicyKit1/Authority")
        self.answers = answers
        self.broken = broken

    @dbus.service.method(AUTHORITY, in_signature="(sa{sv})sa{ss}us", out_signature="(bba{ss})")
    def CheckAuthorization(self, subject, action, details, flags, cancellation_id):
        kind, data = subject
        name = str(data.get("name", ""))
        answer = "error" if self.broken else self.answers.get(str(action), "no")
        print(json.dumps({"subject_kind": str(kind), "subject_name": name,
                          "action": str(action), "flags": int(flags), "answer": answer}),
              flush=True)
        if self.broken:
            raise dbus.exceptions.DBusException("fake polkitd is broken",
                                                name="org.freedesktop.PolicyKit1.Error.Failed")
        return (answer == "yes", answer == "challenge", {})


class Systemd(dbus.service.Object):
    def __init__(self, bus, unit):
        super().__init__(bus, "/org/freedesktop/systemd1")
        self.unit = unit

    @dbus.service.method("org.freedesktop.systemd1.Manager", in_signature="u",
                         out_signature="o")
    def GetUnitByPID(self, pid):
        return dbus.ObjectPath("/org/freedesktop/systemd1/unit/" + escape_unit(self.unit))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bus", required=True)
    parser.add_argument("--answer", action="append", default=[])
    parser.add_argument("--unit", default="helpdesk-tool.service")
    parser.add_argument("--broken", action="store_true")
    args = parser.parse_args()
    answers = {}
    for item in args.answer:
        action, _, answer = item.partition("=")
        if answer not in ("yes", "no", "challenge"):
            parser.error("--answer ACTION=yes|no|challenge, not " + item)
        answers[action] = answer

    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(args.bus)
    keep = [dbus.service.BusName("org.freedesktop.PolicyKit1", bus, do_not_queue=True),
            dbus.service.BusName("org.freedesktop.systemd1", bus, do_not_queue=True),
            Authority(bus, answers, args.broken), Systemd(bus, args.unit)]
    loop = GLib.MainLoop()
    signal.signal(signal.SIGTERM, lambda *_: loop.quit())
    print("READY", flush=True)
    loop.run()
    del keep
    return 0


if __name__ == "__main__":
    sys.exit(main())
