"""Group "measure" (on demand only; not part of the e2e tier): over LE, which pairings a device
starts towards the laptop reach a default agent that can refuse them, for each IO capability
that default agent could register with (issue 10 item 7; docs/security.md, "BR/EDR
(classic): what the gate is asked", has the classic half).

The laptop (hci0) advertises as btpeer's "laptop" role; the device (hci1) discovers it and
calls Pair() through its own agent of one capability. In front of btfenced a test agent of
another capability is the laptop's default agent and refuses everything: what it is asked,
and whether a bond was made anyway, is recorded per pair of capabilities. btfenced, behind
it, removes any bond the policy denies, and the next pairing waits for that. Run in the
default VM, whose controllers are LE-only, so that no pairing can go over BR/EDR (the earlier
attempt with dual-mode controllers paired over BR/EDR instead; docs/security.md).

Prints "measure:" lines and keeps them in $E2E_OUT/le-capability.txt. Asserts only that no
bond is left on the laptop after each pairing."""
import os

import btpeer
from framework import forget_all_devices, scenario

LOCAL = ["NoInputNoOutput", "DisplayYesNo", "KeyboardOnly", "KeyboardDisplay"]
REMOTE = ["NoInputNoOutput", "DisplayYesNo", "KeyboardOnly", "DisplayOnly", "KeyboardDisplay"]
RESULTS = os.path.join(os.environ.get("E2E_OUT", "/tmp"), "le-capability.txt")


def record(line):
    print("    measure: " + line, flush=True)
    with open(RESULTS, "a") as handle:
        handle.write(line + "\n")


def one_pairing(ctx, gate, remote):
    """The device (its own agent, `remote`) pairs with the advertising laptop. Returns what the
    gate was asked, whether the laptop held a bond, and Pair()'s error."""
    laptop_side = btpeer.device_path(ctx.laptop, ctx.address(ctx.peer))
    advert = btpeer.Peer("laptop", ctx.laptop, ctx.bus)
    person = ctx.agent(remote)
    try:
        # Discovered only once the advert is up: one bluetoothd serves both controllers and a
        # Pair() issued before it would wait behind it (docs/bluez-facts.md, fact 16a).
        path_on_peer = ctx.seen_by(ctx.peer, advert)
        ok, error = person.pair(path_on_peer)
        bonded = ok or btpeer.bonded(laptop_side, ctx.bus)
        asked = gate.methods()
        gate.calls.clear()
        btpeer.wait_until(lambda: not btpeer.bonded(laptop_side, ctx.bus), 30,
                          "the laptop to hold no bond with the %s device" % remote)
        return asked, bonded, error
    finally:
        ctx.drop_agent(person)
        advert.stop()
        forget_all_devices(ctx.bus)


@scenario("measure")
def which_le_pairings_a_refusing_default_agent_is_asked_about_per_capability(ctx):
    """A refusing default agent of each capability: which LE pairings started by the device reach it, and which bond anyway."""
    unrefusable = {}
    for local in LOCAL:
        gate = ctx.agent(local, reject=True, default=True)
        unrefusable[local] = []
        for remote in REMOTE:
            asked, bonded, error = one_pairing(ctx, gate, remote)
            record("LE, default agent %-15s device %-15s: asked %s; %s" % (
                local, remote, asked or "nothing", "BONDED" if bonded else "refused (%s)" % error))
            if bonded:
                unrefusable[local].append(remote)
        ctx.drop_agent(gate)
    record("LE, bonded although the default agent refuses everything: %s" % unrefusable)
