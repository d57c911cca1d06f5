"""Group "verification": btfenced's layer 3 (docs/verification.md) against the real bluetoothd. After a
fido-ble device bonds, btfenced runs the real btfence-probe, which asks the device for CTAP
authenticatorGetInfo over its FIDO GATT service; the device must answer as a passkey-capable
FIDO2 authenticator to keep its bond, and its AAGUID can then be matched by rules.

The key on the peer's adapter is tests/fido-authenticator/virtual_authenticator.py, a real
GATT server behind bluetoothd, in the mode under test. The laptop's user pairs it with their
own agent (Just Works), as in the btfenced group. Each scenario asserts on BlueZ's state
(Device1.Paired, the object existing) and on btfenced's audit events."""
import json
import os
import signal
import subprocess

import btpeer
from btfenced import peer_side_rule
from btpeer import FIDO
from framework import expect, group_policy, scenario

AUTHENTICATOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                             "fido-authenticator", "virtual_authenticator.py")
PYTHON = "/usr/bin/python3"

# AAGUIDs of the virtual keys: one the policy accepts, one it names as a withdrawn model.
GOOD_AAGUID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
RECALLED_AAGUID = "5e1ec7ed-0bad-4bad-8bad-00000000c0de"

# btfenced starts the probe as soon as the key is bonded and connected, so the probe's budget
# also covers waiting for bluetoothd's GATT discovery: about 3 s of the budget in this VM (TCG),
# plus 1-3 s for the CTAP conversation. 10 s leaves room for a loaded host; a silent key uses
# all of it.
PROBE_TIMEOUT_MS = 10000
# From the start of the pairing to the verdict: pairing, the probe (and btfenced's kill margin).
VERDICT_TIMEOUT = 60


@group_policy("verification")
def verification_policy(laptop):
    """Verification on; verified keys stay unless their AAGUID names a withdrawn model; a FIDO
    key may pair (so that it can be probed) before it is verified."""
    return """[policy]
version = 1
mode = "enforce"
default = "deny"
existing_bonds = "enforce"
adapters = []

[fido]
verify = true
probe_timeout_ms = %d
spoof_block = "0"   # every peer plays with hci1's one address: remembering one spoils the next

[bluez]
service_allowlist = "auto"

%s
[[rule]]
id = "recalled-key-model"
verdict = "deny"
aaguid = ["%s"]
reason = "e2e: a key model the organisation withdrew"

[[rule]]
id = "verified-keys"
verdict = "allow"
class = ["fido-ble"]
verified = true
reason = "passkey-capable FIDO2 keys"

[[rule]]
id = "keys-until-verified"
verdict = "allow"
class = ["fido-ble"]
verified = false
reason = "a FIDO key may pair so that btfenced can probe it"
""" % (PROBE_TIMEOUT_MS, peer_side_rule(), RECALLED_AAGUID)


class KeyFailed(Exception):
    pass


class VirtualKey:
    """virtual_authenticator.py on the peer's adapter, as a child process, in one mode. Quacks
    like a btpeer.Peer for discover() (role, bus, address(), advertise()) and for the
    runner's cleanup (stop()). Its JSON event lines go to a log file next to the others."""

    _count = 0

    def __init__(self, ctx, mode, *options, name="Virtual-Key"):
        VirtualKey._count += 1
        self.role = btpeer.Role("virtual-key-" + mode, name, advertised=[FIDO])
        self.adapter = ctx.peer
        self.bus = ctx.bus
        self.log_path = os.path.join(ctx.logs, "virtual-key-%02d-%s.log" % (VirtualKey._count, mode))
        self.events = []
        self._offset = 0
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [PYTHON, AUTHENTICATOR, "--adapter", self.adapter, "--mode", mode, "--name", name,
                 "--no-advertise"] + list(options),
                stdout=log, stderr=subprocess.STDOUT)
        ctx.track_peer(self)
        # SIGUSR1 (advertise) is only safe once its handler is installed, which is before the
        # GATT application is registered.
        self.wait_event("registered", 20)

    def _read(self):
        with open(self.log_path, "rb") as f:
            f.seek(self._offset)
            data = f.read()
        complete = data[:data.rfind(b"\n") + 1]
        self._offset += len(complete)
        for line in complete.decode(errors="replace").splitlines():
            if line.startswith("{"):
                self.events.append(json.loads(line))
        return self.events

    def count(self, event):
        return sum(1 for e in self._read() if e.get("event") == event)

    def wait_event(self, event, timeout, after=0):
        def seen():
            if self.count(event) > after:
                return True
            failure = [e for e in self.events if e.get("event") in ("failed", "advertise-failed")]
            if failure:
                raise KeyFailed("the virtual key failed: %s (see %s)" % (failure[-1], self.log_path))
            if self.process.poll() is not None:
                raise KeyFailed("the virtual key exited with status %d (see %s)"
                                % (self.process.returncode, self.log_path))
            return False
        btpeer.wait_until(seen, timeout, "the virtual key's %s event" % event)

    def address(self):
        return str(btpeer.adapter_property(self.adapter, "Address", self.bus))

    def advertise(self):
        before = self.count("advertising")
        self.process.send_signal(signal.SIGUSR1)
        self.wait_event("advertising", 10, after=before)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                btpeer.wait_until(lambda: self.process.poll() is not None, 15, "the virtual key to exit")
            except btpeer.TimedOut:
                self.process.kill()
                self.process.wait()


def paired(path):
    props = btpeer.device_properties(path)
    return props is not None and bool(props.get("Paired", False))


def resolved_with(path, uuid):
    props = btpeer.device_properties(path)
    return props is not None and bool(props.get("ServicesResolved", False)) and uuid in btpeer.uuids_of(props)


def found_and_paired(ctx, key, wait_for_reply):
    """The laptop discovers the key and the user pairs it with their own agent (Just Works).
    Returns (device path, mark before the pairing, the pairing's result)."""
    path = ctx.seen_by(ctx.laptop, key, uuid=FIDO)
    ctx.say("the laptop sees %s advertising 0xFFFD; the user pairs it (Just Works)" % key.role.title)
    since = ctx.daemon.mark()
    user = ctx.agent("NoInputNoOutput")
    if wait_for_reply:
        ok, error = user.pair(path)
        expect(ok, "Pair() failed: %s" % error)
        return path, since, {"ok": True}
    # Not waited for: bluetoothd 5.66 holds Pair()'s reply until the services are resolved,
    # and drops it without replying when btfenced removes the device before that.
    return path, since, user.start_pairing(path)


def expect_verified_and_kept(ctx, key, aaguid):
    path, since, _ = found_and_paired(ctx, key, wait_for_reply=True)
    address = key.address()
    passed = ctx.daemon.wait_for("verification-passed", address, since, timeout=VERDICT_TIMEOUT,
                                 adapter=ctx.laptop)
    device = passed["btfence"]["device"]
    expect(device.get("aaguid") == aaguid, "the event's AAGUID is %s, not %s" % (device.get("aaguid"), aaguid))
    expect(passed["event"]["outcome"] == "success", "outcome %s" % passed["event"]["outcome"])
    expect("FIDO_2_0" in passed["event"]["reason"] and "rk" in passed["event"]["reason"]
           and aaguid in passed["event"]["reason"], "the reason: %s" % passed["event"]["reason"])
    # The probe asked getInfo over the bonded link (libfido2 asks twice: open, then info).
    requests = [e for e in key._read() if e.get("event") == "request" and e.get("command") == 4]
    expect(len(requests) >= 1, "the key was never asked authenticatorGetInfo")
    return path, since, passed


def expect_failed_and_removed(ctx, key, reason_part):
    path, since, _ = found_and_paired(ctx, key, wait_for_reply=False)
    address = key.address()
    failed = ctx.daemon.wait_for("verification-failed", address, since, timeout=VERDICT_TIMEOUT,
                                 adapter=ctx.laptop)
    reason = failed["event"]["reason"]
    expect(reason_part in reason, "verification-failed says %r, not %r" % (reason, reason_part))
    expect(failed["btfence"]["verdict"] == "deny" and failed["rule"]["id"] == "verification-failed",
           "verification-failed with verdict %s by rule %s" % (failed["btfence"]["verdict"], failed["rule"]["id"]))
    expect("spoof" in failed["message"].lower(), "the message does not call it a suspected spoof: %s"
           % failed["message"])
    removed = ctx.daemon.wait_for("device-removed", address, since, adapter=ctx.laptop)
    expect(removed["event"]["outcome"] == "success", "RemoveDevice failed: %s" % removed["event"]["reason"])
    expect(removed["rule"]["id"] == "verification-failed", "removed by rule %s" % removed["rule"]["id"])
    expect(reason_part in removed["event"]["reason"], "device-removed's reason: %s" % removed["event"]["reason"])
    btpeer.wait_until(lambda: btpeer.holds_no_bond(path), 20,
                      "the laptop to hold no bond with the key")
    passed = ctx.daemon.find("verification-passed", address, since)
    expect(passed is None, "verification-passed as well: %s" % (passed and passed["message"]))
    ctx.say("BlueZ: the device's Device1, and its bond, are gone from the laptop (%s)" % reason)
    return failed


@scenario("verification")
def a_ctap2_key_with_resident_keys_passes_the_probe_and_keeps_its_bond(ctx):
    """A virtual CTAP2 key with rk: verification-passed with its AAGUID; still Paired, never removed."""
    key = VirtualKey(ctx, "ctap2-rk", "--aaguid", GOOD_AAGUID)
    path, since, passed = expect_verified_and_kept(ctx, key, GOOD_AAGUID)
    expect(passed["btfence"]["verdict"] == "allow" and passed["rule"]["id"] == "verified-keys",
           "verification-passed with verdict %s by rule %s" % (passed["btfence"]["verdict"], passed["rule"]["id"]))
    kept = ctx.daemon.find("bond-kept", key.address(), since, adapter=ctx.laptop)
    expect(kept is not None and kept["rule"]["id"] == "keys-until-verified",
           "no bond-kept by keys-until-verified before the probe: %s" % (kept and kept["rule"]["id"]))
    btpeer.wait_until(lambda: resolved_with(path, FIDO), 30, "the key's GATT services to resolve")
    ctx.daemon.barrier()
    expect(paired(path), "the key is no longer Paired")
    removed = ctx.daemon.find("device-removed", key.address(), since)
    expect(removed is None, "btfenced removed the key: %s" % (removed and removed["message"]))
    ctx.say("BlueZ: the key is Paired and stays; its AAGUID %s is in the audit event" % GOOD_AAGUID)


@scenario("verification")
def a_u2f_only_key_is_removed_because_it_does_not_offer_fido2(ctx):
    """A U2F-only key (revisions U2F 1.1 + 1.2, no FIDO2): verification-failed says so; removed."""
    key = VirtualKey(ctx, "u2f-only", "--revision", "0xc0")
    expect_failed_and_removed(ctx, key, "does not offer FIDO2 over BLE (fidoServiceRevisionBitfield 0xc0")


@scenario("verification")
def a_key_whose_get_info_lists_only_u2f_is_removed(ctx):
    """A key that offers FIDO2 but whose getInfo says versions [U2F_V2]: not CTAP2; removed."""
    key = VirtualKey(ctx, "u2f-only", "--u2f-answer", "versions")
    expect_failed_and_removed(ctx, key, "no CTAP2 version in authenticatorGetInfo (versions: U2F_V2)")


@scenario("verification")
def a_ctap2_key_without_resident_keys_is_removed(ctx):
    """CTAP2 with rk=false cannot hold passkeys: verification-failed (rk=false); removed."""
    key = VirtualKey(ctx, "ctap2-no-rk", "--aaguid", GOOD_AAGUID)
    failed = expect_failed_and_removed(ctx, key, "reports rk=false")
    expect(failed["btfence"]["device"].get("aaguid") == GOOD_AAGUID,
           "the AAGUID it reported is not in the event: %s" % failed["btfence"]["device"].get("aaguid"))


@scenario("verification")
def a_liar_answering_with_garbage_frames_is_removed(ctx):
    """It advertises 0xFFFD and serves the FIDO service, but answers out of sequence: malformed; removed."""
    key = VirtualKey(ctx, "garbage", "--garbage-kind", "bad-sequence")
    expect_failed_and_removed(ctx, key, "malformed BLE frame from the authenticator (BadSequence")


@scenario("verification")
def a_liar_that_never_answers_is_removed_at_the_probe_deadline(ctx):
    """It advertises 0xFFFD and takes every request, answering nothing: timed out, cancelled; removed."""
    key = VirtualKey(ctx, "silent")
    failed = expect_failed_and_removed(ctx, key, "no answer to authenticatorGetInfo within")
    expect("deadline reached" in failed["event"]["reason"], "the reason: %s" % failed["event"]["reason"])
    # The probe's CANCEL frame reached the key before btfenced removed it.
    expect(key.count("cancel") >= 1, "the key never received a CANCEL frame (see %s)" % key.log_path)


@scenario("verification")
def an_aaguid_deny_rule_removes_a_key_that_passes_the_probe(ctx):
    """A genuine-looking CTAP2 key whose AAGUID a deny rule names: verification-passed, then removed by that rule."""
    key = VirtualKey(ctx, "ctap2-rk", "--aaguid", RECALLED_AAGUID)
    path, since, _ = found_and_paired(ctx, key, wait_for_reply=False)
    address = key.address()
    passed = ctx.daemon.wait_for("verification-passed", address, since, timeout=VERDICT_TIMEOUT,
                                 adapter=ctx.laptop)
    expect(passed["btfence"]["device"].get("aaguid") == RECALLED_AAGUID,
           "the event's AAGUID is %s" % passed["btfence"]["device"].get("aaguid"))
    expect(passed["btfence"]["verdict"] == "deny" and passed["rule"]["id"] == "recalled-key-model",
           "verification-passed with verdict %s by rule %s" % (passed["btfence"]["verdict"], passed["rule"]["id"]))
    removed = ctx.daemon.wait_for("device-removed", address, since, adapter=ctx.laptop)
    expect(removed["event"]["outcome"] == "success", "RemoveDevice failed: %s" % removed["event"]["reason"])
    expect(removed["rule"]["id"] == "recalled-key-model", "removed by rule %s" % removed["rule"]["id"])
    expect(removed["btfence"]["device"].get("aaguid") == RECALLED_AAGUID,
           "device-removed does not carry the AAGUID: %s" % removed["btfence"]["device"])
    btpeer.wait_until(lambda: btpeer.holds_no_bond(path), 20,
                      "the laptop to hold no bond with the key")
    ctx.say("BlueZ: the withdrawn model's bond is gone, although it speaks CTAP2 with rk")
