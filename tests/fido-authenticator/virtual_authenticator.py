#!/usr/bin/python3
"""A virtual FIDO BLE authenticator on a real BlueZ adapter (the peer controller in the VM).

Registers, on --adapter, a GATT application (org.bluez.GattManager1.RegisterApplication) with
the FIDO service 0xFFFD and its four characteristics (CTAP 2.2 §11.4.1), and an
LEAdvertisement1 advertising 0xFFFD. bluetoothd relays the remote client's reads, writes and
notification subscription to it; what it answers is ctap_authenticator.Authenticator in the
chosen mode:

  --mode ctap2-rk     versions [FIDO_2_0, FIDO_2_1], AAGUID --aaguid, options {rk: true, up: true}
  --mode ctap2-no-rk  the same with rk: false
  --mode u2f-only     answers CTAP2 with an ERROR frame (--u2f-answer error) or getInfo with
                      versions [U2F_V2] (--u2f-answer versions)
  --mode garbage      malformed frames (--garbage-kind, see ctap_authenticator.GARBAGE_KINDS)
  --mode silent       never answers

fidoServiceRevisionBitfield offers --revision (default 0x20, FIDO2): every mode claims FIDO2
there, so that a client gets as far as getInfo; --revision 0xc0 plays an honest U2F-only key.
The characteristics carry encrypt-read/encrypt-write flags like real keys (CTAP requires a
bonded link) unless --open-security.

--accept-pairing also registers a NoInputNoOutput Agent1 as the default agent that accepts
every request, for runs without btfenced (bluetoothd asks the default agent on the responder
side; with btfenced running, btfenced is that agent).

Every event is one JSON line on stdout: {"event": "registered"}, {"event": "advertising"},
then each GATT call and authenticator event (fido_gatt_objects.py). SIGUSR1 re-registers the
advertisement (btvirt sends an advertising report only when advertising or scanning starts:
start discovery on the other adapter first, then send SIGUSR1). SIGTERM unregisters and exits 0.

Python: Debian's /usr/bin/python3 with python3-dbus and python3-gi.
"""

import argparse
import os
import signal
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ctap_authenticator as ctap  # noqa: E402
from fido_gatt_objects import FidoService, emit  # noqa: E402

BLUEZ = "org.bluez"
PROPERTIES = "org.freedesktop.DBus.Properties"
OBJECT_MANAGER = "org.freedesktop.DBus.ObjectManager"


class Application(dbus.service.Object):
    """The ObjectManager bluetoothd reads the GATT application's objects from."""

    def __init__(self, bus, path, service):
        super().__init__(bus, path)
        self.path = path
        self.service = service

    @dbus.service.method(OBJECT_MANAGER, out_signature="a{oa{sa{sv}}}")
    def GetManagedObjects(self):
        return self.service.managed_objects()


class Advertisement(dbus.service.Object):
    def __init__(self, bus, path, name):
        super().__init__(bus, path)
        self.path = path
        self.properties = {
            "Type": dbus.String("peripheral"),
            "ServiceUUIDs": dbus.Array(["fffd"], signature="s"),
            "LocalName": dbus.String(name),
            "Discoverable": dbus.Boolean(True),
        }

    @dbus.service.method(PROPERTIES, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        return self.properties if interface == "org.bluez.LEAdvertisement1" else {}

    @dbus.service.method("org.bluez.LEAdvertisement1")
    def Release(self):
        emit(event="advertisement-released")


class AcceptingAgent(dbus.service.Object):
    """Accepts everything bluetoothd asks; logs each call."""

    def _log(self, method, device="", **extra):
        emit(event="agent", method=method, device=str(device), **extra)

    @dbus.service.method("org.bluez.Agent1", in_signature="o")
    def RequestAuthorization(self, device):
        self._log("RequestAuthorization", device)

    @dbus.service.method("org.bluez.Agent1", in_signature="ou")
    def RequestConfirmation(self, device, passkey):
        self._log("RequestConfirmation", device, passkey=int(passkey))

    @dbus.service.method("org.bluez.Agent1", in_signature="os")
    def AuthorizeService(self, device, uuid):
        self._log("AuthorizeService", device, uuid=str(uuid))

    @dbus.service.method("org.bluez.Agent1", in_signature="ouq")
    def DisplayPasskey(self, device, passkey, entered):
        self._log("DisplayPasskey", device, passkey=int(passkey))

    @dbus.service.method("org.bluez.Agent1", in_signature="")
    def Cancel(self):
        self._log("Cancel")

    @dbus.service.method("org.bluez.Agent1", in_signature="")
    def Release(self):
        self._log("Release")


class VirtualAuthenticator:
    """serve() registers the GATT application, advertise() the advertisement (again if it
    is registered already), stop() unregisters both. Usable from other test code.

    bluetoothd calls back into this process (GetManagedObjects, GetAll) before it answers
    RegisterApplication/RegisterAdvertisement, so those calls are made asynchronously; done
    is called with None or the D-Bus error once bluetoothd answered."""

    def __init__(self, bus, adapter, authenticator, name="btfence-virtual-key",
                 security_flags=True, with_revision=True):
        self.bus = bus
        self.adapter_path = adapter if adapter.startswith("/") else "/org/bluez/" + adapter
        base = "/org/btfence/test/authenticator%d" % os.getpid()
        self.service = FidoService(bus, base, authenticator, security_flags=security_flags,
                                   with_revision=with_revision)
        self.application = Application(bus, base, self.service)
        self.advertisement = Advertisement(bus, base + "/advertisement", name)
        self.name = name
        self.serving = False
        self.advertising = False

    def _manager(self, interface):
        return dbus.Interface(self.bus.get_object(BLUEZ, self.adapter_path), interface)

    def serve(self, done):
        def registered():
            self.serving = True
            emit(event="registered", adapter=self.adapter_path, service=ctap.FIDO_SERVICE)
            done(None)
        self._manager("org.bluez.GattManager1").RegisterApplication(
            self.application.path, dbus.Dictionary({}, signature="sv"),
            reply_handler=registered, error_handler=done)

    def advertise(self, done):
        # The GAP name a connected client reads is the adapter's alias: make it the key's.
        dbus.Interface(self.bus.get_object(BLUEZ, self.adapter_path), PROPERTIES).Set(
            "org.bluez.Adapter1", "Alias", dbus.String(self.name))
        manager = self._manager("org.bluez.LEAdvertisingManager1")
        if self.advertising:
            manager.UnregisterAdvertisement(self.advertisement.path)
            self.advertising = False

        def registered():
            self.advertising = True
            emit(event="advertising", adapter=self.adapter_path, name=self.name)
            done(None)
        manager.RegisterAdvertisement(self.advertisement.path,
                                      dbus.Dictionary({}, signature="sv"),
                                      reply_handler=registered, error_handler=done)

    def stop(self):
        try:
            if self.advertising:
                self._manager("org.bluez.LEAdvertisingManager1").UnregisterAdvertisement(
                    self.advertisement.path)
            if self.serving:
                self._manager("org.bluez.GattManager1").UnregisterApplication(
                    self.application.path)
        except dbus.DBusException as e:
            emit(event="stop-failed", error=e.get_dbus_name())
        self.advertising = self.serving = False


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--adapter", default="hci0")
    parser.add_argument("--mode", choices=ctap.MODES, default="ctap2-rk")
    parser.add_argument("--aaguid", default=ctap.DEFAULT_AAGUID)
    parser.add_argument("--control-point-length", type=int, default=20)
    parser.add_argument("--revision", type=lambda text: int(text, 0), default=ctap.REVISION_FIDO2)
    parser.add_argument("--no-revision", action="store_true",
                        help="no fidoServiceRevisionBitfield characteristic (U2F 1.0)")
    parser.add_argument("--keepalives", type=int, default=0)
    parser.add_argument("--u2f-answer", choices=ctap.U2F_ANSWERS, default="error")
    parser.add_argument("--garbage-kind", choices=ctap.GARBAGE_KINDS, default="bad-sequence")
    parser.add_argument("--name", default="btfence-virtual-key")
    parser.add_argument("--open-security", action="store_true",
                        help="no encrypt-* flags: readable and writable without a bond")
    parser.add_argument("--no-advertise", action="store_true")
    parser.add_argument("--accept-pairing", action="store_true",
                        help="register an accepting NoInputNoOutput default agent")
    args = parser.parse_args()

    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.SystemBus()
    authenticator = ctap.Authenticator(
        mode=args.mode, aaguid=args.aaguid, control_point_length=args.control_point_length,
        revision=args.revision, keepalives=args.keepalives, u2f_answer=args.u2f_answer,
        garbage_kind=args.garbage_kind)
    key = VirtualAuthenticator(bus, args.adapter, authenticator, name=args.name,
                               security_flags=not args.open_security,
                               with_revision=not args.no_revision)
    loop = GLib.MainLoop()

    if args.accept_pairing:
        agent_path = "/org/btfence/test/agent%d" % os.getpid()
        AcceptingAgent(bus, agent_path)
        manager = dbus.Interface(bus.get_object(BLUEZ, "/org/bluez"), "org.bluez.AgentManager1")
        manager.RegisterAgent(agent_path, "NoInputNoOutput")
        manager.RequestDefaultAgent(agent_path)
        emit(event="agent-registered", path=agent_path)

    result = {"rc": 0}

    def fail_on_error(error):
        if error is not None:
            emit(event="failed", error=error.get_dbus_name(), message=error.get_dbus_message())
            result["rc"] = 1
            loop.quit()

    def served(error):
        fail_on_error(error)
        if error is None and not args.no_advertise:
            key.advertise(fail_on_error)

    key.serve(served)

    def readvertise():
        def report(error):
            if error is not None:
                emit(event="advertise-failed", error=error.get_dbus_name())
        try:
            key.advertise(report)
        except dbus.DBusException as e:
            report(e)
        return GLib.SOURCE_CONTINUE

    def quit_loop():
        loop.quit()
        return GLib.SOURCE_REMOVE

    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGUSR1, readvertise)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, quit_loop)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, quit_loop)
    loop.run()
    key.stop()
    emit(event="stopped")
    return result["rc"]


if __name__ == "__main__":
    sys.exit(main())
