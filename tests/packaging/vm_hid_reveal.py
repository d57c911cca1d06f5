#!/usr/bin/python3
"""A "security key" that reveals a keyboard after bonding, and whether the laptop got an input
device from it. For systemd-vm-scenario.sh (profile lockdown), inside the VM:

    vm_hid_reveal.py --laptop hci1 --key hci0 [--timeout 60]

On --key: a GATT application with the FIDO service only and an advert of 0xFFFD only (the
fido-key role of tests/e2e/peer/btpeer.py). On --laptop: the user's own agent
(NoInputNoOutput) discovers it and pairs. As soon as the laptop holds the bond, the key
registers a second GATT application with HID over GATT (a boot keyboard), which bluetoothd
announces to the laptop with Service Changed. From then until the laptop has dropped the
device (btfenced removes it: its UUIDs now include HID) or --timeout, /proc/bus/input/devices
is read every 20 ms.

Prints one JSON line: {"bonded", "hid_revealed", "input_device" (a new input device appeared),
"input_devices" (their Name= lines), "removed" (the laptop no longer holds the device),
"window_ms" (from HID in the laptop's Device1.UUIDs to the link down, when both seen)}.
Exit 0 when the run completed (whatever it observed), 1 when the pairing itself failed.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e", "peer"))

import btpeer  # noqa: E402

POLL = 0.02


def input_device_names():
    with open("/proc/bus/input/devices") as handle:
        blocks = [b for b in handle.read().split("\n\n") if b.strip()]
    return [line for b in blocks for line in b.splitlines() if line.startswith("N: Name=")]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--laptop", default="hci1")
    parser.add_argument("--key", default="hci0")
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()

    bus = btpeer.system_bus()
    key = btpeer.Peer("fido-key", args.key, bus)
    keyboard = btpeer.Peer("keyboard", args.key, bus)  # served later, never advertised
    user = btpeer.Agent("NoInputNoOutput").register()
    result = {"bonded": False, "hid_revealed": False, "input_device": False, "input_devices": [],
              "removed": False, "window_ms": None}
    try:
        path = btpeer.discover(args.laptop, key, lambda props: btpeer.FIDO in btpeer.uuids_of(props),
                               timeout=45)
        before = set(input_device_names())
        pairing = user.start_pairing(path, timeout=args.timeout)

        def bonded():
            props = btpeer.device_properties(path, bus)
            return bool(props and (props.get("Bonded", False) or props.get("Paired", False)))
        btpeer.wait_until(lambda: bonded() or pairing.get("ok") is False, args.timeout,
                          "the laptop to hold the key's bond")
        if not bonded():
            result["error"] = pairing.get("error")
            print(json.dumps(result), flush=True)
            return 1
        result["bonded"] = True
        keyboard.serve()  # Service Changed: the key now serves HID over GATT as well

        hid_seen = link_down = None
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            btpeer.GLib.MainContext.default().iteration(False)
            props = btpeer.device_properties(path, bus)
            now = time.monotonic()
            if hid_seen is None and props and btpeer.HID in btpeer.uuids_of(props):
                hid_seen = now
            if hid_seen is not None and link_down is None and (not props or not props.get("Connected", False)):
                link_down = now
            new = sorted(set(input_device_names()) - before)
            if new:
                result["input_device"] = True
                result["input_devices"] = sorted(set(result["input_devices"]) | set(new))
            if props is None:
                result["removed"] = True
                break
            time.sleep(POLL)  # sampling /proc, not synchronising: nothing signals an input device
        result["hid_revealed"] = hid_seen is not None
        if hid_seen is not None and link_down is not None:
            result["window_ms"] = round((link_down - hid_seen) * 1000)
        print(json.dumps(result), flush=True)
        return 0
    finally:
        try:
            if btpeer.device_properties(btpeer.device_path(args.laptop, key.address()), bus):
                adapter = btpeer.dbus.Interface(bus.get_object("org.bluez", btpeer.adapter_path(args.laptop)),
                                                "org.bluez.Adapter1")
                btpeer.call(adapter.RemoveDevice, btpeer.dbus.ObjectPath(btpeer.device_path(args.laptop, key.address())))
        except Exception:  # noqa: BLE001 - best effort: the scenario checks the state itself
            pass
        keyboard.stop()
        key.stop()
        user.close()


if __name__ == "__main__":
    sys.exit(main())
