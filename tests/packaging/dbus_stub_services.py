#!/usr/bin/python3
"""Stand-ins for bluetoothd (org.bluez) and btfenced (org.btfence1) on a test bus.

They only exist so that the D-Bus policy tests have real destinations: every method
succeeds and does nothing else, so any error a caller sees comes from dbus-daemon's policy.

    dbus_stub_services.py bluez ADDRESS
    dbus_stub_services.py btfence ADDRESS
    dbus_stub_services.py named ADDRESS NAME   (owns NAME, answers only org.freedesktop.DBus.Peer)
    dbus_stub_services.py agent ADDRESS        (btfenced's agent connection: Agent1, no name)

Prints "READY <unique name>" once the well-known name is owned (at once for "agent");
runs until SIGTERM.
"""
import signal
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

PROPS = "org.freedesktop.DBus.Properties"


class PropertyObject(dbus.service.Object):
    """An object with org.freedesktop.DBus.Properties over a dict {interface: {name: value}}."""

    def __init__(self, bus, path, properties):
        super().__init__(bus, path)
        self._properties = properties

    @dbus.service.method(PROPS, in_signature="ss", out_signature="v")
    def Get(self, interface, name):
        return self._properties[interface][name]

    @dbus.service.method(PROPS, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        return self._properties.get(interface, {})

    @dbus.service.method(PROPS, in_signature="ssv", out_signature="")
    def Set(self, interface, name, value):
        self._properties.setdefault(interface, {})[name] = value


class AgentManager(dbus.service.Object):
    @dbus.service.method("org.bluez.AgentManager1", in_signature="os", out_signature="")
    def RegisterAgent(self, agent, capability):
        pass

    @dbus.service.method("org.bluez.AgentManager1", in_signature="o", out_signature="")
    def UnregisterAgent(self, agent):
        pass

    @dbus.service.method("org.bluez.AgentManager1", in_signature="o", out_signature="")
    def RequestDefaultAgent(self, agent):
        pass


class Adapter(PropertyObject):
    @dbus.service.method("org.bluez.Adapter1", in_signature="", out_signature="")
    def StartDiscovery(self):
        pass

    @dbus.service.method("org.bluez.Adapter1", in_signature="o", out_signature="")
    def RemoveDevice(self, device):
        pass

    @dbus.service.method("org.bluez.AdminPolicySet1", in_signature="as", out_signature="")
    def SetServiceAllowList(self, uuids):
        pass


class Device(PropertyObject):
    @dbus.service.method("org.bluez.Device1", in_signature="", out_signature="")
    def Pair(self):
        pass

    @dbus.service.method("org.bluez.Device1", in_signature="", out_signature="")
    def Disconnect(self):
        pass


class BtfenceManager(PropertyObject):
    @dbus.service.method("org.btfence1.Manager1", in_signature="", out_signature="a{sv}")
    def Status(self):
        return {"mode": "enforce"}

    @dbus.service.method("org.btfence1.Manager1", in_signature="", out_signature="a{sv}")
    def Reload(self):
        return {"outcome": "unchanged"}

    @dbus.service.method("org.btfence1.Manager1", in_signature="sa{sv}s", out_signature="a{sv}")
    def AddExemption(self, target, options, reason):
        return {"id": "stub"}

    @dbus.service.method("org.btfence1.Debug1", in_signature="", out_signature="s")
    def Dump(self):
        return "debug"


class Agent(dbus.service.Object):
    @dbus.service.method("org.bluez.Agent1", in_signature="o", out_signature="")
    def RequestAuthorization(self, device):
        pass

    @dbus.service.method("org.bluez.Agent1", in_signature="", out_signature="")
    def Release(self):
        pass


def export_bluez(bus):
    yield AgentManager(bus, "/org/bluez")
    yield Adapter(bus, "/org/bluez/hci0", {
        "org.bluez.Adapter1": {
            "Powered": dbus.Boolean(True),
            "Alias": dbus.String("stub"),
            "Discoverable": dbus.Boolean(False),
        },
    })
    yield Device(bus, "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF", {
        "org.bluez.Device1": {
            "Trusted": dbus.Boolean(False),
            "Blocked": dbus.Boolean(False),
            "Alias": dbus.String("Keyboard"),
        },
    })


def export_btfence(bus):
    yield BtfenceManager(bus, "/org/btfence1", {
        "org.btfence1.Manager1": {"ApiVersion": dbus.UInt32(1)},
    })
    yield Agent(bus, "/org/btfence/agent")


def export_agent(bus):
    yield Agent(bus, "/org/btfence/agent")


SERVICES = {"bluez": ("org.bluez", export_bluez), "btfence": ("org.btfence1", export_btfence),
            "agent": (None, export_agent)}


def main():
    kind, address = sys.argv[1], sys.argv[2]
    if kind == "named":
        name, export = sys.argv[3], lambda bus: iter(())
    else:
        name, export = SERVICES[kind]
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(address)
    objects = list(export(bus))  # keep them referenced while the loop runs
    owned = (dbus.bus.REQUEST_NAME_REPLY_PRIMARY_OWNER if name is None else
             bus.request_name(name, dbus.bus.NAME_FLAG_DO_NOT_QUEUE))
    if owned != dbus.bus.REQUEST_NAME_REPLY_PRIMARY_OWNER:
        print(f"FAILED to own {name}: reply {owned}", flush=True)
        return 1
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    print(f"READY {bus.get_unique_name()} ({len(objects)} objects)", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
