"""Group "measure" (on demand only; not part of the e2e tier): how long a device that bonded
behind btfenced's back keeps its link and its bond, against the real bluetoothd.

A measurement, not a pass/fail bar (the quality bars live in bench/; docs/performance.md
publishes what this prints). Each run pairs a keyboard from the laptop with the user's own
agent (Just Works started locally asks no agent, so only btfenced's post-hoc removal stops
it) and timestamps, in this process, bluetoothd's signals for that device:

  paired     PropertiesChanged Bonded=true or Paired=true, whichever comes first (bluez 5.66
             sends Bonded first; btfenced acts on either)
  link down  PropertiesChanged Connected=false
  removed    InterfacesRemoved(Device1): RemoveDevice done

plus btfenced's own audit event device-removed (@timestamp, same clock: one VM), and, from a
`dbus-monitor` of the system bus (the bus's own timestamps), when btfenced's calls left:
Set(Blocked) if it blocks first, Disconnect, RemoveDevice — which separates btfenced's
reaction from bluetoothd's work. Every scenario prints one "measure:" line; the last one also
prints min/median/max over them.
The VM runs under TCG software emulation on a shared host: absolute times are several
times what a laptop shows."""
import calendar
import os
import re
import subprocess
import time

import btpeer
from btpeer import HID
from framework import expect, scenario

RUNS = 5
PROPERTIES = "org.freedesktop.DBus.Properties"
OBJECT_MANAGER = "org.freedesktop.DBus.ObjectManager"
DEVICE = "org.bluez.Device1"

MEASUREMENTS = []  # one dict per run: milliseconds after "paired"
KEYS = ("link_down", "removed", "audit_removed", "bus_block", "bus_disconnect",
        "bus_disconnect_answered", "bus_link_down", "bus_remove_call", "bus_removed")
MONITOR_RULES = [
    "type='signal',sender='org.bluez',interface='org.freedesktop.DBus.Properties'",
    "type='signal',sender='org.bluez',member='InterfacesRemoved'",
    "type='method_call',destination='org.bluez',member='Disconnect'",
    "type='method_call',destination='org.bluez',member='RemoveDevice'",
    "type='method_call',destination='org.bluez',member='Set'",
    "type='method_return',sender='org.bluez'",
]
HEADER = re.compile(r"^(method call|signal|method return|error) time=(\d+\.\d+) .*?"
                    r"serial=(\d+)(?: reply_serial=(\d+))?"
                    r"(?: path=([^;]+); interface=([^;]+); member=(\S+))?$")


def monitored(path, device):
    """Times (bus clock, s) of what concerns `device` in a dbus-monitor transcript."""
    times = {}
    messages, current = [], None
    with open(path, errors="replace") as transcript:
        for line in transcript:
            match = HEADER.match(line.rstrip("\n"))
            if match:
                current = [match.group(1), float(match.group(2)), match.group(3), match.group(4),
                           match.group(5), match.group(7), ""]
                messages.append(current)
            elif current is not None:
                current[6] += line
    disconnect_serial = None
    for kind, when, serial, reply_serial, object_path, member, body in messages:
        flat = " ".join(body.split())
        if kind == "signal" and member == "PropertiesChanged" and object_path == device:
            if '"Paired" variant boolean true' in flat or '"Bonded" variant boolean true' in flat:
                times.setdefault("bus_paired", when)
            if '"Connected" variant boolean false' in flat:
                times.setdefault("bus_link_down", when)
        elif kind == "signal" and member == "InterfacesRemoved" and device in flat:
            times.setdefault("bus_removed", when)
        elif kind == "method call" and member == "Set" and object_path == device and '"Blocked"' in flat:
            times.setdefault("bus_block", when)
        elif kind == "method call" and member == "Disconnect" and object_path == device:
            times.setdefault("bus_disconnect", when)
            disconnect_serial = serial
        elif kind == "method return" and disconnect_serial is not None and \
                reply_serial == disconnect_serial:
            times.setdefault("bus_disconnect_answered", when)
        elif kind == "method call" and member == "RemoveDevice" and device in flat:
            times.setdefault("bus_remove_call", when)
    return times


def audit_time(event):
    """@timestamp of an audit event ("2026-12-02T18:00:00.123456Z") as seconds since the epoch."""
    stamp = event["@timestamp"].rstrip("Z")
    whole, _, fraction = stamp.partition(".")
    seconds = calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S"))
    return seconds + (float("0." + fraction) if fraction else 0.0)


def summary(key):
    values = sorted(m[key] for m in MEASUREMENTS if m.get(key) is not None)
    if not values:
        return "%s n/a" % key
    return "%s min %.1f / median %.1f / max %.1f ms" % (key, values[0], values[(len(values) - 1) // 2],
                                                       values[-1])


def measure_one_removal(ctx, run):
    keyboard = ctx.play("keyboard")
    path = ctx.seen_by(ctx.laptop, keyboard, uuid=HID)
    seen = {}

    def on_properties(interface, changed, _invalidated, path=None):
        now = time.time()
        if path != ctx_path or interface != DEVICE:
            return
        if (bool(changed.get("Paired", False)) or bool(changed.get("Bonded", False))) and \
                "paired" not in seen:
            seen["paired"] = now
        if "Connected" in changed and not bool(changed["Connected"]) and "link_down" not in seen:
            seen["link_down"] = now

    def on_removed(object_path, interfaces):
        if str(object_path) == ctx_path and DEVICE in interfaces and "removed" not in seen:
            seen["removed"] = time.time()

    ctx_path = str(path)
    transcript = os.path.join(ctx.logs, "removal-timing-%d.monitor" % run)
    with open(transcript, "w") as out:
        monitor = subprocess.Popen(["dbus-monitor", "--system", *MONITOR_RULES], stdout=out,
                                   stderr=subprocess.STDOUT)
    # The monitor is in place once it prints its own NameAcquired/NameLost.
    btpeer.wait_until(lambda: os.path.getsize(transcript) > 0, 10, "dbus-monitor to start")
    receivers = [
        ctx.bus.add_signal_receiver(on_properties, "PropertiesChanged", PROPERTIES, "org.bluez",
                                    path=ctx_path, path_keyword="path"),
        ctx.bus.add_signal_receiver(on_removed, "InterfacesRemoved", OBJECT_MANAGER, "org.bluez"),
    ]
    try:
        since = ctx.daemon.mark()
        user = ctx.agent("NoInputNoOutput")
        user.start_pairing(path)  # not waited for: bluetoothd holds Pair()'s reply (see enforcement.py)
        removed = ctx.daemon.wait_for("device-removed", keyboard.address(), since, adapter=ctx.laptop)
        expect(removed["event"]["outcome"] == "success", "RemoveDevice failed: %s" % removed["event"].get("reason"))
        btpeer.wait_until(lambda: "removed" in seen, 20, "InterfacesRemoved for the keyboard")
    finally:
        for receiver in receivers:
            receiver.remove()
        monitor.terminate()
        monitor.wait(timeout=10)
    expect("paired" in seen, "no PropertiesChanged Bonded/Paired=true was seen for the keyboard")
    start = seen["paired"]

    def after(t, origin=start):
        return None if t is None or origin is None else (t - origin) * 1000.0
    bus = monitored(transcript, ctx_path)
    measurement = {
        "link_down": after(seen.get("link_down")),
        "removed": after(seen.get("removed")),
        "audit_removed": after(audit_time(removed)),
    }
    for key in KEYS[3:]:
        measurement[key] = after(bus.get(key), bus.get("bus_paired"))
    MEASUREMENTS.append(measurement)
    print("   measure: run %d (ms after Bonded/Paired=true): %s" % (run, ", ".join(
        "%s %s" % (k, "n/a" if measurement.get(k) is None else "%.1f" % measurement[k])
        for k in KEYS if k != "bus_paired")), flush=True)
    if len(MEASUREMENTS) == RUNS:
        for key in KEYS:
            if key != "bus_paired":
                print("   measure: %d runs: %s" % (RUNS, summary(key)), flush=True)


def _register(run):
    def a_keyboard_bonded_behind_the_agent_is_timed_from_paired_to_link_down_and_removal(ctx):
        """Measures Paired=true -> link down -> RemoveDevice for a keyboard paired with the user's own agent."""
        measure_one_removal(ctx, run)
    a_keyboard_bonded_behind_the_agent_is_timed_from_paired_to_link_down_and_removal.__name__ += "_%d" % run
    scenario("measure")(a_keyboard_bonded_behind_the_agent_is_timed_from_paired_to_link_down_and_removal)


for _run in range(1, RUNS + 1):
    _register(_run)
