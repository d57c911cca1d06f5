#!/usr/bin/python3
"""A local attacker on the system bus: a second, unprivileged connection that forges what
bluetoothd and the bus driver say, and calls btfenced's agent as if it were bluetoothd.

Run by the tests as user nobody (setpriv), so the bus's policy for non-root users applies:

  forger.py ADDRESS ACTION_JSON...

Each ACTION_JSON is one object:
  {"signal": "NameOwnerChanged", "name": N, "old": O, "new": W, "to": [UNIQUE...]}
      org.freedesktop.DBus.NameOwnerChanged from /org/freedesktop/DBus, as the bus driver
      sends it. "new" may be "@self": the forger's own unique name.
  {"signal": "InterfacesAdded", "path": P, "interface": I, "properties": {...}, "to": [...]}
  {"signal": "InterfacesRemoved", "path": P, "interfaces": [...], "to": [...]}
  {"signal": "PropertiesChanged", "path": P, "interface": I, "properties": {...}, "to": [...]}
      properties are given as plain JSON and typed as bluez types them (fake_bluez.coerce),
      except under "raw_bytes": {"Value": "hex"} (a GATT characteristic's Value, "ay").
  {"call": "Release" | "Cancel" | "RequestAuthorization" | ..., "to": UNIQUE,
   "path": "/org/btfence/agent", "args": [...]}
      an org.bluez.Agent1 method call; its reply or error name is printed.

Every signal is sent twice: broadcast (reaching whoever subscribed with a match rule), and
addressed to each unique name in "to" (which no match rule on the bus filters). Prints one
JSON line per action: {"action": i, "result": "sent" | "ok" | ERROR-NAME}, then
{"done": true, "unique_name": ...} once the bus has routed everything it sent (a round trip to
the bus driver after the last message: one connection's messages are handled in order).
"""

import json
import os
import sys

import dbus
import dbus.lowlevel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_bluez import coerce_properties, byte_array  # noqa: E402


def typed(interface, properties, raw_bytes=None):
    out = dbus.Dictionary(coerce_properties(interface, properties) if properties else {},
                          signature="sv")
    for name, hex_value in (raw_bytes or {}).items():
        out[name] = byte_array(hex_value)
    return out


def send_signal(conn, path, interface, member, signature, args, targets):
    for destination in [None] + list(targets):
        message = dbus.lowlevel.SignalMessage(path, interface, member)
        if destination is not None:
            message.set_destination(destination)
        message.append(*args, signature=signature)
        conn.send_message(message)


def main():
    address = sys.argv[1]
    conn = dbus.bus.BusConnection(address)
    me = conn.get_unique_name()
    for index, text in enumerate(sys.argv[2:]):
        action = json.loads(text)
        targets = action.get("to", [])
        result = "sent"
        if action.get("signal") == "NameOwnerChanged":
            new = me if action["new"] == "@self" else action["new"]
            send_signal(conn, "/org/freedesktop/DBus", "org.freedesktop.DBus",
                        "NameOwnerChanged", "sss", [action["name"], action["old"], new], targets)
        elif action.get("signal") == "InterfacesAdded":
            interfaces = dbus.Dictionary(
                {action["interface"]: typed(action["interface"], action["properties"])},
                signature="sa{sv}")
            send_signal(conn, "/", "org.freedesktop.DBus.ObjectManager", "InterfacesAdded",
                        "oa{sa{sv}}", [dbus.ObjectPath(action["path"]), interfaces], targets)
        elif action.get("signal") == "InterfacesRemoved":
            send_signal(conn, "/", "org.freedesktop.DBus.ObjectManager", "InterfacesRemoved",
                        "oas", [dbus.ObjectPath(action["path"]),
                                dbus.Array(action["interfaces"], signature="s")], targets)
        elif action.get("signal") == "PropertiesChanged":
            changed = typed(action["interface"], action.get("properties"),
                            action.get("raw_bytes"))
            send_signal(conn, action["path"], "org.freedesktop.DBus.Properties",
                        "PropertiesChanged", "sa{sv}as",
                        [action["interface"], changed, dbus.Array([], signature="s")], targets)
        elif "call" in action:
            proxy = conn.get_object(action["to"], action.get("path", "/org/btfence/agent"),
                                    introspect=False)
            args = [dbus.ObjectPath(a) if str(a).startswith("/") else a
                    for a in action.get("args", [])]
            try:
                getattr(proxy, action["call"])(*args, dbus_interface="org.bluez.Agent1",
                                                timeout=20)
                result = "ok"
            except dbus.DBusException as error:
                result = error.get_dbus_name()
        else:
            raise SystemExit("unknown action: " + text)
        print(json.dumps({"action": index, "result": result}), flush=True)
    conn.call_blocking("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                       "GetId", "", [])
    print(json.dumps({"done": True, "unique_name": me}), flush=True)


if __name__ == "__main__":
    main()
