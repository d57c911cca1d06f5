#!/usr/bin/python3
"""Makes one local controller pair with another that advertises as a BLE keyboard.

For systemd-vm-scenario.sh, inside the VM (two btvirt controllers, one real bluetoothd):

    vm_keyboard_peer.py --central hci1 --peripheral hci0 [--default-agent] [--timeout 60]

The peripheral advertises HID (0x1812) with the keyboard appearance. The central discovers
it and calls Device1.Pair() from a connection that registered its own agent
(NoInputNoOutput, accepting everything). With --default-agent that agent is also made the
default agent, so the peripheral side's requests are accepted too (needed while btfenced is
not installed: with no default agent bluetoothd is not bondable). Without it, the
peripheral side asks whatever default agent exists (btfenced).

With --advertiser-pid PID the peripheral's advertisement is someone else's (a virtual FIDO key,
tests/fido-authenticator/virtual_authenticator.py --no-advertise, running as PID): instead of
registering the keyboard advertisement, each (re)start of discovery sends PID SIGUSR1, which
makes it advertise again. The pairing then also ends when the device is removed before Pair()
replies (bluetoothd drops the reply when btfenced removes a key that failed its probe):
result "removed".

Prints one JSON line: {"result": "paired"|"failed", "error": ..., "device": PATH,
"paired": bool, "bonded": bool}. Exit 0 when paired, 1 when pairing failed, 2 when the
peripheral was never discovered.
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
AGENT_PATH = "/org/btfence/test/keyboard_agent"
ADV_PATH = "/org/btfence/test/keyboard_adv"
HID_UUID = "00001812-0000-1000-8000-00805f9b34fb"
APPEARANCE_KEYBOARD = 0x03C1
PROPS = "org.freedesktop.DBus.Properties"


class AcceptingAgent(dbus.service.Object):
    """Accepts every request: the keyboard side of a test, not a policy."""

    @dbus.service.method("org.bluez.Agent1", in_signature="", out_signature="")
    def Release(self):
        pass

    @dbus.service.method("org.bluez.Agent1", in_signature="o", out_signature="")
    def RequestAuthorization(self, device):
        pass

    @dbus.service.method("org.bluez.Agent1", in_signature="ou", out_signature="")
    def RequestConfirmation(self, device, passkey):
        pass

    @dbus.service.method("org.bluez.Agent1", in_signature="os", out_signature="")
    def AuthorizeService(self, device, uuid):
        pass

    @dbus.service.method("org.bluez.Agent1", in_signature="o", out_signature="u")
    def RequestPasskey(self, device):
        return dbus.UInt32(0)

    @dbus.service.method("org.bluez.Agent1", in_signature="ouq", out_signature="")
    def DisplayPasskey(self, device, passkey, entered):
        pass

    @dbus.service.method("org.bluez.Agent1", in_signature="", out_signature="")
    def Cancel(self):
        pass


class KeyboardAdvertisement(dbus.service.Object):
    @dbus.service.method(PROPS, in_signature="s", out_signature="a{sv}")
    def GetAll(self, interface):
        return {
            "Type": dbus.String("peripheral"),
            "ServiceUUIDs": dbus.Array([HID_UUID], signature="s"),
            "Appearance": dbus.UInt16(APPEARANCE_KEYBOARD),
            "LocalName": dbus.String("btfence-test-keyboard"),
            "Discoverable": dbus.Boolean(True),
        }

    @dbus.service.method("org.bluez.LEAdvertisement1", in_signature="", out_signature="")
    def Release(self):
        pass


class Pairing:
    def __init__(self, bus, args):
        self.bus = bus
        self.args = args
        self.loop = GLib.MainLoop()
        self.outcome = {"result": "not-discovered"}
        self.central = f"/org/bluez/{args.central}"
        self.peripheral = f"/org/bluez/{args.peripheral}"
        address = self._prop(self.peripheral, "org.bluez.Adapter1", "Address")
        self.device = f"{self.central}/dev_{str(address).replace(':', '_')}"
        self.advertising = False
        self.pairing = False

    def _prop(self, path, interface, name):
        return self.bus.get_object(BLUEZ, path).Get(interface, name, dbus_interface=PROPS)

    def _iface(self, path, interface):
        return dbus.Interface(self.bus.get_object(BLUEZ, path), interface)

    def run(self):
        self.agent = AcceptingAgent(self.bus, AGENT_PATH)
        self.adv = KeyboardAdvertisement(self.bus, ADV_PATH)
        manager = self._iface("/org/bluez", "org.bluez.AgentManager1")
        manager.RegisterAgent(AGENT_PATH, "NoInputNoOutput")
        if self.args.default_agent:
            manager.RequestDefaultAgent(AGENT_PATH)
        central = self._iface(self.central, "org.bluez.Adapter1")
        central.SetDiscoveryFilter({"Transport": dbus.String("le")})
        self.bus.add_signal_receiver(self._on_added, "InterfacesAdded",
                                     "org.freedesktop.DBus.ObjectManager", BLUEZ)
        if self.args.advertiser_pid:
            self.bus.add_signal_receiver(self._on_removed, "InterfacesRemoved",
                                         "org.freedesktop.DBus.ObjectManager", BLUEZ)
        # Discovery first, then the advertisement: btvirt sends one advertising report per
        # enable, which the kernel drops while discovery is still starting.
        self._restart()
        GLib.timeout_add_seconds(3, self._restart)
        GLib.timeout_add_seconds(int(self.args.timeout), self._give_up)
        self.loop.run()
        self._cleanup(manager)
        print(json.dumps(self.outcome), flush=True)
        return {"paired": 0, "failed": 1, "removed": 1}.get(self.outcome["result"], 2)

    def _restart(self):
        if self.pairing:
            return False
        central = self._iface(self.central, "org.bluez.Adapter1")
        try:
            central.StopDiscovery()
        except dbus.exceptions.DBusException:
            pass
        central.StartDiscovery()
        # Asynchronous: bluetoothd reads the advertisement's properties from this process
        # before it replies, so a blocking call would deadlock.
        ads = self._iface(self.peripheral, "org.bluez.LEAdvertisingManager1")
        if self.advertising:
            self.advertising = False
            ads.UnregisterAdvertisement(ADV_PATH, reply_handler=self._advertise,
                                        error_handler=lambda error: self._advertise())
        else:
            self._advertise()
        if self._device_known():
            self._pair()
            return not self.pairing
        return True

    def _advertise(self):
        if self.args.advertiser_pid:
            os.kill(self.args.advertiser_pid, signal.SIGUSR1)
            return
        ads = self._iface(self.peripheral, "org.bluez.LEAdvertisingManager1")
        ads.RegisterAdvertisement(ADV_PATH, {}, reply_handler=self._advertising,
                                  error_handler=self._advertise_failed)

    def _advertising(self):
        self.advertising = True
        if self._device_known():
            self._pair()

    def _advertise_failed(self, error):
        print(json.dumps({"advertise-error": error.get_dbus_name()}), file=sys.stderr)

    def _device_known(self):
        try:
            self._prop(self.device, "org.bluez.Device1", "Address")
            return True
        except dbus.exceptions.DBusException:
            return False

    def _on_added(self, path, interfaces):
        if str(path) == self.device and "org.bluez.Device1" in interfaces:
            self._pair()

    def _on_removed(self, path, interfaces):
        if self.pairing and str(path) == self.device and "org.bluez.Device1" in interfaces:
            self.outcome = {"result": "removed", "device": self.device, "paired": False, "bonded": False}
            self.loop.quit()

    def _pair(self):
        # Never before bluetoothd has answered RegisterAdvertisement: one bluetoothd serves
        # both controllers and sends one mgmt command at a time, so a Pair() issued first (to a
        # device object left from an earlier attempt) holds MGMT_OP_PAIR_DEVICE pending until
        # it times out, and the advertisement the pairing waits for queues behind it: both
        # calls end in NoReply (docs/security.md, package step 6b). btfenced is not involved.
        if self.pairing or not (self.advertising or self.args.advertiser_pid):
            return
        self.pairing = True
        try:
            self._iface(self.central, "org.bluez.Adapter1").StopDiscovery()
        except dbus.exceptions.DBusException:
            pass
        self._iface(self.device, "org.bluez.Device1").Pair(
            reply_handler=self._paired, error_handler=self._pair_failed, timeout=60)

    def _state(self):
        state = {"device": self.device}
        for name in ("Paired", "Bonded"):
            try:
                state[name.lower()] = bool(self._prop(self.device, "org.bluez.Device1", name))
            except dbus.exceptions.DBusException:
                state[name.lower()] = False
        return state

    def _paired(self):
        self.outcome = {"result": "paired", **self._state()}
        self.loop.quit()

    def _pair_failed(self, error):
        self.outcome = {"result": "failed", "error": error.get_dbus_name(), **self._state()}
        self.loop.quit()

    def _give_up(self):
        if not self.pairing:
            self.loop.quit()
        return False

    def _cleanup(self, manager):
        for call in (lambda: self._iface(self.peripheral, "org.bluez.LEAdvertisingManager1")
                     .UnregisterAdvertisement(ADV_PATH),
                     lambda: manager.UnregisterAgent(AGENT_PATH),
                     lambda: self._iface(self.central, "org.bluez.Adapter1").StopDiscovery()):
            try:
                call()
            except dbus.exceptions.DBusException:
                pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--central", default="hci1")
    parser.add_argument("--peripheral", default="hci0")
    parser.add_argument("--default-agent", action="store_true")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--advertiser-pid", type=int, default=0,
                        help="a process that advertises on --peripheral when sent SIGUSR1")
    args = parser.parse_args()
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    return Pairing(dbus.SystemBus(), args).run()


if __name__ == "__main__":
    sys.exit(main())
