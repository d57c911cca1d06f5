#!/usr/bin/python3
"""The laptop's side of the VM scenario: find the virtual key over the air and bond with it.

  vm_laptop.py pair --adapter hci1 [--kick-pid PID] [--timeout 60]
      Registers its own NoInputNoOutput agent (Just Works), discovers LE devices advertising
      0xFFFD, pairs with the first one found and waits until its GATT services are resolved.
      btvirt sends an advertising report only when advertising or scanning starts, so after
      (re)starting discovery it sends SIGUSR1 to --kick-pid (virtual_authenticator.py, which
      then re-registers its advertisement). Prints {"event": "paired", "device": PATH, ...}
      and exits 0, or {"event": "failed", ...} and exits 1.
  vm_laptop.py forget-all
      Adapter1.RemoveDevice of every device on every adapter (bonds on both sides), so that
      the next case pairs afresh.

Python: Debian's /usr/bin/python3 with python3-dbus and python3-gi.
"""

import argparse
import json
import os
import signal
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

BLUEZ = "org.bluez"
FIDO = "0000fffd-0000-1000-8000-00805f9b34fb"
PROPERTIES = "org.freedesktop.DBus.Properties"


def emit(**event):
    print(json.dumps(event, sort_keys=True), flush=True)


class JustWorksAgent(dbus.service.Object):
    @dbus.service.method("org.bluez.Agent1", in_signature="o")
    def RequestAuthorization(self, device):
        emit(event="agent", method="RequestAuthorization", device=str(device))

    @dbus.service.method("org.bluez.Agent1", in_signature="ou")
    def RequestConfirmation(self, device, passkey):
        emit(event="agent", method="RequestConfirmation", device=str(device))

    @dbus.service.method("org.bluez.Agent1", in_signature="")
    def Cancel(self):
        emit(event="agent", method="Cancel")

    @dbus.service.method("org.bluez.Agent1", in_signature="")
    def Release(self):
        pass


def adapter_path(name):
    return name if name.startswith("/") else "/org/bluez/" + name


def pair(bus, args):
    apath = adapter_path(args.adapter)
    agent_path = "/org/btfence/test/laptop_agent%d" % os.getpid()
    JustWorksAgent(bus, agent_path)
    dbus.Interface(bus.get_object(BLUEZ, "/org/bluez"), "org.bluez.AgentManager1").RegisterAgent(
        agent_path, "NoInputNoOutput")
    adapter = dbus.Interface(bus.get_object(BLUEZ, apath), "org.bluez.Adapter1")
    manager = dbus.Interface(bus.get_object(BLUEZ, "/"), "org.freedesktop.DBus.ObjectManager")
    loop = GLib.MainLoop()
    state = {"device": None, "rc": 1, "pairing": False}

    def device_properties(path):
        return dbus.Interface(bus.get_object(BLUEZ, path), PROPERTIES).GetAll("org.bluez.Device1")

    def finish(rc, **event):
        state["rc"] = rc
        emit(**event)
        loop.quit()

    def check_resolved(path):
        props = device_properties(path)
        if props.get("Paired") and props.get("ServicesResolved"):
            finish(0, event="paired", device=str(path), address=str(props["Address"]),
                   uuids=[str(u) for u in props.get("UUIDs", [])],
                   connected=bool(props.get("Connected")))

    def start_pairing(path):
        state["pairing"] = True
        try:
            adapter.StopDiscovery()
        except dbus.DBusException:
            pass
        emit(event="pairing", device=str(path))
        dbus.Interface(bus.get_object(BLUEZ, path), "org.bluez.Device1").Pair(
            reply_handler=lambda: (emit(event="pair-ok", device=str(path)), check_resolved(path)),
            error_handler=lambda e: finish(1, event="failed", step="Pair",
                                           error=e.get_dbus_name(), message=e.get_dbus_message()),
            timeout=args.timeout)

    def consider(path):
        if state["device"] or not str(path).startswith(apath + "/dev_"):
            return
        try:
            props = device_properties(path)
        except dbus.DBusException:
            return
        if FIDO in [str(u) for u in props.get("UUIDs", [])]:
            state["device"] = str(path)
            emit(event="found", device=str(path), name=str(props.get("Name", "")))
            start_pairing(path)

    def on_added(path, interfaces):
        if "org.bluez.Device1" in interfaces:
            consider(path)

    def on_changed(interface, changed, invalidated, path=None):
        if interface != "org.bluez.Device1":
            return
        if state["device"] is None and "UUIDs" in changed:
            consider(path)
        elif str(path) == state["device"] and state["pairing"] and "ServicesResolved" in changed:
            check_resolved(path)

    bus.add_signal_receiver(on_added, "InterfacesAdded", "org.freedesktop.DBus.ObjectManager",
                            BLUEZ)
    bus.add_signal_receiver(on_changed, "PropertiesChanged", PROPERTIES, BLUEZ,
                            path_keyword="path")
    adapter.SetDiscoveryFilter(dbus.Dictionary({"Transport": dbus.String("le"),
                                                "UUIDs": dbus.Array([FIDO], signature="s")},
                                               signature="sv"))

    def restart_discovery():
        if state["device"]:
            return False
        try:
            adapter.StopDiscovery()
        except dbus.DBusException:
            pass
        adapter.StartDiscovery()
        emit(event="discovering", adapter=apath)
        if args.kick_pid:
            os.kill(args.kick_pid, signal.SIGUSR1)
        return True

    restart_discovery()
    for path, interfaces in manager.GetManagedObjects().items():
        if "org.bluez.Device1" in interfaces:
            consider(path)
    GLib.timeout_add_seconds(4, restart_discovery)
    GLib.timeout_add_seconds(args.timeout, lambda: finish(1, event="failed", step="timeout"))
    loop.run()
    return state["rc"]


def forget_all(bus, args):
    objects = dbus.Interface(bus.get_object(BLUEZ, "/"),
                             "org.freedesktop.DBus.ObjectManager").GetManagedObjects()
    for path, interfaces in objects.items():
        if "org.bluez.Device1" in interfaces:
            adapter = str(interfaces["org.bluez.Device1"]["Adapter"])
            dbus.Interface(bus.get_object(BLUEZ, adapter), "org.bluez.Adapter1").RemoveDevice(path)
            emit(event="removed", device=str(path))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pair")
    p.add_argument("--adapter", default="hci1")
    p.add_argument("--kick-pid", type=int, default=0)
    p.add_argument("--timeout", type=int, default=60)
    sub.add_parser("forget-all")
    args = parser.parse_args()
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    return pair(bus, args) if args.command == "pair" else forget_all(bus, args)


if __name__ == "__main__":
    sys.exit(main())
