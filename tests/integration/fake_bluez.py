#!/usr/bin/python3
"""A scriptable stand-in for bluetoothd (bluez 5.66) on a private D-Bus bus.

It plays `org.bluez` where btfenced touches it, with bluez's object layout, property types,
signals and error names, and lets a test script what the radio world does: devices
appearing, a remote device starting a pairing (which calls the DEFAULT agent, as bluetoothd
does), a local Just Works pairing that no agent sees, GATT resolution replacing UUIDs,
wrong D-Bus types, a crowded room, and bluetoothd restarting.

Usage:  fake_bluez.py [--bus ADDRESS] [--stopped]
  --bus      bus address (default: $DBUS_SYSTEM_BUS_ADDRESS)
  --stopped  start without owning org.bluez (as if bluetoothd were not running yet)

Two connections, because a real bluetoothd restart gives org.bluez a NEW unique name:
  * the CONTROL connection owns `org.btfence.test.FakeBluez` for the whole run;
  * the BLUEZ connection owns `org.bluez`; StopBluez closes it, StartBluez opens a new one.

What is emulated (bluez 5.66 semantics):
  /                    org.freedesktop.DBus.ObjectManager: GetManagedObjects,
                       InterfacesAdded(o, a{sa{sv}}), InterfacesRemoved(o, as)
  /org/bluez           org.bluez.AgentManager1: RegisterAgent(o, s), UnregisterAgent(o),
                       RequestDefaultAgent(o). Agents are keyed by the caller's unique name;
                       errors AlreadyExists / DoesNotExist / InvalidArguments as in
                       src/agent.c; agents whose owner leaves the bus are forgotten
                       (NameOwnerChanged) and the previous default agent takes over.
  /org/bluez/hciN      org.bluez.Adapter1 (Address, AddressType, Name, Alias, Class, Powered,
                       Discoverable, Pairable, ..., UUIDs, Roles) with RemoveDevice(o)
                       (InterfacesRemoved, then the reply; DoesNotExist for an unknown path,
                       NotReady when not Powered), StartDiscovery, StopDiscovery;
                       optionally org.bluez.AdminPolicySet1.SetServiceAllowList(as) and
                       org.bluez.AdminPolicyStatus1.ServiceAllowList (PropertiesChanged).
  .../dev_XX_..._XX    org.bluez.Device1 (Address, AddressType, Name, Alias, UUIDs, ServiceData,
                       Paired, Bonded, Connected, Trusted, Blocked, Adapter, RSSI, ...) with
                       Connect, Disconnect (NotConnected when not connected), Pair (a local
                       Just Works pairing: no agent is asked), CancelPairing; Trusted,
                       Blocked, Alias and WakeAllowed writable through Properties.Set.
  Every object also has org.freedesktop.DBus.Properties Get/GetAll/Set and PropertiesChanged.

Control interface `org.btfence.test.FakeBluez1` at /org/btfence/test (on the control name):
  AddAdapter(s name, s address, a{sv} options) -> o
        options: "admin_policy" b (AdminPolicySet1/AdminPolicyStatus1), "powered" b
  AddDevice(o adapter, s address, a{sv} props) -> o      props as SetDeviceProperties
  AddDeviceUnannounced(o adapter, s address, a{sv} props) -> o
        as AddDevice, but no InterfacesAdded is sent: a client that missed the signal (or
        forgot the device) learns of it only from GetManagedObjects, GetAll, or a later
        PropertiesChanged
  AddRawDevice(o adapter, s address, a{sv} props) -> o
        as AddDevice, but `props` are published exactly as sent (malformed types in
        InterfacesAdded); the defaults bluez always publishes are still added.
  SetDeviceProperties(o device, a{sv} props)
        Device1 properties, coerced to bluez's D-Bus types (UUIDs and ServiceData keys may be
        given as 16-bit "fffd", published 128-bit as bluez does; ServiceData/ManufacturerData
        values as bytes or lists of ints); emits one PropertiesChanged.
  SetDevicePropertiesUnannounced(o device, a{sv} props)
        as SetDeviceProperties, but no PropertiesChanged is sent: the change is seen only by
        GetAll/GetManagedObjects (a change whose signal a client could not decode)
  SetProperties(o path, s interface, a{sv} props)        the same for any interface
        (e.g. AdminPolicyStatus1.ServiceAllowList changed behind btfenced's back).
  SetRawDeviceProperties(o device, a{sv} props)
        NO coercion: publishes exactly the D-Bus types the caller sent (malformed types,
        e.g. UUIDs as a string); stored, so GetAll/GetManagedObjects return them too.
  RemoveObject(o path)       a device (or an adapter with its devices) vanishes
  EmitRaw(o path, s interface, s member, s signature, av args)
        one signal from org.bluez's connection with exactly this body (a body of the wrong
        shape, e.g. PropertiesChanged as "si"); nothing stored
  AddInterface(o path, s interface, a{sv} props)
        one more interface on an object (InterfacesAdded with only it), e.g.
        org.bluez.Battery1 {Percentage y} or org.bluez.MediaControl1 {Connected b}, which
        bluetoothd adds to a connected device and drops when the link goes
  RemoveInterfaces(o path, as interfaces)
        InterfacesRemoved for those interfaces only; the object and its other interfaces
        stay (Device1/Adapter1 cannot be removed this way: RemoveObject)
  InjectFault(s member, s path, s kind, u count, a{sv} options)
        the next `count` calls (0: all, until ClearFaults) of `member` on `path` ("" = any
        path) misbehave, for every caller except the one that injected the fault:
          error  answer options["name"] (default org.bluez.Error.Failed) with
                 options["message"]; the call has no effect
          delay  answer after options["seconds"] (the call takes effect then; a reply later
                 than the caller's timeout is discarded by its D-Bus library)
          drop   never answer; the call has no effect
          hold   answer when the test says so (ReleaseHeld; the call takes effect then):
                 a late answer whose lateness does not depend on how loaded the machine is
        Members (as recorded): GetManagedObjects, GetAll, Set, RemoveDevice, Disconnect,
        SetServiceAllowList, RegisterAgent, RequestDefaultAgent, UnregisterAgent. Rules are
        tried in the order injected; a call consumes the first that matches.
  ClearFaults()              every fault rule is dropped (calls dropped already stay so)
  ReleaseHeld(s member) -> u
        the calls of `member` held by a "hold" fault are carried out and answered now, in
        the order received; returns how many (those of a bluetoothd that restarted since
        died with it: not answered, not counted)
  SimulatePairing(o device, s method, s arg) -> s         [async]
        remote device starts pairing; the fake calls the default agent:
          justworks -> RequestAuthorization(o)      numeric -> RequestConfirmation(o, u arg)
          passkey   -> RequestPasskey(o)            pincode -> RequestPinCode(o)
          display   -> DisplayPasskey(o, u arg, q 0)
          authorize-service -> AuthorizeService(o, s arg)   (no pairing state change)
          cancel    -> Cancel()                     (no pairing state change)
        If the agent answers without error, pairing methods set Paired=Bonded=true (one
        PropertiesChanged). Returns "accepted" or the agent's D-Bus error name;
        "org.btfence.test.Error.NoAgent" when no default agent is registered.
  BypassPair(o device)
        a LOCAL Just Works pairing no agent sees (bluez 5.66 auto-accepts it):
        Connected=true, then Paired=Bonded=true (two PropertiesChanged).
  Ping(s destination) -> s   [async] org.freedesktop.DBus.Peer.Ping sent to `destination`
        from the org.bluez connection: once answered ("pong", else the error name), the
        destination has handled every signal bluetoothd sent before (a barrier without agent).
  Flood(u count, u window)   [returns at once; FloodFinished(u added, u removed) at the end]
        `count` devices appear (InterfacesAdded), get one RSSI PropertiesChanged and vanish
        (InterfacesRemoved) with at most `window` alive, in batches between which the fake
        keeps serving calls (FloodProgress(u added) after every 1000 devices). Addresses
        F0:0D:xx:xx:xx:xx, UUIDs [1812] / [fffd] / hybrid ServiceData; never paired or
        connected.
  StopBluez(b release_agents)  bluetoothd stops: optionally Agent1.Release to each agent,
        agents forgotten, org.bluez connection closed (its name vanishes; no
        InterfacesRemoved, as when the process exits).
  StartBluez()               bluetoothd starts: a new connection owns org.bluez with
        /org/bluez; the adapters come back right after (InterfacesAdded, as bluetoothd
        adds them after reading the controllers), with the devices that were bonded
        (stored keys survive a restart), disconnected.
  GetCalls() -> a(udssosss)  every call made on the fake's bluez objects
  GetAgents() -> a(sssb)     (owner, path, capability, is_default)
  signal CallRecorded(u seq, d time, s interface, s member, o path, s sender,
                      s args_json, s result)   result: "ok" or the D-Bus error name
  signal FloodProgress(u added)
  signal FloodFinished(u added, u removed)
Recorded calls: RegisterAgent, UnregisterAgent, RequestDefaultAgent, RemoveDevice,
StartDiscovery, StopDiscovery, Connect, Disconnect, Pair, CancelPairing,
SetServiceAllowList, Properties.Set (member "Set", args [interface, name, value]),
Properties.GetAll, and GetManagedObjects when a fault hit it. The result of a faulted call
is the injected error name, "fault:delayed" or "fault:dropped".
"""

import argparse
import json
import os
import re
import sys
import time

import dbus
import dbus.lowlevel
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

BLUEZ_NAME = "org.bluez"
CONTROL_NAME = "org.btfence.test.FakeBluez"
CONTROL_PATH = "/org/btfence/test"
CONTROL_IFACE = "org.btfence.test.FakeBluez1"
CONTROL_ERROR = "org.btfence.test.Error"

OBJECT_MANAGER = "org.freedesktop.DBus.ObjectManager"
PROPERTIES = "org.freedesktop.DBus.Properties"
INTROSPECTABLE = "org.freedesktop.DBus.Introspectable"
AGENT_MANAGER = "org.bluez.AgentManager1"
AGENT = "org.bluez.Agent1"
ADAPTER = "org.bluez.Adapter1"
DEVICE = "org.bluez.Device1"
ADMIN_SET = "org.bluez.AdminPolicySet1"
ADMIN_STATUS = "org.bluez.AdminPolicyStatus1"
BATTERY = "org.bluez.Battery1"
MEDIA_CONTROL = "org.bluez.MediaControl1"

# How long the fake waits for an agent's answer. bluetoothd waits 60 s; tests want less.
AGENT_CALL_TIMEOUT_S = 25.0

BASE_UUID_SUFFIX = "-0000-1000-8000-00805f9b34fb"
# bluez 5.66 src/agent.c parse_io_capability(); "" means KeyboardDisplay.
IO_CAPABILITIES = {"", "DisplayOnly", "DisplayYesNo", "KeyboardOnly", "NoInputNoOutput",
                   "KeyboardDisplay"}

# D-Bus types bluez publishes, per interface and property (doc/*-api.txt, 5.66).
PROPERTY_TYPES = {
    DEVICE: {
        "Address": "s", "AddressType": "s", "Name": "s", "Alias": "s", "Icon": "s",
        "Class": "u", "Appearance": "q", "UUIDs": "as", "Paired": "b", "Bonded": "b",
        "Connected": "b", "Trusted": "b", "Blocked": "b", "LegacyPairing": "b",
        "WakeAllowed": "b", "ServicesResolved": "b", "RSSI": "n", "TxPower": "n",
        "Adapter": "o", "Modalias": "s", "ManufacturerData": "a{qv}",
        "ServiceData": "a{sv}", "AdvertisingFlags": "ay",
    },
    ADAPTER: {
        "Address": "s", "AddressType": "s", "Name": "s", "Alias": "s", "Class": "u",
        "Powered": "b", "Discoverable": "b", "DiscoverableTimeout": "u", "Pairable": "b",
        "PairableTimeout": "u", "Discovering": "b", "UUIDs": "as", "Modalias": "s",
        "Roles": "as",
    },
    ADMIN_STATUS: {"ServiceAllowList": "as"},
    # Interfaces a connected device gains and loses with its connection (AddInterface).
    BATTERY: {"Percentage": "y", "Source": "s"},
    MEDIA_CONTROL: {"Connected": "b", "Player": "o"},
}
WRITABLE = {
    DEVICE: {"Trusted", "Blocked", "Alias", "WakeAllowed"},
    ADAPTER: {"Alias", "Powered", "Discoverable", "DiscoverableTimeout", "Pairable",
              "PairableTimeout"},
}
# Properties that a restart does not bring back (they describe a live connection/radio).
VOLATILE_DEVICE_PROPERTIES = {"Connected", "ServicesResolved", "RSSI", "TxPower"}


class BluezError(dbus.DBusException):
    """An error reply with an explicit D-Bus error name."""

    def __init__(self, name, message):
        super().__init__(message, name=name)


def bluez_error(short, message):
    return BluezError("org.bluez.Error." + short, message)


def control_error(message):
    return BluezError(CONTROL_ERROR, message)


def canonical_uuid(text):
    """bluez publishes every UUID as 128-bit lowercase; tests may write "fffd"."""
    text = str(text).lower()
    if text.startswith("0x"):
        text = text[2:]
    if re.fullmatch(r"[0-9a-f]{4}", text):
        return "0000" + text + BASE_UUID_SUFFIX
    if re.fullmatch(r"[0-9a-f]{8}", text):
        return text + BASE_UUID_SUFFIX
    return text


def byte_array(value):
    if isinstance(value, (bytes, bytearray)):
        data = list(value)
    elif isinstance(value, str):
        data = list(bytes.fromhex(value))
    else:
        data = [int(b) for b in value]
    return dbus.Array([dbus.Byte(b) for b in data], signature="y")


def coerce(signature, value):
    """Gives `value` the exact D-Bus type bluez uses for a property of `signature`."""
    if signature == "s":
        return dbus.String(value)
    if signature == "o":
        return dbus.ObjectPath(value)
    if signature == "b":
        return dbus.Boolean(bool(value))
    if signature == "u":
        return dbus.UInt32(int(value))
    if signature == "q":
        return dbus.UInt16(int(value))
    if signature == "y":
        return dbus.Byte(int(value))
    if signature == "n":
        return dbus.Int16(int(value))
    if signature == "as":
        return dbus.Array([dbus.String(canonical_uuid(v)) for v in value], signature="s")
    if signature == "ay":
        return byte_array(value)
    if signature == "a{sv}":  # ServiceData: uuid -> ay
        return dbus.Dictionary({dbus.String(canonical_uuid(k)): byte_array(v)
                                for k, v in value.items()}, signature="sv")
    if signature == "a{qv}":  # ManufacturerData: company id -> ay
        return dbus.Dictionary({dbus.UInt16(int(k)): byte_array(v)
                                for k, v in value.items()}, signature="qv")
    raise ValueError("no coercion for signature " + signature)


def coerce_properties(interface, props):
    types = PROPERTY_TYPES.get(interface, {})
    out = {}
    for name, value in props.items():
        name = str(name)
        if name not in types:
            raise control_error("unknown property %s.%s (use SetRawDeviceProperties for "
                                "deliberate junk)" % (interface, name))
        out[name] = coerce(types[name], value)
    return out


def to_json(value):
    """D-Bus values -> plain JSON-able Python, for the call log."""
    if isinstance(value, (dbus.ByteArray, bytes)):
        return list(value)
    if isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, (dbus.Byte, dbus.Int16, dbus.UInt16, dbus.Int32, dbus.UInt32,
                          dbus.Int64, dbus.UInt64)):
        return int(value)
    if isinstance(value, dbus.Double):
        return float(value)
    if isinstance(value, (dbus.String, dbus.ObjectPath, dbus.Signature, str)):
        return str(value)
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    return value


def device_path(adapter_path, address):
    return "%s/dev_%s" % (adapter_path, address.upper().replace(":", "_"))


class Faults:
    """Scripted misbehaviour of bluetoothd (InjectFault): which calls fail, answer late, or are
    never answered. A rule matches a member (as recorded: "RemoveDevice", "GetAll", "Set"...)
    on one path or any (""), for `count` calls (0: until ClearFaults), from any caller but the
    one that injected it (the test's own GetManagedObjects/Get calls keep working)."""

    KINDS = ("error", "delay", "drop", "hold")

    def __init__(self):
        self.rules = []

    def add(self, member, path, kind, count, options, injector):
        if kind not in self.KINDS:
            raise control_error("fault kind must be one of %s" % ", ".join(self.KINDS))
        rule = {"member": member, "path": path, "kind": kind,
                "remaining": count if count > 0 else None, "injector": injector,
                "name": str(options.get("name", "org.bluez.Error.Failed")),
                "message": str(options.get("message", "Injected fault")),
                "seconds": float(options.get("seconds", 0.0)), "hits": 0}
        self.rules.append(rule)

    def clear(self):
        self.rules = []

    def take(self, member, path, sender):
        for rule in self.rules:
            if rule["member"] != member or rule["path"] not in ("", path) or \
                    sender == rule["injector"]:
                continue
            rule["hits"] += 1
            if rule["remaining"] is not None:
                rule["remaining"] -= 1
                if rule["remaining"] == 0:
                    self.rules.remove(rule)
            return rule
        return None


class Recorder:
    """The call log the tests read: every call made on the bluez objects, with its outcome."""

    def __init__(self, control):
        self.control = control
        self.calls = []
        self.faults = Faults()
        self.held = []  # (member, answer) of the calls a "hold" fault keeps unanswered
        self.fake = None  # set by FakeBluez (a delayed answer checks bluetoothd still runs)

    def serve(self, interface, member, path, sender, args, action, reply, error, record=True):
        """Like run(), for methods that answer through dbus-python's async callbacks, so that
        an injected fault can answer with an error, answer after a delay (the action runs
        then), or never answer. The call log records "fault:delayed"/"fault:dropped" for
        those, and the error name for an injected error. `record`=False: only faulted calls
        are recorded."""
        fault = self.faults.take(member, path, sender)
        if fault is None and not record:
            try:
                result = action()
            except dbus.DBusException as failure:
                error(failure)
                return
            reply() if result is None else reply(result)
            return
        if fault is None:
            try:
                result = self.run(interface, member, path, sender, args, action)
            except dbus.DBusException as failure:
                error(failure)
                return
            reply() if result is None else reply(result)
            return
        if fault["kind"] == "error":
            self.record(interface, member, path, sender, args, fault["name"])
            error(BluezError(fault["name"], fault["message"]))
        elif fault["kind"] == "drop":
            self.record(interface, member, path, sender, args, "fault:dropped")
        else:
            held = fault["kind"] == "hold"
            self.record(interface, member, path, sender, args,
                        "fault:held" if held else "fault:delayed")
            connection = self.fake.bluez_conn if self.fake else None

            def answer_late():
                """False once answered (GLib: the timeout does not repeat); None if that
                bluetoothd is gone."""
                if self.fake is not None and self.fake.bluez_conn is not connection:
                    return None  # bluetoothd restarted meanwhile: that call died with it
                try:
                    result = action()
                except dbus.DBusException as failure:
                    error(failure)
                    return False
                reply() if result is None else reply(result)
                return False
            if held:
                self.held.append((member, answer_late))
            else:
                GLib.timeout_add(int(fault["seconds"] * 1000), lambda: bool(answer_late()))

    def release_held(self, member):
        """Carries out and answers the held calls of `member`; how many were answered."""
        released = [answer for name, answer in self.held if name == member]
        self.held = [(name, answer) for name, answer in self.held if name != member]
        return sum(1 for answer in released if answer() is not None)

    def record(self, interface, member, path, sender, args, result="ok"):
        entry = (dbus.UInt32(len(self.calls) + 1), dbus.Double(time.time()),
                 dbus.String(interface), dbus.String(member), dbus.ObjectPath(path),
                 dbus.String(sender or ""), dbus.String(json.dumps(to_json(list(args)))),
                 dbus.String(result))
        self.calls.append(entry)
        self.control.CallRecorded(*entry)

    def run(self, interface, member, path, sender, args, action):
        """Runs `action`, records the call with "ok" or the error name, re-raises errors."""
        try:
            result = action()
        except dbus.DBusException as error:
            self.record(interface, member, path, sender, args, error.get_dbus_name())
            raise
        except Exception:
            self.record(interface, member, path, sender, args, "fake-internal-error")
            raise
        self.record(interface, member, path, sender, args)
        return result


class BluezObject(dbus.service.Object):
    """An exported bluez object: its interfaces' properties plus the Properties interface."""

    def __init__(self, fake, path, interfaces):
        self.fake = fake
        self.path = path
        # interface -> {name: dbus value}; the standard interfaces appear (empty) in
        # InterfacesAdded/GetManagedObjects as bluez's gdbus lists them.
        self.interfaces = interfaces
        super().__init__(fake.bluez_conn, path)

    def managed_interfaces(self):
        result = dbus.Dictionary({}, signature="sa{sv}")
        result[INTROSPECTABLE] = dbus.Dictionary({}, signature="sv")
        for iface, props in self.interfaces.items():
            result[iface] = dbus.Dictionary(props, signature="sv")
        result[PROPERTIES] = dbus.Dictionary({}, signature="sv")
        return result

    def update(self, interface, changes, emit=True):
        self.interfaces[interface].update(changes)
        if emit and changes:
            self.fake.emit(self.path, PROPERTIES, "PropertiesChanged", "sa{sv}as",
                           [interface, dbus.Dictionary(changes, signature="sv"),
                            dbus.Array([], signature="s")])

    def _interface(self, interface):
        if interface not in self.interfaces:
            raise BluezError("org.freedesktop.DBus.Error.InvalidArgs",
                             "No such interface '%s'" % interface)
        return self.interfaces[interface]

    @dbus.service.method(PROPERTIES, in_signature="ss", out_signature="v")
    def Get(self, interface, name):
        props = self._interface(interface)
        if name not in props:
            raise BluezError("org.freedesktop.DBus.Error.InvalidArgs",
                             "No such property '%s'" % name)
        return props[name]

    @dbus.service.method(PROPERTIES, in_signature="s", out_signature="a{sv}",
                         sender_keyword="sender", async_callbacks=("reply", "error"))
    def GetAll(self, interface, sender=None, reply=None, error=None):
        # Recorded: tests check that btfenced looks a device up when it does not hold it.
        self.fake.recorder.serve(
            PROPERTIES, "GetAll", self.path, sender, [interface],
            lambda: dbus.Dictionary(self._interface(interface), signature="sv"), reply, error)

    @dbus.service.method(PROPERTIES, in_signature="ssv", out_signature="",
                         sender_keyword="sender", async_callbacks=("reply", "error"))
    def Set(self, interface, name, value, sender=None, reply=None, error=None):
        def action():
            props = self._interface(interface)
            if name not in props and name not in WRITABLE.get(interface, ()):
                raise BluezError("org.freedesktop.DBus.Error.InvalidArgs",
                                 "No such property '%s'" % name)
            if name not in WRITABLE.get(interface, ()):
                raise BluezError("org.freedesktop.DBus.Error.PropertyReadOnly",
                                 "Property '%s' is not writable" % name)
            expected = PROPERTY_TYPES[interface][name]
            if dbus_signature_of(value) != expected:
                raise bluez_error("InvalidArguments", "Invalid arguments in method call")
            self.on_set(interface, name, coerce(expected, value))
        self.fake.recorder.serve(PROPERTIES, "Set", self.path, sender,
                                 [interface, name, value], action, reply, error)

    def on_set(self, interface, name, value):
        self.update(interface, {name: value})


def dbus_signature_of(value):
    """The signature of a value received inside a variant (enough for the writable props)."""
    if isinstance(value, dbus.Boolean):
        return "b"
    if isinstance(value, dbus.UInt32):
        return "u"
    if isinstance(value, dbus.String):
        return "s"
    return "?"


class AgentManager(BluezObject):
    """/org/bluez: AgentManager1, as bluez 5.66 src/agent.c."""

    def __init__(self, fake):
        super().__init__(fake, "/org/bluez", {AGENT_MANAGER: {}})

    @dbus.service.method(AGENT_MANAGER, in_signature="os", out_signature="",
                         sender_keyword="sender", async_callbacks=("reply", "error"))
    def RegisterAgent(self, agent, capability, sender=None, reply=None, error=None):
        def action():
            if sender in self.fake.agents:
                raise bluez_error("AlreadyExists", "Already Exists")
            if capability not in IO_CAPABILITIES:
                raise bluez_error("InvalidArguments", "Invalid arguments in method call")
            self.fake.agents[sender] = {"path": str(agent),
                                        "capability": capability or "KeyboardDisplay"}
        self.fake.recorder.serve(AGENT_MANAGER, "RegisterAgent", self.path, sender,
                                 [agent, capability], action, reply, error)

    @dbus.service.method(AGENT_MANAGER, in_signature="o", out_signature="",
                         sender_keyword="sender", async_callbacks=("reply", "error"))
    def UnregisterAgent(self, agent, sender=None, reply=None, error=None):
        def action():
            known = self.fake.agents.get(sender)
            if known is None or known["path"] != str(agent):
                raise bluez_error("DoesNotExist", "Does Not Exist")
            self.fake.forget_agent(sender)
        self.fake.recorder.serve(AGENT_MANAGER, "UnregisterAgent", self.path, sender, [agent],
                                 action, reply, error)

    @dbus.service.method(AGENT_MANAGER, in_signature="o", out_signature="",
                         sender_keyword="sender", async_callbacks=("reply", "error"))
    def RequestDefaultAgent(self, agent, sender=None, reply=None, error=None):
        def action():
            known = self.fake.agents.get(sender)
            if known is None or known["path"] != str(agent):
                raise bluez_error("DoesNotExist", "Does Not Exist")
            # bluez keeps a queue: the newest default wins, the displaced one is not told.
            if sender in self.fake.default_agents:
                self.fake.default_agents.remove(sender)
            self.fake.default_agents.insert(0, sender)
        self.fake.recorder.serve(AGENT_MANAGER, "RequestDefaultAgent", self.path, sender,
                                 [agent], action, reply, error)


class ObjectManagerRoot(dbus.service.Object):
    """/ : org.freedesktop.DBus.ObjectManager."""

    def __init__(self, fake):
        self.fake = fake
        super().__init__(fake.bluez_conn, "/")

    @dbus.service.method(OBJECT_MANAGER, in_signature="", out_signature="a{oa{sa{sv}}}",
                         sender_keyword="sender", async_callbacks=("reply", "error"))
    def GetManagedObjects(self, sender=None, reply=None, error=None):
        def action():
            result = dbus.Dictionary({}, signature="oa{sa{sv}}")
            for path, obj in self.fake.objects.items():
                result[dbus.ObjectPath(path)] = obj.managed_interfaces()
            return result
        # Recorded only when faulted: the tests call it all the time (object_exists).
        self.fake.recorder.serve(OBJECT_MANAGER, "GetManagedObjects", "/", sender, [], action,
                                 reply, error, record=False)


class Adapter(BluezObject):
    def __init__(self, fake, name, address, options):
        self.name = name
        self.options = options
        path = "/org/bluez/" + name
        interfaces = {
            ADAPTER: coerce_properties(ADAPTER, {
                "Address": address, "AddressType": "public", "Name": "BlueZ 5.66",
                "Alias": "BlueZ 5.66", "Class": 0x7c010c,
                "Powered": bool(options.get("powered", True)), "Discoverable": False,
                "DiscoverableTimeout": 180, "Pairable": True, "PairableTimeout": 0,
                "Discovering": False, "UUIDs": ["1800", "1801", "110e", "110c"],
                "Modalias": "usb:v1D6Bp0246d0542", "Roles": ["central", "peripheral"],
            }),
        }
        # AdminPolicyStatus1.ServiceAllowList survives restarts (bluez stores it).
        self.allowlist = options.get("allowlist", [])
        if options.get("admin_policy", False):
            interfaces[ADMIN_SET] = {}
            interfaces[ADMIN_STATUS] = {
                "ServiceAllowList": dbus.Array(self.allowlist, signature="s")}
        super().__init__(fake, path, interfaces)

    @dbus.service.method(ADAPTER, in_signature="o", out_signature="", sender_keyword="sender",
                         async_callbacks=("reply", "error"))
    def RemoveDevice(self, device, sender=None, reply=None, error=None):
        def action():
            target = self.fake.objects.get(str(device))
            if not isinstance(target, Device) or target.adapter is not self:
                raise bluez_error("DoesNotExist", "Does Not Exist")
            if not self.interfaces[ADAPTER]["Powered"]:
                raise bluez_error("NotReady", "Resource Not Ready")
            if target.state("Connected"):
                # bluez disconnects first, then removes, then replies.
                target.update(DEVICE, {"Connected": dbus.Boolean(False),
                                       "ServicesResolved": dbus.Boolean(False)})
            self.fake.remove_object(target.path)
        self.fake.recorder.serve(ADAPTER, "RemoveDevice", self.path, sender, [device], action,
                                 reply, error)

    @dbus.service.method(ADAPTER, in_signature="", out_signature="", sender_keyword="sender")
    def StartDiscovery(self, sender=None):
        self.fake.recorder.run(ADAPTER, "StartDiscovery", self.path, sender, [],
                               lambda: self.update(ADAPTER, {"Discovering": dbus.Boolean(True)}))

    @dbus.service.method(ADAPTER, in_signature="", out_signature="", sender_keyword="sender")
    def StopDiscovery(self, sender=None):
        self.fake.recorder.run(ADAPTER, "StopDiscovery", self.path, sender, [],
                               lambda: self.update(ADAPTER, {"Discovering": dbus.Boolean(False)}))

    @dbus.service.method(ADMIN_SET, in_signature="as", out_signature="", sender_keyword="sender",
                         async_callbacks=("reply", "error"))
    def SetServiceAllowList(self, uuids, sender=None, reply=None, error=None):
        def action():
            if ADMIN_SET not in self.interfaces:
                raise BluezError("org.freedesktop.DBus.Error.UnknownMethod",
                                 "No such interface on this adapter")
            canonical = [canonical_uuid(u) for u in uuids]
            for uuid in canonical:
                if not re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                                    r"[0-9a-f]{12}", uuid):
                    raise bluez_error("InvalidArguments", "Invalid arguments in method call")
            self.allowlist = canonical
            self.update(ADMIN_STATUS, {
                "ServiceAllowList": dbus.Array(canonical, signature="s")})
        self.fake.recorder.serve(ADMIN_SET, "SetServiceAllowList", self.path, sender, [uuids],
                                 action, reply, error)

    def on_set(self, interface, name, value):
        self.update(interface, {name: value})


class Device(BluezObject):
    def __init__(self, fake, adapter, address, props, raw=False):
        """`props` are coerced to bluez's types unless `raw` (already D-Bus typed, as stored
        across a restart, malformed values included)."""
        self.adapter = adapter
        path = device_path(adapter.path, address)
        base = coerce_properties(DEVICE, {
            "Address": address.upper(), "AddressType": "public",
            "Alias": address.upper().replace(":", "-"), "Paired": False, "Bonded": False,
            "Trusted": False, "Blocked": False, "LegacyPairing": False, "Connected": False,
            "UUIDs": [], "Adapter": adapter.path, "ServicesResolved": False,
        })
        given = dict(props) if raw else coerce_properties(DEVICE, props)
        if "Name" in given and "Alias" not in given:
            given["Alias"] = given["Name"]  # bluez: Alias falls back to Name
        base.update(given)
        super().__init__(fake, path, {DEVICE: base})

    def state(self, name):
        """A boolean property's value; a malformed (non-boolean) value counts as false."""
        value = self.interfaces[DEVICE].get(name)
        return isinstance(value, (bool, dbus.Boolean)) and bool(value)

    def _record(self, member, sender, action):
        self.fake.recorder.run(DEVICE, member, self.path, sender, [], action)

    def on_set(self, interface, name, value):
        super().on_set(interface, name, value)
        # bluez device_block(): every link to the device is dropped at once.
        if interface == DEVICE and name == "Blocked" and bool(value) and \
                self.state("Connected"):
            self.update(DEVICE, {"ServicesResolved": dbus.Boolean(False),
                                 "Connected": dbus.Boolean(False)})

    @dbus.service.method(DEVICE, in_signature="", out_signature="", sender_keyword="sender",
                         async_callbacks=("reply", "error"))
    def Disconnect(self, sender=None, reply=None, error=None):
        def action():
            if not self.state("Connected"):
                raise bluez_error("NotConnected", "Not Connected")
            self.update(DEVICE, {"ServicesResolved": dbus.Boolean(False),
                                 "Connected": dbus.Boolean(False)})
        self.fake.recorder.serve(DEVICE, "Disconnect", self.path, sender, [], action, reply,
                                 error)

    @dbus.service.method(DEVICE, in_signature="", out_signature="", sender_keyword="sender")
    def Connect(self, sender=None):
        def action():
            if self.state("Connected"):
                raise bluez_error("AlreadyConnected", "Already Connected")
            self.update(DEVICE, {"Connected": dbus.Boolean(True)})
        self._record("Connect", sender, action)

    @dbus.service.method(DEVICE, in_signature="", out_signature="", sender_keyword="sender")
    def Pair(self, sender=None):
        def action():
            if self.state("Paired"):
                raise bluez_error("AlreadyExists", "Already Exists")
            self.fake.bypass_pair(self)
        self._record("Pair", sender, action)

    @dbus.service.method(DEVICE, in_signature="", out_signature="", sender_keyword="sender")
    def CancelPairing(self, sender=None):
        def action():
            raise bluez_error("DoesNotExist", "Does Not Exist")
        self._record("CancelPairing", sender, action)


class Control(dbus.service.Object):
    """org.btfence.test.FakeBluez1: what the tests script."""

    def __init__(self, fake, conn):
        self.fake = fake
        super().__init__(conn, CONTROL_PATH)

    @dbus.service.signal(CONTROL_IFACE, signature="udssosss")
    def CallRecorded(self, seq, when, interface, member, path, sender, args_json, result):
        pass

    @dbus.service.signal(CONTROL_IFACE, signature="u")
    def FloodProgress(self, added):
        pass

    @dbus.service.signal(CONTROL_IFACE, signature="uu")
    def FloodFinished(self, added, removed):
        pass

    @dbus.service.method(CONTROL_IFACE, in_signature="ssa{sv}", out_signature="o")
    def AddAdapter(self, name, address, options):
        return self.fake.add_adapter(str(name), str(address), dict(options))

    @dbus.service.method(CONTROL_IFACE, in_signature="osa{sv}", out_signature="o")
    def AddDevice(self, adapter, address, props):
        return self.fake.add_device(str(adapter), str(address), dict(props))

    @dbus.service.method(CONTROL_IFACE, in_signature="osa{sv}", out_signature="o")
    def AddRawDevice(self, adapter, address, props):
        return self.fake.add_device(str(adapter), str(address),
                                    {str(k): v for k, v in props.items()}, raw=True)

    @dbus.service.method(CONTROL_IFACE, in_signature="osa{sv}", out_signature="o")
    def AddDeviceUnannounced(self, adapter, address, props):
        return self.fake.add_device(str(adapter), str(address), dict(props), announce=False)

    @dbus.service.method(CONTROL_IFACE, in_signature="oa{sv}", out_signature="")
    def SetDeviceProperties(self, path, props):
        device = self.fake.device(path)
        device.update(DEVICE, coerce_properties(DEVICE, props))

    @dbus.service.method(CONTROL_IFACE, in_signature="oa{sv}", out_signature="")
    def SetDevicePropertiesUnannounced(self, path, props):
        device = self.fake.device(path)
        device.update(DEVICE, coerce_properties(DEVICE, props), emit=False)

    @dbus.service.method(CONTROL_IFACE, in_signature="osa{sv}", out_signature="")
    def SetProperties(self, path, interface, props):
        obj = self.fake.object(path)
        if interface not in obj.interfaces:
            raise control_error("%s has no interface %s" % (path, interface))
        obj.update(str(interface), coerce_properties(str(interface), props))

    @dbus.service.method(CONTROL_IFACE, in_signature="oa{sv}", out_signature="")
    def SetRawDeviceProperties(self, path, props):
        device = self.fake.device(path)
        device.update(DEVICE, {str(k): v for k, v in props.items()})

    @dbus.service.method(CONTROL_IFACE, in_signature="o", out_signature="")
    def RemoveObject(self, path):
        self.fake.object(path)
        self.fake.remove_object(str(path))

    @dbus.service.method(CONTROL_IFACE, in_signature="osa{sv}", out_signature="")
    def AddInterface(self, path, interface, props):
        obj = self.fake.object(path)
        interface = str(interface)
        if interface in obj.interfaces:
            raise control_error("%s already has %s" % (path, interface))
        obj.interfaces[interface] = coerce_properties(interface, props)
        self.fake.emit("/", OBJECT_MANAGER, "InterfacesAdded", "oa{sa{sv}}",
                       [dbus.ObjectPath(path), dbus.Dictionary(
                           {interface: dbus.Dictionary(obj.interfaces[interface],
                                                       signature="sv")}, signature="sa{sv}")])

    @dbus.service.method(CONTROL_IFACE, in_signature="oas", out_signature="")
    def RemoveInterfaces(self, path, interfaces):
        obj = self.fake.object(path)
        names = [str(i) for i in interfaces]
        for name in names:
            if name in (DEVICE, ADAPTER):
                raise control_error("use RemoveObject to remove %s" % name)
            if name not in obj.interfaces:
                raise control_error("%s has no interface %s" % (path, name))
        for name in names:
            del obj.interfaces[name]
        self.fake.emit("/", OBJECT_MANAGER, "InterfacesRemoved", "oas",
                       [dbus.ObjectPath(path), dbus.Array(names, signature="s")])

    @dbus.service.method(CONTROL_IFACE, in_signature="sssua{sv}", out_signature="",
                         sender_keyword="sender")
    def InjectFault(self, member, path, kind, count, options, sender=None):
        self.fake.recorder.faults.add(str(member), str(path), str(kind), int(count),
                                      dict(options), sender)

    @dbus.service.method(CONTROL_IFACE, in_signature="", out_signature="")
    def ClearFaults(self):
        self.fake.recorder.faults.clear()

    @dbus.service.method(CONTROL_IFACE, in_signature="s", out_signature="u")
    def ReleaseHeld(self, member):
        return dbus.UInt32(self.fake.recorder.release_held(str(member)))

    @dbus.service.method(CONTROL_IFACE, in_signature="oss", out_signature="s",
                         async_callbacks=("reply", "error"))
    def SimulatePairing(self, path, method, arg, reply, error):
        try:
            self.fake.simulate_pairing(self.fake.device(path), str(method), str(arg), reply)
        except dbus.DBusException as failure:
            error(failure)

    @dbus.service.method(CONTROL_IFACE, in_signature="s", out_signature="",
                         async_callbacks=("reply", "error"))
    def PingPeer(self, name, reply, error):
        try:
            self.fake.ping_peer(str(name), reply, error)
        except dbus.DBusException as failure:
            error(failure)

    @dbus.service.method(CONTROL_IFACE, in_signature="osssav", out_signature="")
    def EmitRaw(self, path, interface, member, signature, args):
        self.fake.require_running()
        self.fake.emit(str(path), str(interface), str(member), str(signature), list(args))

    @dbus.service.method(CONTROL_IFACE, in_signature="ou", out_signature="")
    def EmitRssi(self, path, count):
        self.fake.emit_rssi(self.fake.device(path), int(count))

    @dbus.service.method(CONTROL_IFACE, in_signature="", out_signature="")
    def SyncBus(self):
        self.fake.sync_bus()

    @dbus.service.method(CONTROL_IFACE, in_signature="o", out_signature="")
    def BypassPair(self, path):
        self.fake.bypass_pair(self.fake.device(path))

    @dbus.service.method(CONTROL_IFACE, in_signature="uu", out_signature="")
    def Flood(self, count, window):
        self.fake.start_flood(int(count), max(1, int(window)))

    @dbus.service.method(CONTROL_IFACE, in_signature="b", out_signature="")
    def StopBluez(self, release_agents):
        self.fake.stop_bluez(bool(release_agents))

    @dbus.service.method(CONTROL_IFACE, in_signature="", out_signature="")
    def StartBluez(self):
        self.fake.start_bluez()

    @dbus.service.method(CONTROL_IFACE, in_signature="", out_signature="a(udssosss)")
    def GetCalls(self):
        return dbus.Array(self.fake.recorder.calls, signature="(udssosss)")

    @dbus.service.method(CONTROL_IFACE, in_signature="", out_signature="a(sssb)")
    def GetAgents(self):
        default = self.fake.default_agents[0] if self.fake.default_agents else None
        return dbus.Array([(owner, a["path"], a["capability"], owner == default)
                           for owner, a in self.fake.agents.items()], signature="(sssb)")


class FakeBluez:
    def __init__(self, address):
        self.address = address
        self.control_conn = dbus.bus.BusConnection(address)
        self.control = Control(self, self.control_conn)
        self.recorder = Recorder(self.control)
        self.recorder.fake = self
        self.bluez_conn = None
        self.objects = {}          # path -> BluezObject, in creation order
        self.adapter_specs = {}    # name -> (address, options) to recreate after a restart
        self.stored_bonds = {}     # device path -> (adapter name, address, props)
        self.agents = {}           # owner unique name -> {"path", "capability"}
        self.default_agents = []   # owners, newest default first (bluez's queue)
        self.flood = None
        # bluez forgets an agent whose owner leaves the bus (g_dbus_add_disconnect_watch).
        self.control_conn.add_signal_receiver(
            self._name_owner_changed, signal_name="NameOwnerChanged",
            dbus_interface="org.freedesktop.DBus", bus_name="org.freedesktop.DBus",
            path="/org/freedesktop/DBus")
        self.control_conn.request_name(CONTROL_NAME, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)

    # ---- bluetoothd lifecycle -------------------------------------------------------------

    def running(self):
        return self.bluez_conn is not None

    def require_running(self):
        if not self.running():
            raise control_error("bluetoothd is stopped (StartBluez first)")

    def start_bluez(self):
        if self.running():
            raise control_error("bluetoothd is already running")
        self.bluez_conn = dbus.bus.BusConnection(self.address)
        self.root = ObjectManagerRoot(self)
        self.objects = {}
        self.objects["/org/bluez"] = AgentManager(self)
        reply = self.bluez_conn.request_name(BLUEZ_NAME, dbus.bus.NAME_FLAG_DO_NOT_QUEUE)
        if reply != dbus.bus.REQUEST_NAME_REPLY_PRIMARY_OWNER:
            raise control_error("could not own org.bluez (reply %d)" % reply)
        # bluetoothd owns its name first and adds the controllers once mgmt has read them.
        GLib.idle_add(self._restore_adapters, dict(self.adapter_specs), dict(self.stored_bonds))

    def _restore_adapters(self, adapter_specs, stored_bonds):
        if not self.running():
            return False
        for name, (address, options) in adapter_specs.items():
            if "/org/bluez/" + name not in self.objects:
                self._create_adapter(name, address, options)
        for path, (adapter_name, address, props) in stored_bonds.items():
            adapter = self.objects.get("/org/bluez/" + adapter_name)
            if adapter is not None and path not in self.objects:
                self._create_device(adapter, address, props, raw=True)
        return False

    def stop_bluez(self, release_agents):
        self.require_running()
        self.stop_flood()
        if release_agents:
            for owner, agent in self.agents.items():
                msg = dbus.lowlevel.MethodCallMessage(owner, agent["path"], AGENT, "Release")
                msg.set_no_reply(True)
                self.bluez_conn.send_message(msg)
        self.agents.clear()
        self.default_agents.clear()
        for path, obj in self.objects.items():
            if isinstance(obj, Device) and (obj.state("Paired") or obj.state("Bonded")):
                props = {k: v for k, v in obj.interfaces[DEVICE].items()
                         if k not in VOLATILE_DEVICE_PROPERTIES and k not in ("Address",
                                                                               "Adapter")}
                self.stored_bonds[path] = (obj.adapter.name, str(
                    obj.interfaces[DEVICE]["Address"]), props)
            if isinstance(obj, Adapter):
                address, options = self.adapter_specs[obj.name]
                options = dict(options)
                options["allowlist"] = list(obj.allowlist)
                self.adapter_specs[obj.name] = (address, options)
        for obj in list(self.objects.values()) + [self.root]:
            obj.remove_from_connection()
        self.objects = {}
        self.bluez_conn.flush()
        self.bluez_conn.close()
        self.bluez_conn = None

    # ---- object tree ----------------------------------------------------------------------

    def emit(self, path, interface, member, signature, args):
        msg = dbus.lowlevel.SignalMessage(path, interface, member)
        msg.append(signature=signature, *args)
        self.bluez_conn.send_message(msg)

    def object(self, path):
        self.require_running()
        obj = self.objects.get(str(path))
        if obj is None:
            raise control_error("no object at " + str(path))
        return obj

    def device(self, path):
        obj = self.object(path)
        if not isinstance(obj, Device):
            raise control_error(str(path) + " is not a device")
        return obj

    def _announce(self, obj):
        self.objects[obj.path] = obj
        self.emit("/", OBJECT_MANAGER, "InterfacesAdded", "oa{sa{sv}}",
                  [dbus.ObjectPath(obj.path), obj.managed_interfaces()])

    def _create_adapter(self, name, address, options):
        adapter = Adapter(self, name, address, options)
        self._announce(adapter)
        return adapter

    def _create_device(self, adapter, address, props, raw=False, announce=True):
        device = Device(self, adapter, address, props, raw)
        if announce:
            self._announce(device)
        else:
            self.objects[device.path] = device
        return device

    def add_adapter(self, name, address, options):
        self.require_running()
        if not re.fullmatch(r"hci[0-9]+", name):
            raise control_error("adapter names look like hci0")
        if "/org/bluez/" + name in self.objects:
            raise control_error("adapter exists: " + name)
        self.adapter_specs[name] = (address, options)
        return dbus.ObjectPath(self._create_adapter(name, address, options).path)

    def add_device(self, adapter_path, address, props, raw=False, announce=True):
        adapter = self.object(adapter_path)
        if not isinstance(adapter, Adapter):
            raise control_error(adapter_path + " is not an adapter")
        path = device_path(adapter.path, address)
        if path in self.objects:
            raise control_error("device exists: " + path)
        return dbus.ObjectPath(self._create_device(adapter, address, props, raw, announce).path)

    def remove_object(self, path):
        obj = self.objects.pop(path)
        if isinstance(obj, Adapter):
            for child in [p for p in self.objects if p.startswith(path + "/")]:
                self.remove_object(child)
            self.adapter_specs.pop(obj.name, None)
        self.stored_bonds.pop(path, None)
        names = dbus.Array(list(obj.managed_interfaces().keys()), signature="s")
        obj.remove_from_connection()
        self.emit("/", OBJECT_MANAGER, "InterfacesRemoved", "oas",
                  [dbus.ObjectPath(path), names])

    # ---- pairing --------------------------------------------------------------------------

    def forget_agent(self, owner):
        self.agents.pop(owner, None)
        if owner in self.default_agents:
            self.default_agents.remove(owner)

    def _name_owner_changed(self, name, old_owner, new_owner):
        if not new_owner and name == old_owner and old_owner in self.agents:
            self.forget_agent(old_owner)

    def bypass_pair(self, device):
        device.update(DEVICE, {"Connected": dbus.Boolean(True)})
        device.update(DEVICE, {"Paired": dbus.Boolean(True), "Bonded": dbus.Boolean(True)})

    def simulate_pairing(self, device, method, arg, reply):
        calls = {
            "justworks": ("RequestAuthorization", "o", lambda p: [p], True),
            "numeric": ("RequestConfirmation", "ou",
                        lambda p: [p, dbus.UInt32(int(arg or "0"))], True),
            "passkey": ("RequestPasskey", "o", lambda p: [p], True),
            "pincode": ("RequestPinCode", "o", lambda p: [p], True),
            "display": ("DisplayPasskey", "ouq",
                        lambda p: [p, dbus.UInt32(int(arg or "0")), dbus.UInt16(0)], True),
            "authorize-service": ("AuthorizeService", "os",
                                  lambda p: [p, canonical_uuid(arg)], False),
            "cancel": ("Cancel", "", lambda p: [], False),
        }
        if method not in calls:
            raise control_error("unknown pairing method " + method)
        member, signature, make_args, pairs = calls[method]
        if not self.default_agents:
            reply(CONTROL_ERROR + ".NoAgent")
            return
        owner = self.default_agents[0]
        agent_path = self.agents[owner]["path"]
        path = device.path

        def on_reply(*_answer):
            current = self.objects.get(path)
            if pairs and isinstance(current, Device):
                current.update(DEVICE, {"Paired": dbus.Boolean(True),
                                        "Bonded": dbus.Boolean(True)})
            reply("accepted")

        def on_error(error):
            reply(error.get_dbus_name() or "unknown-error")

        self.bluez_conn.call_async(owner, agent_path, AGENT, member, signature,
                                   make_args(dbus.ObjectPath(path)), on_reply, on_error,
                                   timeout=AGENT_CALL_TIMEOUT_S)

    # ---- ordering ----------------------------------------------------------------------------

    def ping_peer(self, name, reply, error):
        """org.freedesktop.DBus.Peer.Ping to `name`, from org.bluez's connection: the answer
        comes after `name` handled every signal and call this connection sent it before (the
        bus keeps one sender's messages to one receiver in order), and after every call it
        made on that connection before reached this one."""
        self.require_running()
        self.bluez_conn.call_async(name, "/", "org.freedesktop.DBus.Peer", "Ping", "", [],
                                   lambda *_answer: reply(), error,
                                   timeout=AGENT_CALL_TIMEOUT_S)

    def emit_rssi(self, device, count):
        """`count` PropertiesChanged(Device1, {RSSI}) for one device, at once: a backlog."""
        for i in range(count):
            self.emit(device.path, PROPERTIES, "PropertiesChanged", "sa{sv}as",
                      [DEVICE, dbus.Dictionary({"RSSI": dbus.Int16(-40 - i % 50)},
                                               signature="sv"),
                       dbus.Array([], signature="s")])

    def sync_bus(self):
        """Returns once dbus-daemon has routed every message org.bluez's connection sent before
        (it handles one connection's messages in order, its own replies included)."""
        self.require_running()
        self.bluez_conn.call_blocking("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                      "org.freedesktop.DBus", "GetId", "", [])

    # ---- the crowded room -----------------------------------------------------------------

    def start_flood(self, count, window):
        self.require_running()
        if self.flood is not None:
            raise control_error("a flood is already running")
        adapter = next((o for o in self.objects.values() if isinstance(o, Adapter)), None)
        if adapter is None:
            raise control_error("a flood needs an adapter")
        self.flood = {"adapter": adapter, "count": count, "window": window, "next": 0,
                      "alive": [], "removed": 0}
        # Default priority, like incoming D-Bus messages, so calls and batches take turns.
        self.flood["source"] = GLib.idle_add(self._flood_batch, priority=GLib.PRIORITY_DEFAULT)

    def _flood_device_props(self, index):
        kind = index % 3
        props = {"RSSI": -40 - index % 50, "Name": "crowd-%d" % index}
        if kind == 0:
            props["UUIDs"] = ["1812"]
        elif kind == 1:
            props["UUIDs"] = ["fffd"]
        else:
            props["ServiceData"] = {"fff9": bytes(range(20))}
        return props

    def _flood_batch(self):
        flood = self.flood
        if flood is None:
            return False
        for _ in range(100):  # one batch; the main loop serves calls between batches
            if flood["next"] < flood["count"]:
                index = flood["next"]
                flood["next"] += 1
                address = "F0:0D:%02X:%02X:%02X:%02X" % ((index >> 24) & 0xFF,
                                                          (index >> 16) & 0xFF,
                                                          (index >> 8) & 0xFF, index & 0xFF)
                device = self._create_device(flood["adapter"], address,
                                             self._flood_device_props(index))
                device.update(DEVICE, {"RSSI": dbus.Int16(-30 - index % 40)})
                flood["alive"].append(device.path)
                if flood["next"] % 1000 == 0:
                    self.control.FloodProgress(dbus.UInt32(flood["next"]))
                if len(flood["alive"]) <= flood["window"]:
                    continue
            if not flood["alive"]:
                break
            path = flood["alive"].pop(0)
            if path in self.objects:
                self.remove_object(path)
            flood["removed"] += 1
        if flood["next"] >= flood["count"] and not flood["alive"]:
            self.flood = None
            self.control.FloodFinished(dbus.UInt32(flood["next"]),
                                       dbus.UInt32(flood["removed"]))
            return False
        return True

    def stop_flood(self):
        if self.flood is not None:
            GLib.source_remove(self.flood["source"])
            self.flood = None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bus", default=os.environ.get("DBUS_SYSTEM_BUS_ADDRESS"))
    parser.add_argument("--stopped", action="store_true")
    options = parser.parse_args()
    if not options.bus:
        sys.exit("fake_bluez.py: no bus address (--bus or DBUS_SYSTEM_BUS_ADDRESS)")
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    fake = FakeBluez(options.bus)
    if not options.stopped:
        fake.start_bluez()
    loop = GLib.MainLoop()
    # The bus going away (test over) ends the fake.
    fake.control_conn.call_on_disconnection(lambda _conn: loop.quit())
    loop.run()


if __name__ == "__main__":
    main()
