#!/usr/bin/python3
"""The other side of the link in the e2e VM: what a FIDO key, a phone, a keyboard or a liar
presents over LE, and the agents of the people who pair.

One bluetoothd serves both btvirt controllers. The scenarios let btfenced manage hci0 (the
endpoint, "laptop") and play every peer on hci1 through bluetoothd's own APIs:
LEAdvertisingManager1 for the advert, GattManager1 for the services a peer serves once
connected, and Agent1 objects for whoever pairs. Run with Debian's /usr/bin/python3
(python3-dbus, python3-gi) on the VM's system bus.

Library use (the scenario driver): Role, Peer, Agent, discover(), wait_until(), the BlueZ
state readers. Command line, to play a peer by hand inside the VM:

  btpeer.py roles
  btpeer.py play ROLE [--adapter hci1] [--agent CAPABILITY]    (until interrupted)
"""
import argparse
import itertools
import os
import sys
import time

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)

BLUEZ = "org.bluez"
PROPERTIES = "org.freedesktop.DBus.Properties"


def uuid128(short):
    """'fffd' -> '0000fffd-0000-1000-8000-00805f9b34fb'; 128-bit UUIDs pass unchanged."""
    return "0000%s-0000-1000-8000-00805f9b34fb" % short.lower() if len(short) == 4 else short.lower()


FIDO = uuid128("fffd")
HYBRID = uuid128("fff9")
HID = uuid128("1812")

# The FIDO GATT service (CTAP 2.2, section 11.4): control point, status, control point
# length, service revision bitfield.
FIDO_CHARACTERISTICS = [
    ("f1d0fff1-deaa-ecee-b42f-c9ba7ed623bb", ["write"], b""),
    ("f1d0fff2-deaa-ecee-b42f-c9ba7ed623bb", ["notify"], b""),
    ("f1d0fff3-deaa-ecee-b42f-c9ba7ed623bb", ["read"], bytes([0x00, 0x40])),
    ("f1d0fff4-deaa-ecee-b42f-c9ba7ed623bb", ["read", "write"], bytes([0x20])),
]
# HID over GATT: HID Information, Report Map (a boot keyboard), Protocol Mode, Report.
HID_CHARACTERISTICS = [
    (uuid128("2a4a"), ["read"], bytes([0x11, 0x01, 0x00, 0x02])),
    (uuid128("2a4b"), ["read"], bytes([0x05, 0x01, 0x09, 0x06, 0xA1, 0x01, 0x05, 0x07, 0x19, 0xE0,
                                       0x29, 0xE7, 0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x08,
                                       0x81, 0x02, 0xC0])),
    (uuid128("2a4e"), ["read", "write-without-response"], bytes([0x01])),
    (uuid128("2a4d"), ["read", "notify"], bytes(8)),
]


class Role:
    """What a peer shows: its advert (service UUIDs, service data, name, connectable or not)
    and the GATT services it serves once connected."""

    def __init__(self, name, title, advertised=(), service_data=None, served=(), connectable=True,
                 appearance=None, revealed=()):
        self.name, self.title = name, title
        self.advertised = list(advertised)
        self.service_data = dict(service_data or {})
        self.served = list(served)
        self.connectable = connectable
        self.appearance = appearance
        # Served only once Peer.reveal() is called (after bonding): a second GATT application,
        # which makes the peer's bluetoothd send Service Changed to the connected laptop.
        self.revealed = list(revealed)


ROLES = {role.name: role for role in [
    Role("fido-key", "FIDO-Key", advertised=[FIDO], served=[(FIDO, FIDO_CHARACTERISTICS)]),
    # A phone offering hybrid (caBLE): a non-connectable advert with 20 bytes of service data
    # under 0xFFF9 and nothing else. It never pairs.
    Role("hybrid-phone", "Phone", service_data={HYBRID: bytes(range(0xA0, 0xB4))}, connectable=False),
    Role("keyboard", "Keyboard", advertised=[HID], served=[(HID, HID_CHARACTERISTICS)], appearance=0x03C1),
    # Advertises the FIDO service, serves HID once connected.
    Role("liar", "Totally-A-Key", advertised=[FIDO], served=[(HID, HID_CHARACTERISTICS)]),
    # A key that becomes a keyboard: advertises only 0xFFFD and serves the FIDO service, so
    # it pairs as a FIDO key; after bonding it adds HID over GATT (reveal()).
    Role("fido-then-hid", "Shapeshifter-Key", advertised=[FIDO],
         served=[(FIDO, FIDO_CHARACTERISTICS)], revealed=[(HID, HID_CHARACTERISTICS)]),
    # The endpoint's own advert, so that a peer can find it and start a pairing towards it.
    Role("laptop", "Laptop"),
]}


class TimedOut(Exception):
    pass


def wait_until(predicate, timeout, what):
    """Runs the GLib main loop until predicate() returns something true, and returns that.
    Wakes on every D-Bus message and at least every 50 ms (for files such as an audit log).
    Raises TimedOut at the deadline."""
    context = GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    tick = GLib.timeout_add(50, lambda: True)
    try:
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimedOut("timed out after %.0f s waiting for %s" % (timeout, what))
            context.iteration(True)
    finally:
        GLib.source_remove(tick)


def call(method, *args, timeout=30):
    """Calls a D-Bus method without blocking the main loop (the objects this process exports
    keep answering bluetoothd meanwhile). Returns (True, first value of the reply or None) or
    (False, the error's name)."""
    result = {}
    method(*args, reply_handler=lambda *reply: result.update(ok=True, value=reply[0] if reply else None),
           error_handler=lambda error: result.update(ok=False, value=error.get_dbus_name()),
           timeout=timeout)
    wait_until(lambda: result, timeout + 5, "a reply to %s" % getattr(method, "_method_name", "a call"))
    return result["ok"], result["value"]


# ---- BlueZ's state, read fresh every time -----------------------------------------------------

def system_bus():
    return dbus.SystemBus()


def adapter_path(adapter):
    return "/org/bluez/" + adapter


def device_path(adapter, address):
    return "%s/dev_%s" % (adapter_path(adapter), address.upper().replace(":", "_"))


def adapter_property(adapter, name, bus=None):
    bus = bus or system_bus()
    props = dbus.Interface(bus.get_object(BLUEZ, adapter_path(adapter)), PROPERTIES)
    return props.Get("org.bluez.Adapter1", name)


def device_properties(path, bus=None):
    """Device1's properties, or None when the object does not exist."""
    bus = bus or system_bus()
    try:
        props = dbus.Interface(bus.get_object(BLUEZ, path, introspect=False), PROPERTIES)
        return props.GetAll("org.bluez.Device1")
    except dbus.DBusException:
        return None


def bonded(path, bus=None):
    """Whether the Device1 exists and holds a bond (Paired or Bonded)."""
    props = device_properties(path, bus)
    return bool(props and (props.get("Paired", False) or props.get("Bonded", False)))


def holds_no_bond(path, bus=None):
    """After a removal: the Device1 is gone, or back without a bond. A device that is still
    advertising can connect again before bluetoothd has taken it off the kernel's connect
    list (bluez frees the object first); bluetoothd then creates a temporary Device1 for it,
    which it drops after TemporaryTimeout (30 s). docs/bluez-facts.md, 13a."""
    return not bonded(path, bus)


def uuids_of(props):
    return [str(u) for u in props.get("UUIDs", [])] if props else []


def managed_objects(bus=None):
    bus = bus or system_bus()
    manager = dbus.Interface(bus.get_object(BLUEZ, "/"), "org.freedesktop.DBus.ObjectManager")
    return manager.GetManagedObjects()


def device_paths(bus=None):
    return [str(p) for p, interfaces in managed_objects(bus).items() if "org.bluez.Device1" in interfaces]


# ---- what a peer presents: an advert and a GATT application -----------------------------------

_serial = itertools.count(1)


class _Advertisement(dbus.service.Object):
    def __init__(self, bus, path, role):
        super().__init__(bus, path)
        self.path = path
        self.props = {"Type": dbus.String("peripheral" if role.connectable else "broadcast")}
        if role.advertised:
            self.props["ServiceUUIDs"] = dbus.Array(role.advertised, signature="s")
        if role.service_data:
            self.props["ServiceData"] = dbus.Dictionary(
                {k: dbus.Array(v, signature="y") for k, v in role.service_data.items()}, signature="sv")
        if role.connectable:
            self.props["LocalName"] = dbus.String(role.title)
            self.props["Discoverable"] = dbus.Boolean(True)
        if role.appearance is not None:
            self.props["Appearance"] = dbus.UInt16(role.appearance)

    @dbus.service.method(PROPERTIES, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        return self.props if interface == "org.bluez.LEAdvertisement1" else {}

    @dbus.service.method("org.bluez.LEAdvertisement1")
    def Release(self):
        pass


class _GattObject(dbus.service.Object):
    def __init__(self, bus, path, interface, props, value=b""):
        super().__init__(bus, path)
        self.path, self.interface, self.props, self.value = path, interface, props, value

    @dbus.service.method(PROPERTIES, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        return self.props if interface == self.interface else {}

    @dbus.service.method("org.bluez.GattCharacteristic1", in_signature="a{sv}", out_signature="ay")
    def ReadValue(self, options):
        return dbus.Array(self.value, signature="y")

    @dbus.service.method("org.bluez.GattCharacteristic1", in_signature="aya{sv}")
    def WriteValue(self, value, options):
        pass

    @dbus.service.method("org.bluez.GattCharacteristic1")
    def StartNotify(self):
        pass

    @dbus.service.method("org.bluez.GattCharacteristic1")
    def StopNotify(self):
        pass


class _GattApplication(dbus.service.Object):
    def __init__(self, bus, path, services):
        super().__init__(bus, path)
        self.path = path
        self.objects = []
        for i, (service, characteristics) in enumerate(services):
            spath = "%s/service%d" % (path, i)
            self.objects.append(_GattObject(bus, spath, "org.bluez.GattService1",
                                            {"UUID": service, "Primary": dbus.Boolean(True)}))
            for j, (uuid, flags, value) in enumerate(characteristics):
                self.objects.append(_GattObject(
                    bus, "%s/char%d" % (spath, j), "org.bluez.GattCharacteristic1",
                    {"UUID": uuid, "Service": dbus.ObjectPath(spath),
                     "Flags": dbus.Array(flags, signature="s")}, value))

    @dbus.service.method("org.freedesktop.DBus.ObjectManager", out_signature="a{oa{sa{sv}}}")
    def GetManagedObjects(self):
        return {dbus.ObjectPath(o.path): {o.interface: o.props} for o in self.objects}


class Peer:
    """A role played on one adapter: serve() registers its GATT application, advertise() its
    advert (again, if it is already registered: btvirt sends an advert only when advertising
    or scanning starts), stop() unregisters both."""

    def __init__(self, role, adapter, bus=None):
        self.role = ROLES[role] if isinstance(role, str) else role
        self.adapter = adapter
        self.bus = bus or system_bus()
        base = "/btpeer/%s%d" % (self.role.name.replace("-", "_"), next(_serial))
        self._advert = _Advertisement(self.bus, base + "/advert", self.role)
        self._app = _GattApplication(self.bus, base + "/app", self.role.served) if self.role.served else None
        self._later = (_GattApplication(self.bus, base + "/later", self.role.revealed)
                       if self.role.revealed else None)
        self._advertising = False
        self._serving = False
        self._revealed = False

    def address(self):
        return str(adapter_property(self.adapter, "Address", self.bus))

    def _manager(self, interface):
        return dbus.Interface(self.bus.get_object(BLUEZ, adapter_path(self.adapter)), interface)

    def serve(self):
        if self._app and not self._serving:
            ok, error = call(self._manager("org.bluez.GattManager1").RegisterApplication, self._app,
                             dbus.Dictionary({}, signature="sv"))
            if not ok:
                raise RuntimeError("%s: GATT application not registered: %s" % (self.role.name, error))
            self._serving = True

    def reveal(self):
        """Starts serving the role's `revealed` services (a peer that changes its GATT database
        while connected: bluetoothd sends Service Changed, the laptop discovers them again)."""
        if self._later is None or self._revealed:
            return
        ok, error = call(self._manager("org.bluez.GattManager1").RegisterApplication, self._later,
                         dbus.Dictionary({}, signature="sv"))
        if not ok:
            raise RuntimeError("%s: revealed services not registered: %s" % (self.role.name, error))
        self._revealed = True

    def advertise(self):
        self.serve()
        if self.role.connectable:
            # Its GAP Device Name, which a connected laptop reads and shows instead of the
            # advertised name: the same, as on a real device.
            props = dbus.Interface(self.bus.get_object(BLUEZ, adapter_path(self.adapter)), PROPERTIES)
            props.Set("org.bluez.Adapter1", "Alias", dbus.String(self.role.title))
        manager = self._manager("org.bluez.LEAdvertisingManager1")
        if self._advertising:
            call(manager.UnregisterAdvertisement, self._advert)
        ok, error = call(manager.RegisterAdvertisement, self._advert, dbus.Dictionary({}, signature="sv"))
        if not ok:
            raise RuntimeError("%s: advertisement not registered: %s" % (self.role.name, error))
        self._advertising = True

    def stop(self):
        if getattr(self, "_stopped", False):
            return  # stopped by a scenario already; the runner's cleanup calls it again
        self._stopped = True
        try:
            if self._advertising:
                call(self._manager("org.bluez.LEAdvertisingManager1").UnregisterAdvertisement, self._advert)
            if self._serving:
                call(self._manager("org.bluez.GattManager1").UnregisterApplication, self._app)
            if self._revealed:
                call(self._manager("org.bluez.GattManager1").UnregisterApplication, self._later)
        except dbus.DBusException:
            pass  # bluetoothd is gone: nothing is registered any more
        self._advertising = self._serving = self._revealed = False
        for obj in [self._advert] + ([self._app] + self._app.objects if self._app else []) + \
                ([self._later] + self._later.objects if self._later else []):
            obj.remove_from_connection()


def discover(scanner, peer, until=None, timeout=30, retry_every=4.0):
    """Scans on adapter `scanner` until it has a Device1 for `peer` for which until(props)
    holds; returns its object path. A connectable peer is found by its adapter's public
    address; a non-connectable one advertises from a fresh random address, so any device with
    until(props) counts. Scanning starts BEFORE the peer (re)advertises: btvirt delivers each
    advert once, when advertising or scanning starts, and the kernel drops a report that
    arrives before its discovery is running. If nothing arrives, both restart every
    `retry_every` seconds."""
    bus = peer.bus
    adapter = dbus.Interface(bus.get_object(BLUEZ, adapter_path(scanner)), "org.bluez.Adapter1")
    until = until or (lambda props: True)
    if peer.role.connectable:
        candidates = [device_path(scanner, peer.address())]
    else:
        candidates = None

    def found():
        paths = candidates or [p for p in device_paths(bus) if p.startswith(adapter_path(scanner) + "/")]
        for path in paths:
            props = device_properties(path, bus)
            if props is not None and until(props):
                return path
        return None

    adapter.SetDiscoveryFilter(dbus.Dictionary({"Transport": "le", "DuplicateData": dbus.Boolean(True)},
                                               signature="sv"))
    deadline = time.monotonic() + timeout
    try:
        while True:
            call(adapter.StartDiscovery)
            peer.advertise()
            try:
                return wait_until(found, min(retry_every, max(0.1, deadline - time.monotonic())),
                                  "%s to see the %s on %s" % (scanner, peer.role.name, peer.adapter))
            except TimedOut:
                if time.monotonic() >= deadline:
                    raise TimedOut("%s never saw the %s advertising on %s within %.0f s"
                                   % (scanner, peer.role.name, peer.adapter, timeout))
            call(adapter.StopDiscovery)
    finally:
        call(adapter.StopDiscovery)


# ---- the people who pair: Agent1 objects, each on its own bus connection ------------------------

class Rejected(dbus.DBusException):
    _dbus_error_name = "org.bluez.Error.Rejected"


class Agent(dbus.service.Object):
    """An org.bluez.Agent1 with its own connection to the bus: bluetoothd keeps one agent per
    connection, and Device1.Pair() called through pair() uses this agent for the local side.
    Accepts every request (or refuses all with reject=True) and records each call as
    (method, device path, detail)."""

    PATH = "/btpeer/agent"

    def __init__(self, capability, reject=False):
        self.bus = dbus.SystemBus(private=True)
        self.bus.set_exit_on_disconnect(False)  # libdbus would _exit(1) when close() disconnects it
        super().__init__(self.bus, self.PATH)
        self.capability, self.reject = capability, reject
        self.calls = []
        self.registered = False

    def _record(self, method, device="", detail=None):
        self.calls.append((method, str(device), detail))
        if self.reject and method not in ("Cancel", "Release", "DisplayPasskey", "DisplayPinCode"):
            raise Rejected("refused by the test's agent")

    @dbus.service.method("org.bluez.Agent1", in_signature="ou")
    def RequestConfirmation(self, device, passkey):
        self._record("RequestConfirmation", device, int(passkey))

    @dbus.service.method("org.bluez.Agent1", in_signature="o")
    def RequestAuthorization(self, device):
        self._record("RequestAuthorization", device)

    @dbus.service.method("org.bluez.Agent1", in_signature="os")
    def AuthorizeService(self, device, uuid):
        self._record("AuthorizeService", device, str(uuid))

    @dbus.service.method("org.bluez.Agent1", in_signature="o", out_signature="u")
    def RequestPasskey(self, device):
        self._record("RequestPasskey", device)
        return dbus.UInt32(0)

    @dbus.service.method("org.bluez.Agent1", in_signature="o", out_signature="s")
    def RequestPinCode(self, device):
        self._record("RequestPinCode", device)
        return "0000"

    @dbus.service.method("org.bluez.Agent1", in_signature="ouq")
    def DisplayPasskey(self, device, passkey, entered):
        self._record("DisplayPasskey", device, int(passkey))

    @dbus.service.method("org.bluez.Agent1", in_signature="os")
    def DisplayPinCode(self, device, pincode):
        self._record("DisplayPinCode", device, str(pincode))

    @dbus.service.method("org.bluez.Agent1")
    def Cancel(self):
        self._record("Cancel")

    @dbus.service.method("org.bluez.Agent1")
    def Release(self):
        self._record("Release")

    def _agent_manager(self):
        return dbus.Interface(self.bus.get_object(BLUEZ, "/org/bluez"), "org.bluez.AgentManager1")

    def register(self, default=False):
        """RegisterAgent; with default=True also RequestDefaultAgent, which puts this agent in
        front of bluetoothd's default-agent list until it unregisters."""
        self._agent_manager().RegisterAgent(self.PATH, self.capability)
        self.registered = True
        if default:
            self._agent_manager().RequestDefaultAgent(self.PATH)
        return self

    def unregister(self):
        if self.registered:
            try:
                self._agent_manager().UnregisterAgent(self.PATH)
            except dbus.DBusException:
                pass  # bluetoothd restarted: it forgot this agent already
            self.registered = False

    def pair(self, path, timeout=60):
        """Device1.Pair() through this agent's connection; returns (ok, error name or None)."""
        device = dbus.Interface(self.bus.get_object(BLUEZ, path, introspect=False), "org.bluez.Device1")
        ok, reply = call(device.Pair, timeout=timeout)
        return ok, (None if ok else reply)

    def start_pairing(self, path, timeout=60):
        """Device1.Pair() through this agent's connection without waiting: the returned dict
        gets "ok" (and "error") when bluetoothd replies."""
        device = dbus.Interface(self.bus.get_object(BLUEZ, path, introspect=False), "org.bluez.Device1")
        result = {}
        device.Pair(reply_handler=lambda: result.update(ok=True),
                    error_handler=lambda e: result.update(ok=False, error=e.get_dbus_name()), timeout=timeout)
        return result

    def methods(self, device=None):
        return [m for m, d, _ in self.calls if device is None or d == device]

    def close(self):
        self.unregister()
        self.remove_from_connection()
        self.bus.close()


# ---- command line ---------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("roles", help="list the roles")
    play = sub.add_parser("play", help="advertise and serve a role until interrupted")
    play.add_argument("role", choices=sorted(ROLES))
    play.add_argument("--adapter", default="hci1")
    play.add_argument("--agent", metavar="CAPABILITY", help="also register a default agent with this capability")
    args = parser.parse_args()
    if args.command == "roles":
        for role in ROLES.values():
            print("%-13s advertises %s%s; serves %s" % (
                role.name, role.advertised or "no UUID",
                " + service data %s" % {k: len(v) for k, v in role.service_data.items()} if role.service_data else "",
                [s for s, _ in role.served] or "nothing"))
        return 0
    peer = Peer(args.role, args.adapter)
    agent = Agent(args.agent).register(default=True) if args.agent else None
    peer.advertise()
    print("%s: %s on %s (%s); Ctrl-C stops" % (os.path.basename(sys.argv[0]), args.role, args.adapter,
                                               peer.address()), flush=True)
    try:
        GLib.MainLoop().run()
    except KeyboardInterrupt:
        pass
    finally:
        peer.stop()
        if agent:
            for method, device, detail in agent.calls:
                print("agent: %s %s %s" % (method, device, "" if detail is None else detail))
            agent.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
