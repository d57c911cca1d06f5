"""Group "classic": BR/EDR (classic Bluetooth), with dual-mode controllers (run-vm.sh -B).

btfenced manages the laptop's adapter and is bluetoothd's default agent with IO capability
KeyboardOnly. A classic device on the peer's adapter starts a pairing towards the laptop
with each IO capability the kernel's Secure Simple Pairing treats differently, the legacy PIN
pairing of a controller without SSP, and an unbonded HID connection (the CVE-2023-45866
shape). Each scenario records what the laptop side asked btfenced (its audit events carry the
Agent1 method as trigger), whether a bond was made, and asserts that btfenced was asked, refused,
and that no denied classic bond exists afterwards. `only_an_agent_with_input_or_output...` puts
test agents of each capability in front of btfenced to show why btfenced's capability is
KeyboardOnly (docs/security.md, "BR/EDR").
"""
import os
import re
import socket
import subprocess

import dbus

import btpeer
from btfenced import policy
from framework import expect, group_policy, scenario

SSP_CAPABILITIES = ["NoInputNoOutput", "DisplayYesNo", "KeyboardOnly", "DisplayOnly"]
# What a KeyboardOnly acceptor asks its agent, per initiator capability, as measured on btvirt
# (docs/security.md): Just Works is confirmed by RequestAuthorization; every other SSP pairing
# by RequestConfirmation (btvirt answers with numeric comparison where a real controller with a
# KeyboardOnly initiator would use passkey entry, RequestPasskey, which btfenced refuses too).
GATE_ASKED = {"NoInputNoOutput": "RequestAuthorization", "DisplayYesNo": "RequestConfirmation",
              "KeyboardOnly": "RequestConfirmation", "DisplayOnly": "RequestConfirmation"}
HID_CONTROL_PSM = 0x11
HID_INTERRUPT_PSM = 0x13
RESULTS = os.path.join(os.environ.get("E2E_OUT", "/tmp"), "classic-results.txt")


@group_policy("classic")
def classic_policy(laptop):
    return policy(laptop)


def record(line):
    """What the scenarios found, for docs/security.md: printed and kept in out/."""
    print("    | " + line, flush=True)
    with open(RESULTS, "a") as handle:
        handle.write(line + "\n")


def adapter_props(bus, adapter):
    return dbus.Interface(bus.get_object("org.bluez", btpeer.adapter_path(adapter)),
                          "org.freedesktop.DBus.Properties")


def classic_discover(ctx, scanner, target, timeout=45):
    """The target adapter discoverable (inquiry scan), the scanner inquiring (Transport bredr)
    until it has a Device1 for the target's address; returns that path."""
    adapter_props(ctx.bus, target).Set("org.bluez.Adapter1", "Discoverable", dbus.Boolean(True))
    path = btpeer.device_path(scanner, ctx.address(target))
    adapter = dbus.Interface(ctx.bus.get_object("org.bluez", btpeer.adapter_path(scanner)),
                             "org.bluez.Adapter1")
    adapter.SetDiscoveryFilter(dbus.Dictionary({"Transport": "bredr"}, signature="sv"))
    btpeer.call(adapter.StartDiscovery)
    try:
        btpeer.wait_until(lambda: btpeer.device_properties(path, ctx.bus) is not None, timeout,
                          "%s to find %s by inquiry" % (scanner, target))
    finally:
        btpeer.call(adapter.StopDiscovery)
    return path


def laptop_bond(ctx, peer_address):
    return btpeer.bonded(btpeer.device_path(ctx.laptop, peer_address), ctx.bus)


def asked(ctx, address, since):
    """The Agent1 methods btfenced answered for this device on the laptop, with its answer."""
    out = []
    for event in ctx.daemon.events[since:]:
        device = event.get("btfence", {}).get("device", {})
        if device.get("address") == address and event["event"]["action"] in (
                "pairing-allowed", "pairing-denied", "service-authorized", "service-denied"):
            out.append("%s->%s" % (event["btfence"].get("trigger"), event["event"]["action"]))
    return out


def classic_pairing(ctx, capability, expect_asked=None):
    """The peer's device (its own agent, `capability`) pairs with the laptop. Returns what
    happened; asserts that no bond is left on the laptop afterwards."""
    peer_address = ctx.address(ctx.peer)
    path = classic_discover(ctx, ctx.peer, ctx.laptop)
    since = ctx.daemon.mark()
    person = ctx.agent(capability)
    ok, error = person.pair(path, timeout=60)
    if expect_asked:
        # btfenced writes its audit event after its reply, which Pair()'s failure can beat.
        ctx.daemon.wait_for(expect_asked[-1].split("->")[1], peer_address, since)
    # A bond the kernel made without asking anyone shows as Paired on the laptop, and
    # btfenced removes it (device-removed).
    removed = ctx.daemon.find("device-removed", peer_address, since)
    if ok or laptop_bond(ctx, peer_address):
        removed = removed or ctx.daemon.wait_for("device-removed", peer_address, since, timeout=30)
    btpeer.wait_until(lambda: not laptop_bond(ctx, peer_address), 30,
                      "the laptop to hold no bond with the %s device" % capability)
    questions = asked(ctx, peer_address, since)
    record("classic pairing from a %-15s device: Pair() %s; btfenced asked %s; the peer's agent "
           "saw %s; %s" % (capability, "succeeded" if ok else "failed (%s)" % error,
                           questions or "nothing", person.methods() or "nothing",
                           "bond removed by btfenced (%s)" % removed["rule"]["id"] if removed
                           else "no bond was made"))
    ctx.drop_agent(person)
    btpeer.call(dbus.Interface(ctx.bus.get_object("org.bluez", btpeer.adapter_path(ctx.peer)),
                               "org.bluez.Adapter1").RemoveDevice, dbus.ObjectPath(path))
    if expect_asked is not None:
        expect(questions == expect_asked, "btfenced was asked %s, expected %s" % (questions, expect_asked))
    return ok, questions, removed


def refused_at_the_gate(ctx, capability):
    """A denied classic device of this capability pairs: btfenced is asked, refuses, no bond."""
    ok, questions, removed = classic_pairing(
        ctx, capability, expect_asked=["%s->pairing-denied" % GATE_ASKED[capability]])
    expect(not ok, "the %s device's Pair() succeeded" % capability)
    expect(removed is None, "a bond was made (and removed: %s)" % removed)


@scenario("classic")
def a_classic_pairing_from_a_device_without_input_or_output_is_refused_at_the_gate(ctx):
    """NoInputNoOutput initiator (SSP Just Works): btfenced is asked (RequestAuthorization), refuses, no bond."""
    refused_at_the_gate(ctx, "NoInputNoOutput")


@scenario("classic")
def a_classic_pairing_with_numeric_comparison_is_refused_at_the_gate(ctx):
    """DisplayYesNo initiator (numeric comparison): btfenced is asked, refuses, no bond."""
    refused_at_the_gate(ctx, "DisplayYesNo")


@scenario("classic")
def a_classic_pairing_from_a_keyboard_is_refused_at_the_gate(ctx):
    """KeyboardOnly initiator: btfenced is asked, refuses, no bond."""
    refused_at_the_gate(ctx, "KeyboardOnly")


@scenario("classic")
def a_classic_pairing_from_a_display_only_device_is_refused_at_the_gate(ctx):
    """DisplayOnly initiator: btfenced is asked, refuses, no bond."""
    refused_at_the_gate(ctx, "DisplayOnly")


def set_ssp(adapter, on):
    """Secure Simple Pairing mode of the controller (off: legacy PIN pairing), written over HCI
    (hciconfig): mgmt cannot turn SSP off on a powered controller."""
    run = subprocess.run(["hciconfig", adapter, "sspmode", "1" if on else "0"], capture_output=True,
                         text=True, timeout=20)
    shown = subprocess.run(["hciconfig", adapter, "sspmode"], capture_output=True, text=True, timeout=20)
    return "exit %d, %s" % (run.returncode, " ".join((shown.stdout + run.stderr).split()))


@scenario("classic")
def a_legacy_pin_pairing_is_refused_by_the_gate(ctx):
    """The peer's controller without SSP: legacy PIN pairing asks btfenced for a PIN, which it refuses."""
    record("hciconfig %s sspmode 0: %s" % (ctx.peer, set_ssp(ctx.peer, False)))
    try:
        ok, questions, removed = classic_pairing(ctx, "KeyboardDisplay")
        expect(not ok, "a legacy pairing succeeded")
        expect(any(q.startswith("RequestPinCode") for q in questions),
               "btfenced was not asked for a PIN: %s" % questions)
    finally:
        record("hciconfig %s sspmode 1: %s" % (ctx.peer, set_ssp(ctx.peer, True)))


def input_devices():
    with open("/proc/bus/input/devices") as handle:
        return [block for block in handle.read().split("\n\n") if block.strip()]


@scenario("classic")
def an_unbonded_classic_hid_connection_gets_no_input_device(ctx):
    """The CVE-2023-45866 shape: L2CAP to HID control and interrupt without pairing: no input device."""
    peer_address, laptop_address = ctx.address(ctx.peer), ctx.address(ctx.laptop)
    classic_discover(ctx, ctx.peer, ctx.laptop)  # a baseband connection needs the laptop connectable
    before = input_devices()
    since = ctx.daemon.mark()
    results = []
    sockets = []
    for psm in (HID_CONTROL_PSM, HID_INTERRUPT_PSM):
        sock = socket.socket(socket.AF_BLUETOOTH, socket.SOCK_SEQPACKET, socket.BTPROTO_L2CAP)
        sock.settimeout(20)
        sock.bind((peer_address, 0))
        try:
            sock.connect((laptop_address, psm))
            results.append("PSM 0x%02x connected" % psm)
            try:
                # A boot keyboard's input report: 'a' pressed.
                sock.send(bytes([0xA1, 0x01, 0, 0, 0x04, 0, 0, 0, 0, 0]))
            except OSError as error:
                results.append("send: %s" % error)
        except OSError as error:
            results.append("PSM 0x%02x: %s" % (psm, os.strerror(error.errno) if error.errno else error))
        sockets.append(sock)
    ctx.daemon.barrier()
    after = input_devices()
    bonded = laptop_bond(ctx, peer_address)
    for sock in sockets:
        sock.close()
    # The laptop's HID sockets ask for an encrypted link: connecting to them starts an SSP
    # pairing. With btfenced's KeyboardOnly it is asked (and refuses); with NoInputNoOutput the
    # kernel accepted it by itself. Any bond made is denied and removed like any other.
    removed = ctx.daemon.find("device-removed", peer_address, since)
    if bonded:
        removed = removed or ctx.daemon.wait_for("device-removed", peer_address, since, timeout=30)
    btpeer.wait_until(lambda: not laptop_bond(ctx, peer_address), 30,
                      "the laptop to hold no bond with the HID device")
    record("unbonded classic HID connection: %s; a bond was %s; btfenced asked %s; %s; input "
           "devices %d -> %d" % ("; ".join(results), "made" if bonded else "not made",
                                 asked(ctx, peer_address, since) or "nothing",
                                 "bond removed by btfenced (%s)" % removed["rule"]["id"] if removed
                                 else "nothing removed", len(before), len(after)))
    expect(len(after) == len(before), "an input device appeared: %s" % after[len(before):])


def remove_peer_side(ctx, path):
    btpeer.call(dbus.Interface(ctx.bus.get_object("org.bluez", btpeer.adapter_path(ctx.peer)),
                               "org.bluez.Adapter1").RemoveDevice, dbus.ObjectPath(path))


@scenario("classic")
def only_an_agent_with_input_or_output_is_asked_about_classic_pairings(ctx):
    """A refusing test agent of each capability as the default agent: which classic pairings it is asked about, and which bond anyway."""
    peer_address = ctx.address(ctx.peer)
    unrefusable = {}
    for local in ("NoInputNoOutput", "DisplayYesNo", "KeyboardOnly"):
        gate = ctx.agent(local, reject=True, default=True)
        unrefusable[local] = []
        for remote in SSP_CAPABILITIES:
            path = classic_discover(ctx, ctx.peer, ctx.laptop)
            person = ctx.agent(remote)
            ok, error = person.pair(path, timeout=60)
            bonded = ok or laptop_bond(ctx, peer_address)
            questions = gate.methods()
            gate.calls.clear()
            record("local %-15s remote %-15s: asked %s; %s" % (
                local, remote, questions or "nothing",
                "bonded" if bonded else "refused (%s)" % error))
            if bonded:
                unrefusable[local].append(remote)
            ctx.drop_agent(person)
            # btfenced (behind the test agent) removes a bond the policy denies; wait for it.
            btpeer.wait_until(lambda: not laptop_bond(ctx, peer_address), 30,
                              "the laptop to hold no bond with the %s device" % remote)
            remove_peer_side(ctx, path)
        ctx.drop_agent(gate)
    record("bonded although the default agent refuses everything: %s" % unrefusable)
    # As acceptor with local capability NoInputNoOutput the kernel confirms every SSP pairing
    # itself (hci_event.c, user confirmation request: no MITM possible, auto-accept); with a
    # capability that has input or output it asks user space, and the agent can refuse.
    expect(unrefusable["NoInputNoOutput"] == SSP_CAPABILITIES,
           "with a NoInputNoOutput default agent the kernel asked: %s" % unrefusable)
    for local in ("DisplayYesNo", "KeyboardOnly"):
        expect(unrefusable[local] == [], "with a %s default agent %s bonded unasked"
               % (local, unrefusable[local]))
