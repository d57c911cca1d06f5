#!/usr/bin/python3
"""A "security key" that reveals a keyboard after bonding, and whether the laptop's kernel got a
HID or input device from it. For systemd-vm-scenario.sh (profile lockdown), inside the VM:

    vm_hid_reveal.py --laptop hci1 --key hci0 [--timeout 60]

On --key: btpeer's fido-then-hid role, which advertises only 0xFFFD and serves the FIDO service.
On --laptop: the user's own agent (NoInputNoOutput) discovers it and pairs. As soon as the
laptop holds the bond, the key registers HID over GATT as well (a boot keyboard), which its
bluetoothd announces to the laptop with Service Changed; bluetoothd's hog plugin, when it is
loaded, then opens /dev/uhid and creates a HID device on the Bluetooth bus, and the kernel an
input device for it. The run ends when the laptop has dropped the device (btfenced removes it:
its UUIDs now include HID) or at --timeout.

Both ends forget each other first and again at the end. One bluetoothd serves both
controllers, so a pairing leaves a bond on each: the laptop's (which btfenced removes) and the
key side's own record of the laptop (which stays, allowed by rule). With a stale key-side bond
the key's bluetoothd asks for encryption with its old key (SMP Security Request) while the
laptop starts a fresh pairing, and the pairing ends in org.bluez.Error.AuthenticationFailed.

What the kernel created is read from its uevents (NETLINK_KOBJECT_UEVENT, root only), not by
sampling: every "add" of a device in the subsystems hid, input and hidraw from before the
pairing until the end is recorded, however short-lived. A lost uevent (ENOBUFS) is reported as
"uevents_lost", and the result then proves nothing.

Prints one JSON line: {"bonded", "hid_revealed" (HID in the laptop's Device1.UUIDs),
"hid_devices" (DEVPATHs of HID devices created on the Bluetooth bus, 0005:), "input_devices"
(DEVPATHs of input and hidraw devices created), "uevents_lost", "removed" (the laptop no
longer holds the device), "window_ms" (from HID in the laptop's UUIDs to the link down, when
both seen), "stale_key_side_bond" (the key's side still held the laptop's bond before it was
forgotten), "error" (of Pair, when it failed)}.
Exit 0 when the run completed (whatever it observed), 1 when the pairing itself failed.
"""
import argparse
import errno
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e", "peer"))

import btpeer  # noqa: E402

NETLINK_KOBJECT_UEVENT = 15
WATCHED_SUBSYSTEMS = {"hid", "input", "hidraw"}


class KernelDevices:
    """The kernel's uevents of devices added in WATCHED_SUBSYSTEMS, from construction on."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM | socket.SOCK_NONBLOCK,
                                  NETLINK_KOBJECT_UEVENT)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.sock.bind((0, 1))  # group 1: the kernel's own uevents (udev's are group 2)
        self.added = []  # (subsystem, devpath)
        self.lost = False

    def drain(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except BlockingIOError:
                return
            except OSError as error:
                if error.errno == errno.ENOBUFS:
                    self.lost = True
                    continue
                raise
            fields = dict(item.split("=", 1) for item in data.decode(errors="replace").split("\0")
                          if "=" in item)
            if fields.get("ACTION") == "add" and fields.get("SUBSYSTEM") in WATCHED_SUBSYSTEMS:
                self.added.append((fields["SUBSYSTEM"], fields.get("DEVPATH", "")))

    def close(self):
        self.sock.close()


def forget(bus, adapter, address):
    """Removes adapter's Device1 for address (and its bond); True when there was a bond."""
    path = btpeer.device_path(adapter, address)
    props = btpeer.device_properties(path, bus)
    if props is None:
        return False
    manager = btpeer.dbus.Interface(bus.get_object("org.bluez", btpeer.adapter_path(adapter)),
                                    "org.bluez.Adapter1")
    btpeer.call(manager.RemoveDevice, btpeer.dbus.ObjectPath(path))
    return bool(props.get("Bonded", False) or props.get("Paired", False))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--laptop", default="hci1")
    parser.add_argument("--key", default="hci0")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()

    bus = btpeer.system_bus()
    key = btpeer.Peer("fido-then-hid", args.key, bus)
    laptop_address = str(btpeer.adapter_property(args.laptop, "Address", bus))
    result = {"bonded": False, "hid_revealed": False, "hid_devices": [], "input_devices": [],
              "uevents_lost": False, "removed": False, "window_ms": None,
              "stale_key_side_bond": forget(bus, args.key, laptop_address)}
    forget(bus, args.laptop, key.address())
    kernel = KernelDevices()
    user = btpeer.Agent("NoInputNoOutput").register()
    path = None
    try:
        path = btpeer.discover(args.laptop, key, lambda props: btpeer.FIDO in btpeer.uuids_of(props),
                               timeout=45)
        pairing = user.start_pairing(path, timeout=args.timeout)

        def bonded():
            props = btpeer.device_properties(path, bus)
            return bool(props and (props.get("Bonded", False) or props.get("Paired", False)))
        try:
            btpeer.wait_until(lambda: bonded() or pairing.get("ok") is False, args.timeout,
                              "the laptop to hold the key's bond")
        except btpeer.TimedOut:
            pass
        if not bonded():
            result["error"] = pairing.get("error", "no bond within %.0f s" % args.timeout)
            return 1
        result["bonded"] = True
        key.reveal()  # Service Changed: the key now serves HID over GATT as well

        seen = {}

        def done():
            kernel.drain()
            props = btpeer.device_properties(path, bus)
            now = time.monotonic()
            if "hid" not in seen and btpeer.HID in btpeer.uuids_of(props):
                seen["hid"] = now
            if "hid" in seen and "down" not in seen and not (props and props.get("Connected", False)):
                seen["down"] = now
            return props is None
        try:
            result["removed"] = bool(btpeer.wait_until(done, args.timeout, "the laptop to drop the key"))
        except btpeer.TimedOut:
            pass
        result["hid_revealed"] = "hid" in seen
        if "hid" in seen and "down" in seen:
            result["window_ms"] = round((seen["down"] - seen["hid"]) * 1000)
        return 0
    finally:
        if path is not None:
            forget(bus, args.laptop, key.address())
        forget(bus, args.key, laptop_address)
        key.stop()
        user.close()
        kernel.drain()  # whatever the removal itself brought
        kernel.close()
        result["hid_devices"] = sorted({p for s, p in kernel.added if s == "hid" and "/0005:" in p})
        result["input_devices"] = sorted({p for s, p in kernel.added if s != "hid"})
        result["uevents_lost"] = kernel.lost
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    sys.exit(main())
