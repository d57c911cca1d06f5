"""The FIDO GATT service (CTAP 2.2 §11.4.1) as D-Bus objects speaking org.bluez.GattService1
and org.bluez.GattCharacteristic1, backed by a ctap_authenticator.Authenticator.

The same objects serve two purposes, because BlueZ's GATT API is the same on both sides:
- virtual_authenticator.py registers them with GattManager1.RegisterApplication: bluetoothd
  calls ReadValue/WriteValue/StartNotify when the remote client does, and turns each
  PropertiesChanged(Value) on fidoStatus into a notification;
- fake_bluez_gatt.py exports them under a device object of a fake org.bluez: there the probe
  itself calls ReadValue/WriteValue/StartNotify and receives PropertiesChanged(Value), as it
  would from bluetoothd's client-side objects.

Python: Debian's /usr/bin/python3 with python3-dbus and python3-gi.
"""

import json
import sys

import dbus
import dbus.service
from gi.repository import GLib

import ctap_authenticator as ctap

GATT_SERVICE = "org.bluez.GattService1"
GATT_CHARACTERISTIC = "org.bluez.GattCharacteristic1"
PROPERTIES = "org.freedesktop.DBus.Properties"


def emit(**event):
    """One JSON line per event on stdout, flushed: what tests wait for."""
    print(json.dumps(event, sort_keys=True), flush=True)


class Failed(dbus.DBusException):
    _dbus_error_name = "org.bluez.Error.Failed"


class NotPermitted(dbus.DBusException):
    _dbus_error_name = "org.bluez.Error.NotPermitted"


class GattObject(dbus.service.Object):
    """An object with one interface whose properties GetAll and GetManagedObjects report."""

    def __init__(self, bus, path, interface, properties):
        super().__init__(bus, path)
        self.path = path
        self.interface = interface
        self.properties = properties

    def managed(self):
        return {self.interface: self.properties}

    @dbus.service.method(PROPERTIES, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        if interface != self.interface:
            raise dbus.exceptions.DBusException("no such interface",
                                                name="org.freedesktop.DBus.Error.InvalidArgs")
        return self.properties

    @dbus.service.method(PROPERTIES, in_signature="ss", out_signature="v")
    def Get(self, interface, name):
        return self.GetAll(interface)[name]

    @dbus.service.signal(PROPERTIES, signature="sa{sv}as")
    def PropertiesChanged(self, interface, changed, invalidated):
        pass


class Characteristic(GattObject):
    def __init__(self, bus, path, service_path, uuid, flags, read=None, write=None,
                 with_value=False):
        properties = {
            "UUID": dbus.String(uuid),
            "Service": dbus.ObjectPath(service_path),
            "Flags": dbus.Array(flags, signature="s"),
        }
        if with_value:  # bluetoothd's client-side objects carry Value and Notifying
            properties["Value"] = dbus.Array([], signature="y")
            properties["Notifying"] = dbus.Boolean(False)
        super().__init__(bus, path, GATT_CHARACTERISTIC, properties)
        self.read = read
        self.write = write
        self.notifying = False
        self.with_value = with_value

    @dbus.service.method(GATT_CHARACTERISTIC, in_signature="a{sv}", out_signature="ay")
    def ReadValue(self, options):
        if self.read is None:
            raise NotPermitted("Read not permitted")
        return dbus.Array(self.read(), signature="y")

    @dbus.service.method(GATT_CHARACTERISTIC, in_signature="aya{sv}", out_signature="")
    def WriteValue(self, value, options):
        if self.write is None:
            raise NotPermitted("Write not permitted")
        self.write(bytes(value), {str(k): str(v) for k, v in options.items()})

    @dbus.service.method(GATT_CHARACTERISTIC, in_signature="", out_signature="")
    def StartNotify(self):
        self.notifying = True
        emit(event="notify-started", characteristic=self.path)
        if self.with_value:
            self.PropertiesChanged(GATT_CHARACTERISTIC, {"Notifying": dbus.Boolean(True)}, [])

    @dbus.service.method(GATT_CHARACTERISTIC, in_signature="", out_signature="")
    def StopNotify(self):
        self.notifying = False
        emit(event="notify-stopped", characteristic=self.path)

    def notify(self, value):
        if not self.notifying:
            emit(event="notification-dropped", reason="not subscribed", value=value.hex())
            return
        if self.with_value:
            self.properties["Value"] = dbus.Array(value, signature="y")
        self.PropertiesChanged(GATT_CHARACTERISTIC,
                               {"Value": dbus.Array(value, signature="y")}, [])


class FidoService:
    """The service object and its four characteristics under base_path.

    client_side=True adds what bluetoothd's client objects have (Device on the service, Value
    and Notifying on characteristics); with_revision=False leaves fidoServiceRevisionBitfield
    out (a U2F 1.0 device); security_flags adds the encrypt-* flags real keys use.
    """

    def __init__(self, bus, base_path, authenticator, client_side=False, device_path=None,
                 with_revision=True, security_flags=True):
        self.authenticator = authenticator
        self.reported = 0
        service_path = base_path + "/service0010"
        service_properties = {"UUID": dbus.String(ctap.FIDO_SERVICE),
                              "Primary": dbus.Boolean(True)}
        if client_side:
            service_properties["Device"] = dbus.ObjectPath(device_path)
        self.service = GattObject(bus, service_path, GATT_SERVICE, service_properties)

        def flags(*names):
            out = list(names)
            if security_flags:
                out += ["encrypt-" + name for name in names if name in ("read", "write")]
            return out

        self.control_point = Characteristic(
            bus, service_path + "/char0011", service_path, ctap.FIDO_CONTROL_POINT,
            flags("write"), write=self._write_control_point, with_value=client_side)
        self.status = Characteristic(
            bus, service_path + "/char0013", service_path, ctap.FIDO_STATUS, ["notify"],
            with_value=client_side)
        self.control_point_length = Characteristic(
            bus, service_path + "/char0016", service_path, ctap.FIDO_CONTROL_POINT_LENGTH,
            flags("read"), read=authenticator.control_point_length_value,
            with_value=client_side)
        self.objects = [self.service, self.control_point, self.status, self.control_point_length]
        if with_revision:
            self.revision = Characteristic(
                bus, service_path + "/char0018", service_path,
                ctap.FIDO_SERVICE_REVISION_BITFIELD, flags("read", "write"),
                read=authenticator.revision_value, write=self._write_revision,
                with_value=client_side)
            self.objects.append(self.revision)

    def managed_objects(self):
        return {dbus.ObjectPath(o.path): o.managed() for o in self.objects}

    def _write_revision(self, value, options):
        if not self.authenticator.write_revision(value):
            self._report_events()
            raise Failed("revision not supported")
        self._report_events()

    def _write_control_point(self, value, options):
        emit(event="control-point-write", value=value.hex(), type=options.get("type", ""))
        notifications = self.authenticator.write_control_point(value)
        self._report_events()
        # After the WriteValue reply, in order, as a device notifies after the write response.
        if notifications:
            GLib.idle_add(self._send, notifications)

    def _send(self, notifications):
        for notification in notifications:
            emit(event="notification", value=notification.hex())
            self.status.notify(notification)
        return False

    def _report_events(self):
        while self.reported < len(self.authenticator.events):
            emit(**self.authenticator.events[self.reported])
            self.reported += 1


def print_error(message):
    print(message, file=sys.stderr, flush=True)
