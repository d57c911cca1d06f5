#!/usr/bin/python3
"""One call on btfenced's control API, as whoever runs this (tests run it under setpriv).

    control_call.py ADDRESS METHOD SIGNATURE [JSON-ARGS]

Prints one JSON object: {"caller": <this connection's unique name>, "result": <the reply>} or
{"caller": ..., "error": <D-Bus error name>, "message": <its text>}. Exit status 0 either way.
"""
import json
import sys

import dbus


def plain(value):
    """dbus-python values -> JSON-able Python values."""
    if isinstance(value, (dbus.Dictionary, dict)):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (dbus.Array, list, tuple, dbus.Struct)):
        return [plain(v) for v in value]
    if isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, (dbus.String, dbus.ObjectPath)):
        return str(value)
    if isinstance(value, (int, dbus.Byte)):
        return int(value)
    return value


def main():
    address, method, signature = sys.argv[1:4]
    args = json.loads(sys.argv[4]) if len(sys.argv) > 4 else []
    bus = dbus.bus.BusConnection(address)
    out = {"caller": str(bus.get_unique_name())}
    try:
        out["result"] = plain(bus.call_blocking("org.btfence1", "/org/btfence1",
                                                "org.btfence1.Manager1", method, signature,
                                                args, timeout=30))
    except dbus.exceptions.DBusException as error:
        out["error"] = error.get_dbus_name()
        out["message"] = error.get_dbus_message()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
