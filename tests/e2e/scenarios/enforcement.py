"""Group "btfenced": the real btfenced enforcing the scenarios' policy (FIDO keys allowed,
default deny; the peer's adapter allowed by rule e2e-peer-side) against the real bluetoothd.

btfenced is bluetoothd's default agent, so it answers the responder side of every pairing:
on the laptop's adapter by policy, on the peer's adapter by the e2e-peer-side rule. A person
pairing from the laptop uses an agent of their own (as `bluetoothctl` does). Each scenario
asserts on BlueZ's state (Device1.Paired, the object existing) and on the audit events."""
import json
import os
import re
import signal
import subprocess
import time

import dbus

import btpeer
from gi.repository import GLib
from btfenced import PEER_SIDE_RULE_ID, policy
from btpeer import FIDO, HID, HYBRID
from framework import adapters_powered, expect, scenario


def paired(path):
    props = btpeer.device_properties(path)
    return props is not None and bool(props.get("Paired", False))


def resolved_with(path, uuid):
    """The device's GATT services are resolved and include uuid."""
    props = btpeer.device_properties(path)
    return props is not None and bool(props.get("ServicesResolved", False)) and uuid in btpeer.uuids_of(props)


def expect_bond_kept(ctx, path, address, since, served_uuid):
    """btfenced keeps the bond: bond-kept by rule fido-keys, and once the services are
    resolved and btfenced has handled everything, still Paired and never removed."""
    kept = ctx.daemon.wait_for("bond-kept", address, since, adapter=ctx.laptop)
    expect(kept["rule"]["id"] == "fido-keys", "bond-kept by rule %s" % kept["rule"]["id"])
    btpeer.wait_until(lambda: resolved_with(path, served_uuid), 30, "the key's GATT services to resolve")
    ctx.daemon.barrier()
    expect(paired(path), "the key is no longer Paired")
    removed = ctx.daemon.find("device-removed", address, since)
    expect(removed is None, "btfenced removed the key: %s" % (removed and removed["message"]))


def default_agent_in_bluetoothd_log(ctx):
    """The owner and path of the default agent, from bluetoothd's debug log (-d)."""
    with open(os.path.join(ctx.logs, "bluetoothd.log"), errors="replace") as f:
        lines = re.findall(r"Default agent (?:set to (\S+) (\S+)|cleared)", f.read())
    return lines[-1] if lines else None


def btfenced_agent(ctx):
    """(owner, path) of btfenced's agent: it has a bus connection of its own, which owns no
    name (docs/architecture.md, "Connections and priorities"), so the owner is whichever
    connection of the btfenced process is not the one that owns org.btfence1."""
    bus_driver = dbus.Interface(ctx.bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus"),
                                "org.freedesktop.DBus")
    main = str(ctx.bus.get_name_owner("org.btfence1"))
    pid = bus_driver.GetConnectionUnixProcessID(main)
    others = [str(n) for n in bus_driver.ListNames()
              if str(n).startswith(":") and str(n) != main and
              bus_driver.GetConnectionUnixProcessID(n) == pid]
    return (others[0] if len(others) == 1 else "one agent connection, found %s" % others,
            "/org/btfence/agent")


@scenario("btfenced")
def a_fido_key_paired_from_the_laptop_with_just_works_keeps_its_bond(ctx):
    """The user pairs a FIDO key with their own agent (Just Works): paired, bond-kept, never removed."""
    key = ctx.play("fido-key")
    path = ctx.seen_by(ctx.laptop, key, uuid=FIDO)
    ctx.say("the laptop sees FIDO-Key advertising 0xFFFD; the user pairs it (Just Works)")
    since = ctx.daemon.mark()
    user = ctx.agent("NoInputNoOutput")
    ok, error = user.pair(path)
    expect(ok, "Pair() failed: %s" % error)
    expect(user.calls == [], "Just Works asked the user's agent: %s" % user.calls)
    expect_bond_kept(ctx, path, key.address(), since, FIDO)
    # The key's side of the pairing asked bluetoothd's default agent, btfenced, which accepts
    # for the peer's adapter by the e2e-peer-side rule.
    peer_side = ctx.daemon.find("pairing-allowed", ctx.address(ctx.laptop), since, adapter=ctx.peer)
    expect(peer_side is not None and peer_side["rule"]["id"] == PEER_SIDE_RULE_ID,
           "no pairing-allowed by %s for the peer's side: %s" % (PEER_SIDE_RULE_ID, peer_side))


@scenario("btfenced")
def a_fido_key_paired_with_numeric_comparison_keeps_its_bond(ctx):
    """Numeric comparison (DisplayYesNo on both ends): both agents confirm one passkey; the bond is kept."""
    key = ctx.play("fido-key")
    path = ctx.seen_by(ctx.laptop, key, uuid=FIDO)
    # The key's own IO capability: an agent in front of btfenced in bluetoothd's default list,
    # withdrawn after the pairing so that btfenced is the default agent again.
    key_side = ctx.agent("DisplayYesNo", default=True)
    user = ctx.agent("DisplayYesNo")
    since = ctx.daemon.mark()
    ok, error = user.pair(path)
    expect(ok, "Pair() failed: %s" % error)
    expect(user.methods() == ["RequestConfirmation"] and key_side.methods() == ["RequestConfirmation"],
           "agent calls: user %s, key %s" % (user.calls, key_side.calls))
    expect(user.calls[0][2] == key_side.calls[0][2], "the passkeys differ")
    ctx.drop_agent(key_side)
    expect_bond_kept(ctx, path, key.address(), since, FIDO)
    expect(default_agent_in_bluetoothd_log(ctx) == btfenced_agent(ctx),
           "btfenced is not the default agent again: %s" % (default_agent_in_bluetoothd_log(ctx),))


@scenario("btfenced")
def a_fido_key_starting_the_pairing_itself_is_allowed_at_the_gate(ctx):
    """The key pairs towards the laptop: btfenced's RequestAuthorization says yes by rule fido-keys."""
    key = ctx.play("fido-key")
    key_on_laptop = ctx.seen_by(ctx.laptop, key, uuid=FIDO)
    laptop_on_key = ctx.seen_by(ctx.peer, ctx.play("laptop", ctx.laptop))
    ctx.say("FIDO-Key starts a pairing towards the laptop")
    since = ctx.daemon.mark()
    ok, error = ctx.agent("NoInputNoOutput").pair(laptop_on_key)
    expect(ok, "Pair() from the key failed: %s" % error)
    allowed = ctx.daemon.wait_for("pairing-allowed", key.address(), since, adapter=ctx.laptop)
    expect(allowed["btfence"]["trigger"] == "RequestAuthorization" and allowed["rule"]["id"] == "fido-keys",
           "pairing-allowed by %s via %s" % (allowed["rule"]["id"], allowed["btfence"]["trigger"]))
    expect_bond_kept(ctx, key_on_laptop, key.address(), since, FIDO)
    ctx.say("BlueZ: FIDO-Key is Paired on the laptop, and still is once its services are resolved")


@scenario("btfenced")
def a_phones_hybrid_advert_is_received_and_nothing_is_removed(ctx):
    """Scanning still works for hybrid: the 0xFFF9 advert reaches the laptop; btfenced removes nothing."""
    since = ctx.daemon.mark()
    seen = {}

    def hybrid(props):
        if len(bytes(props.get("ServiceData", {}).get(HYBRID, b""))) == 20:
            seen.update(props)
        return bool(seen)
    ctx.seen_by(ctx.laptop, ctx.play("hybrid-phone"), until=hybrid)
    # "Nothing removed" means something only if btfenced was there to remove it: running,
    # bluetoothd's default agent (so registered with this bluetoothd, watching its objects),
    # and through the barrier (it handled every signal the advert caused).
    expect(ctx.daemon is not None and ctx.daemon.running(), "btfenced is not running")
    expect(default_agent_in_bluetoothd_log(ctx) == btfenced_agent(ctx),
           "btfenced is not bluetoothd's default agent: %s" % (default_agent_in_bluetoothd_log(ctx),))
    ctx.daemon.barrier()
    expect(ctx.daemon.running(), "btfenced exited while the advert was received")
    for action in ("device-removed", "pairing-denied"):
        event = ctx.daemon.find(action, since=since)
        expect(event is None, "btfenced logged %s: %s" % (action, event and event["message"]))


@scenario("btfenced")
def a_keyboard_starting_a_pairing_is_refused_at_the_gate(ctx):
    """A keyboard pairs towards the laptop: btfenced refuses the agent request; no bond on the laptop."""
    keyboard = ctx.play("keyboard")
    keyboard_on_laptop = ctx.seen_by(ctx.laptop, keyboard, uuid=HID)
    laptop_on_keyboard = ctx.seen_by(ctx.peer, ctx.play("laptop", ctx.laptop))
    ctx.say("a keyboard starts a pairing towards the laptop")
    since = ctx.daemon.mark()
    ok, error = ctx.agent("NoInputNoOutput").pair(laptop_on_keyboard)
    expect(not ok, "the keyboard's Pair() succeeded")
    denied = ctx.daemon.wait_for("pairing-denied", keyboard.address(), since, adapter=ctx.laptop)
    expect(denied["btfence"]["trigger"] in ("RequestAuthorization", "RequestConfirmation"),
           "refused through %s" % denied["btfence"]["trigger"])
    expect(denied["rule"]["id"] == "default" and denied["btfence"]["device"]["class"] == "other",
           "refused by rule %s as %s" % (denied["rule"]["id"], denied["btfence"]["device"]["class"]))
    expect("0x1812" in denied["btfence"]["device"]["class_reason"],
           "the reason does not name HID: %s" % denied["btfence"]["device"]["class_reason"])
    btpeer.wait_until(lambda: not paired(keyboard_on_laptop), 20, "the laptop to hold no bond")
    ctx.say("BlueZ: the keyboard's Pair() failed (%s); the laptop holds no bond" % error)


@scenario("btfenced")
def a_keyboard_paired_from_the_laptop_by_a_user_with_their_own_agent_is_removed(ctx):
    """The bypass: Just Works started locally asks no agent; btfenced removes the keyboard after the fact."""
    keyboard = ctx.play("keyboard")
    path = ctx.seen_by(ctx.laptop, keyboard, uuid=HID)
    ctx.say("the user pairs the keyboard with their own agent (Just Works: no agent is asked)")
    since = ctx.daemon.mark()
    user = ctx.agent("NoInputNoOutput")
    # Not waited for: bluetoothd 5.66 holds Pair()'s reply until the services are resolved,
    # and drops it without replying when the device is removed before that.
    user.start_pairing(path)
    removed = ctx.daemon.wait_for("device-removed", keyboard.address(), since, adapter=ctx.laptop)
    expect(removed["event"]["outcome"] == "success", "RemoveDevice failed: %s" % removed["event"]["reason"])
    expect(removed["rule"]["id"] == "default", "removed by rule %s" % removed["rule"]["id"])
    btpeer.wait_until(lambda: btpeer.holds_no_bond(path), 20,
                      "the laptop to hold no bond with the keyboard")
    expect(user.calls == [], "the user's agent was asked: %s" % user.calls)
    ctx.say("BlueZ: the keyboard's Device1, and its bond, are gone from the laptop")


@scenario("btfenced")
def a_device_advertising_fido_but_serving_hid_is_removed_once_its_services_resolve(ctx):
    """It advertises 0xFFFD and pairs; its GATT services turn out to be HID: btfenced removes it."""
    liar = ctx.play("liar")
    path = ctx.seen_by(ctx.laptop, liar, uuid=FIDO)
    ctx.say("Totally-A-Key advertises 0xFFFD, but serves HID; the user pairs it")
    since = ctx.daemon.mark()
    ctx.agent("NoInputNoOutput").start_pairing(path)  # not waited for (see the keyboard above)
    removed = ctx.daemon.wait_for("device-removed", liar.address(), since, adapter=ctx.laptop)
    device = removed["btfence"]["device"]
    expect(removed["event"]["outcome"] == "success", "RemoveDevice failed: %s" % removed["event"]["reason"])
    expect(device["class"] == "other" and "0x1812" in device["class_reason"],
           "removed as %s: %s" % (device["class"], device["class_reason"]))
    btpeer.wait_until(lambda: btpeer.holds_no_bond(path), 20,
                      "the laptop to hold no bond with the liar")


@scenario("btfenced")
def in_audit_mode_the_keyboard_keeps_its_bond_and_the_event_says_it_would_be_removed(ctx):
    """mode = "audit": btfenced holds no agent; the keyboard's own side answers; "would" events."""
    started = ctx.daemon.mark()
    ctx.run_daemon_with(policy(ctx.laptop, mode="audit"))
    withheld = ctx.daemon.wait_for("agent-unregistered", since=started)
    expect(withheld["event"]["outcome"] == "success", "agent-unregistered: %s" % withheld["message"])
    keyboard = ctx.play("keyboard")
    path = ctx.seen_by(ctx.laptop, keyboard, uuid=HID)
    since = ctx.daemon.mark()
    # btfenced registered no agent: the keyboard's side of the pairing is answered by an agent
    # of its own (bluetoothd with no agent at all would refuse it), as without btfence.
    ctx.agent("NoInputNoOutput", default=True)
    ok, error = ctx.agent("NoInputNoOutput").pair(path)
    expect(ok, "Pair() failed in audit mode: %s" % error)
    refused = ctx.daemon.wait_for("pairing-denied", keyboard.address(), since, mode="audit")
    expect(refused["event"]["outcome"] == "unknown" and "would have refused" in refused["message"],
           "pairing-denied in audit mode: %s" % refused["message"])
    would = ctx.daemon.wait_for("device-removed", keyboard.address(), since, mode="audit")
    expect(would["event"]["outcome"] == "unknown" and would["btfence"]["verdict"] == "deny",
           "outcome %s, verdict %s" % (would["event"]["outcome"], would["btfence"]["verdict"]))
    btpeer.wait_until(lambda: resolved_with(path, HID), 30, "the keyboard's services to resolve")
    ctx.daemon.barrier()
    expect(paired(path), "audit mode removed the keyboard's bond")


@scenario("btfenced")
def after_bluetoothd_is_killed_and_restarted_btfenced_registers_again_and_still_refuses(ctx):
    """kill -9 bluetoothd, start it again: bluez-lost, bluez-found, agent-registered; a keyboard is refused again."""
    since = ctx.daemon.mark()
    with open(os.environ["E2E_BLUETOOTHD_PID"]) as f:
        os.kill(int(f.read()), signal.SIGKILL)
    ctx.daemon.wait_for("bluez-lost", since=since)
    subprocess.check_call([os.environ["E2E_START_BLUETOOTHD"]])
    ctx.daemon.wait_for("bluez-found", since=since)
    registered = ctx.daemon.wait_for("agent-registered", since=since)
    expect(registered["event"]["outcome"] == "success", "registering again failed: %s" % registered["message"])
    btpeer.wait_until(lambda: adapters_powered(ctx.bus, [ctx.laptop, ctx.peer]), 30, "both adapters powered again")
    a_keyboard_starting_a_pairing_is_refused_at_the_gate(ctx)


def rfc3339(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


@scenario("btfenced")
def a_rule_window_follows_the_wall_clock_when_it_is_set_forward_and_back(ctx):
    """`date -s` into an exemption's window starts it; set back before its not_before, it ends at once (wall-clock-set)."""
    start = time.time()
    started_at = time.monotonic()
    window = """
[[rule]]
id = "later-exemption"
verdict = "allow"
class = ["other"]
not_before = %s
expires = %s
reason = "a window an hour from now"
""" % (rfc3339(start + 3600), rfc3339(start + 7200))
    ctx.run_daemon_with(policy(ctx.laptop, extra=window))
    try:
        since = ctx.daemon.mark()
        time.clock_settime(time.CLOCK_REALTIME, start + 5400)  # inside the window
        # The wall-clock timer for not_before fires as well; whichever comes first reports it.
        started = ctx.daemon.wait_for("exemption-started", since=since, timeout=15)
        expect(started["rule"]["id"] == "later-exemption", "exemption-started for %s" % started["rule"]["id"])
        since = ctx.daemon.mark()
        # Back to the real time: not_before lies ahead again. No timer is due for that; only
        # the kernel's notice that the clock was set (TFD_TIMER_CANCEL_ON_SET) tells btfenced.
        time.clock_settime(time.CLOCK_REALTIME, start + (time.monotonic() - started_at))
        ended = ctx.daemon.wait_for("exemption-expired", since=since, timeout=15, trigger="wall-clock-set")
        expect(ended["rule"]["id"] == "later-exemption", "exemption-expired for %s" % ended["rule"]["id"])
    finally:
        time.clock_settime(time.CLOCK_REALTIME, start + (time.monotonic() - started_at))


def input_devices_named(fragment):
    """Names of the kernel's input devices that contain `fragment` (/proc/bus/input/devices)."""
    try:
        with open("/proc/bus/input/devices") as f:
            text = f.read()
    except OSError:
        return []
    return [line.split("=", 1)[1].strip('"') for line in text.splitlines()
            if line.startswith("N: Name=") and fragment in line]


def kernel_log():
    try:
        return subprocess.run(["dmesg"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


@scenario("btfenced")
def a_key_that_reveals_hid_after_bonding_is_cut_off_blocked_and_remembered(ctx):
    """It pairs as a FIDO key, then serves HID: blocked at once, removed, a suspected spoof; blocked when seen again."""
    state_file = os.path.join(ctx.daemon.state_dir, "suspected-spoofs.json")
    ctx.run_daemon_with(policy(ctx.laptop, spoof_block="1h"))
    try:
        _shapeshifter(ctx, state_file)
    finally:
        # Every peer plays with hci1's one address: the next scenarios must not meet a
        # remembered spoof. The runner restarts btfenced with the group's policy.
        ctx.daemon.stop()
        if os.path.exists(state_file):
            os.remove(state_file)


def _shapeshifter(ctx, state_file):
    peer = ctx.play("fido-then-hid")
    path = ctx.seen_by(ctx.laptop, peer, uuid=FIDO)
    name = peer.role.title
    ctx.say("Shapeshifter-Key advertises only 0xFFFD and serves the FIDO service; the user pairs it")
    since = ctx.daemon.mark()
    user = ctx.agent("NoInputNoOutput")
    ok, error = user.pair(path)
    expect(ok, "Pair() failed: %s" % error)
    expect_bond_kept(ctx, path, peer.address(), since, FIDO)

    # Timestamps of what the laptop's bluetoothd reports for the device, and of input devices.
    seen = {}

    def on_changed(interface, changed, _invalidated):
        now = time.monotonic()
        if interface != "org.bluez.Device1":
            return
        if HID in [str(u) for u in changed.get("UUIDs", [])]:
            seen.setdefault("hid_uuid", now)
            seen.setdefault("hid_uuid_wall", time.time())
        if "Connected" in changed and not bool(changed["Connected"]):
            seen.setdefault("link_down", now)
    receiver = ctx.bus.add_signal_receiver(on_changed, signal_name="PropertiesChanged",
                                           dbus_interface="org.freedesktop.DBus.Properties",
                                           path=path, bus_name="org.bluez")

    def poll_input():
        if input_devices_named(name):
            seen.setdefault("input_device", time.monotonic())
        return "done" not in seen
    GLib.timeout_add(5, poll_input)
    dmesg_before = kernel_log()
    uhid = os.path.exists("/dev/uhid")
    try:
        ctx.say("after bonding it adds HID over GATT (Service Changed); the laptop rediscovers")
        peer.reveal()
        spoof = ctx.daemon.wait_for("suspected-spoof", peer.address(), since, adapter=ctx.laptop)
        removed = ctx.daemon.wait_for("device-removed", peer.address(), since, adapter=ctx.laptop)
        btpeer.wait_until(lambda: "link_down" in seen or btpeer.device_properties(path) is None,
                          30, "the link to go down")
        btpeer.wait_until(lambda: btpeer.device_properties(path) is None, 20, "the Device1 to go")
        ctx.daemon.barrier()
    finally:
        seen["done"] = time.monotonic()
        receiver.remove()
    new_kernel_lines = [line for line in kernel_log()[len(dmesg_before):].splitlines()
                        if "uhid" in line or "input:" in line or "hid-generic" in line]
    window_ms = (round((seen["link_down"] - seen["hid_uuid"]) * 1000)
                 if "link_down" in seen and "hid_uuid" in seen else None)
    result = {"dev_uhid_exists": uhid, "hid_uuid_seen": "hid_uuid" in seen,
              "window_ms_uuids_to_link_down": window_ms,
              "input_device_seen": "input_device" in seen,
              "input_device_after_ms": (round((seen["input_device"] - seen["hid_uuid"]) * 1000)
                                        if "input_device" in seen and "hid_uuid" in seen else None),
              "kernel_lines": new_kernel_lines,
              "hid_uuid_at": seen.get("hid_uuid_wall"),
              "suspected_spoof_at": spoof["@timestamp"], "removed_at": removed["@timestamp"]}
    with open(os.path.join(ctx.logs, "shapeshifter-window.json"), "a") as f:
        f.write(json.dumps(result) + "\n")
    ctx.say("measured: %s" % json.dumps(result))

    expect("0x1812" in spoof["event"]["reason"] and "claimed to be a FIDO" in spoof["event"]["reason"],
           "suspected-spoof says: %s" % spoof["event"]["reason"])
    expect(removed["event"]["outcome"] == "success" and "Blocked and removed" in removed["message"],
           "device-removed: %s" % removed["message"])
    expect("hid_uuid" in seen, "the laptop never reported the HID service")
    expect(not seen.get("input_device"), "an input device was created: %s" % new_kernel_lines)
    with open(state_file) as f:
        remembered = json.load(f)
    expect([s["address"] for s in remembered["spoofs"]] == [peer.address()],
           "suspected-spoofs.json holds %s" % remembered)

    # Seen again (it still advertises 0xFFFD): blocked on sight, and a pairing fails.
    since = ctx.daemon.mark()
    path = ctx.seen_by(ctx.laptop, peer, uuid=FIDO)
    blocked = ctx.daemon.wait_for("device-blocked", peer.address(), since, adapter=ctx.laptop)
    expect(blocked["event"]["outcome"] == "success" and blocked["rule"]["id"] == "suspected-spoof",
           "device-blocked: %s" % blocked["message"])
    btpeer.wait_until(lambda: bool((btpeer.device_properties(path) or {}).get("Blocked")), 20,
                      "Blocked = true on the device")
    ok, error = user.pair(path)
    expect(not ok, "a remembered spoof paired again")
