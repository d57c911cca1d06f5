#!/usr/bin/python3
"""Makes one method call on a bus and prints the outcome as one word.

    dbus_call.py ADDRESS DESTINATION PATH INTERFACE MEMBER SIGNATURE [JSON-ARGS]

INTERFACE "-" sends the call without an interface field. Prints "OK" for a method return,
or the D-Bus error name (e.g. org.freedesktop.DBus.Error.AccessDenied). Run under setpriv so
that dbus-daemon sees the caller's uid and groups; dbus-send cannot omit the interface field.
"""
import json
import sys

import dbus


def main():
    address, destination, path, interface, member, signature = sys.argv[1:7]
    args = json.loads(sys.argv[7]) if len(sys.argv) > 7 else []
    bus = dbus.bus.BusConnection(address)
    try:
        bus.call_blocking(destination, path, None if interface == "-" else interface, member,
                          signature, args, timeout=10)
    except dbus.exceptions.DBusException as error:
        print(error.get_dbus_name())
        return 0
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
