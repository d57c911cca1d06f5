#!/usr/bin/python3
"""A fake org.bluez with one connected, bonded device serving the FIDO GATT service, for
testing btfence-probe on a private bus without Bluetooth.

It exports what bluetoothd 5.66 exports for a remote LE device once its services are
resolved: ObjectManager at "/", Adapter1 at /org/bluez/hci0, Device1 at
/org/bluez/hci0/dev_00_AA_01_00_00_00, and under it GattService1 + GattCharacteristic1 objects
(client side: Value, Notifying, Device/Service links), whose WriteValue/StartNotify go to a
ctap_authenticator.Authenticator; notifications arrive as PropertiesChanged(Value) on fidoStatus.

Prints JSON lines on stdout: {"event": "ready", ...} once it owns org.bluez, then one line per
GATT call and authenticator event (see fido_gatt_objects.py).

  fake_bluez_gatt.py [--mode ctap2-rk|ctap2-no-rk|u2f-only|garbage|silent] [--aaguid UUID]
      [--control-point-length N] [--revision 0x20] [--keepalives N] [--u2f-answer error|versions]
      [--garbage-kind KIND] [--no-revision] [--no-fido-service] [--resolve-after-ms MS]
      [--not-connected] [--disconnect-on-request]
"""

import argparse
import os
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ctap_authenticator as ctap  # noqa: E402
from fido_gatt_objects import GattObject, FidoService, emit  # noqa: E402

ADAPTER = "/org/bluez/hci0"
DEVICE = ADAPTER + "/dev_00_AA_01_00_00_00"
OBJECT_MANAGER = "org.freedesktop.DBus.ObjectManager"
HID_SERVICE = "00001812-0000-1000-8000-00805f9b34fb"


class Root(dbus.service.Object):
    def __init__(self, bus):
        super().__init__(bus, "/")
        self.objects = {}

    @dbus.service.method(OBJECT_MANAGER, out_signature="a{oa{sa{sv}}}")
    def GetManagedObjects(self):
        return {path: obj.managed() for path, obj in self.objects.items()}

    @dbus.service.signal(OBJECT_MANAGER, signature="oa{sa{sv}}")
    def InterfacesAdded(self, path, interfaces):
        pass

    def add(self, obj):
        self.objects[dbus.ObjectPath(obj.path)] = obj
        self.InterfacesAdded(dbus.ObjectPath(obj.path), obj.managed())


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=ctap.MODES, default="ctap2-rk")
    parser.add_argument("--aaguid", default=ctap.DEFAULT_AAGUID)
    parser.add_argument("--control-point-length", type=int, default=20)
    parser.add_argument("--revision", type=lambda text: int(text, 0), default=ctap.REVISION_FIDO2)
    parser.add_argument("--keepalives", type=int, default=0)
    parser.add_argument("--u2f-answer", choices=ctap.U2F_ANSWERS, default="error")
    parser.add_argument("--garbage-kind", choices=ctap.GARBAGE_KINDS, default="bad-sequence")
    parser.add_argument("--no-revision", action="store_true",
                        help="no fidoServiceRevisionBitfield (a U2F 1.0 device)")
    parser.add_argument("--no-fido-service", action="store_true",
                        help="serve only a HID service")
    parser.add_argument("--resolve-after-ms", type=int, default=0,
                        help="export the GATT objects and set ServicesResolved only after this")
    parser.add_argument("--not-connected", action="store_true",
                        help="a bonded device that is not connected now")
    parser.add_argument("--disconnect-on-request", action="store_true",
                        help="drop the connection when the control point is written")
    args = parser.parse_args()

    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    root = Root(bus)
    authenticator = ctap.Authenticator(
        mode=args.mode, aaguid=args.aaguid, control_point_length=args.control_point_length,
        revision=args.revision, keepalives=args.keepalives, u2f_answer=args.u2f_answer,
        garbage_kind=args.garbage_kind)

    adapter = GattObject(bus, ADAPTER, "org.bluez.Adapter1",
                         {"Address": dbus.String("00:AA:01:01:00:01"),
                          "Powered": dbus.Boolean(True)})
    device_properties = {
        "Address": dbus.String("00:AA:01:00:00:00"),
        "AddressType": dbus.String("public"),
        "Name": dbus.String("FIDO-Key"),
        "Adapter": dbus.ObjectPath(ADAPTER),
        "Paired": dbus.Boolean(True),
        "Bonded": dbus.Boolean(True),
        "Connected": dbus.Boolean(not args.not_connected),
        "ServicesResolved": dbus.Boolean(args.resolve_after_ms == 0),
        "UUIDs": dbus.Array([HID_SERVICE if args.no_fido_service else ctap.FIDO_SERVICE],
                            signature="s"),
    }
    device = GattObject(bus, DEVICE, "org.bluez.Device1", device_properties)
    root.objects[dbus.ObjectPath(ADAPTER)] = adapter
    root.objects[dbus.ObjectPath(DEVICE)] = device

    gatt_objects = []
    if args.no_fido_service:
        gatt_objects.append(GattObject(bus, DEVICE + "/service0020", "org.bluez.GattService1",
                                       {"UUID": dbus.String(HID_SERVICE),
                                        "Primary": dbus.Boolean(True),
                                        "Device": dbus.ObjectPath(DEVICE)}))
    else:
        service = FidoService(bus, DEVICE, authenticator, client_side=True, device_path=DEVICE,
                              with_revision=not args.no_revision, security_flags=False)
        gatt_objects += service.objects
        if args.disconnect_on_request:
            def disconnect(value, options):
                emit(event="control-point-write", value=value.hex(), type=options.get("type", ""))
                GLib.idle_add(drop_connection)

            def drop_connection():
                device.properties["Connected"] = dbus.Boolean(False)
                device.properties["ServicesResolved"] = dbus.Boolean(False)
                device.PropertiesChanged("org.bluez.Device1",
                                         {"ServicesResolved": dbus.Boolean(False),
                                          "Connected": dbus.Boolean(False)}, [])
                emit(event="disconnected")
                return False
            service.control_point.write = disconnect

    def resolve():
        for obj in gatt_objects:
            root.add(obj)
        device.properties["ServicesResolved"] = dbus.Boolean(True)
        device.PropertiesChanged("org.bluez.Device1", {"ServicesResolved": dbus.Boolean(True)}, [])
        emit(event="services-resolved")
        return False

    if args.resolve_after_ms:
        GLib.timeout_add(args.resolve_after_ms, resolve)
    else:
        for obj in gatt_objects:
            root.objects[dbus.ObjectPath(obj.path)] = obj

    name = dbus.service.BusName("org.bluez", bus, do_not_queue=True)  # noqa: F841 (kept alive)
    emit(event="ready", device=DEVICE, mode=args.mode)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
