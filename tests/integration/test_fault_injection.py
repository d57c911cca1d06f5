"""Convergence under a faulty bluetoothd: calls that fail, answer late or never, interfaces
that come and go mid-operation. Once each fault clears, every denied bond is gone and every
allowed one kept (docs/architecture.md, "Calls on bluetoothd"; the fake's InjectFault)."""

import unittest

from harness import ACCEPTED, FIDO_RULE, REJECTED, IntegrationTest, make_policy

KEYBOARD = "AA:BB:CC:DD:EE:01"
KEY = "C0:FF:EE:00:00:01"
KEYBOARD_RULE = {"id": "keyboards", "verdict": "allow", "class": ["other"],
                 "address": [KEYBOARD], "reason": "INC-1234"}
FIDO_SERVICE = "0000fffd-0000-1000-8000-00805f9b34fb"
ADMIN_STATUS = "org.bluez.AdminPolicyStatus1"

# A short call timeout and backoff, so that a dropped call and its retries take seconds.
FAST = ("--bluez-call-timeout-ms", "1500", "--retry-first-ms", "200", "--retry-max-ms", "1000")
SLOW = 30.0  # deadline for what needs a timeout or a few retries on a loaded machine


class ARemovalAgainstAFaultyBluetoothd(IntegrationTest):
    DAEMON_ARGS = FAST

    def test_remove_device_failing_twice_is_retried_until_the_bond_is_gone(self):
        keyboard = self.add_keyboard(KEYBOARD)
        self.fake.inject_fault("RemoveDevice", "error", path=self.adapters["hci0"], count=2,
                               name="org.bluez.Error.Failed", message="busy")
        since = self.fake.last_seq()
        self.fake.bypass_pair(keyboard)
        self.wait_for_call("RemoveDevice", args=[keyboard], since=since, result="ok",
                           timeout=SLOW)
        self.assertFalse(self.fake.object_exists(keyboard))
        tries = self.fake.find_calls("RemoveDevice", args=[keyboard], since=since)
        self.assertEqual([c["result"] for c in tries],
                         ["org.bluez.Error.Failed", "org.bluez.Error.Failed", "ok"],
                         "retried without the device changing again")
        failed = self.wait_for_audit("device-removed", btfence__device__address=KEYBOARD,
                                     event__outcome="failure")
        self.assertIn("retrying", failed["event"]["reason"])
        done = self.wait_for_audit("device-removed", btfence__device__address=KEYBOARD,
                                   event__outcome="success")
        self.assertIn("after 2 failed attempt(s)", done["event"]["reason"])

    def test_a_disconnect_never_answered_still_ends_in_remove_device(self):
        keyboard = self.add_keyboard(KEYBOARD)
        self.fake.inject_fault("Disconnect", "drop", path=keyboard)
        since = self.fake.last_seq()
        self.fake.bypass_pair(keyboard)  # Connected, then Paired
        dropped = self.wait_for_call("Disconnect", path=keyboard, since=since)
        self.assertEqual(dropped["result"], "fault:dropped")
        self.wait_for_call("RemoveDevice", args=[keyboard], since=since, result="ok",
                           timeout=SLOW)
        self.assertFalse(self.fake.object_exists(keyboard))
        self.wait_for_audit("device-removed", btfence__device__address=KEYBOARD,
                            event__outcome="success")

    def test_a_disconnect_answered_after_the_timeout_still_ends_in_remove_device(self):
        keyboard = self.add_keyboard(KEYBOARD)
        self.fake.inject_fault("Disconnect", "delay", path=keyboard, seconds=4.0)
        since = self.fake.last_seq()
        self.fake.bypass_pair(keyboard)
        self.wait_for_call("RemoveDevice", args=[keyboard], since=since, result="ok",
                           timeout=SLOW)

    def test_a_removal_interrupted_by_a_bluetoothd_restart_is_finished_after_it(self):
        keyboard = self.add_keyboard(KEYBOARD)
        self.fake.inject_fault("RemoveDevice", "error", count=0, name="org.bluez.Error.Failed")
        mark = self.audit.mark()
        self.fake.bypass_pair(keyboard)
        self.wait_for_audit("device-removed", since=mark, btfence__device__address=KEYBOARD,
                            event__outcome="failure")
        self.fake.stop_bluez(release_agents=False)
        self.wait_for_audit("device-removed", since=mark, btfence__device__address=KEYBOARD,
                            event__outcome="unknown")
        self.fake.clear_faults()
        since = self.fake.last_seq()
        self.fake.start_bluez()  # the bond was stored: the keyboard comes back
        self.wait_for_call("RemoveDevice", args=[keyboard], since=since, result="ok",
                           timeout=SLOW)
        self.assertFalse(self.fake.object_exists(keyboard))

    def test_a_fido_key_is_kept_through_the_same_faults(self):
        key = self.add_fido_key(KEY)
        keyboard = self.add_keyboard(KEYBOARD)
        self.fake.inject_fault("RemoveDevice", "error", count=3)
        self.fake.inject_fault("Disconnect", "drop", count=1)
        since = self.fake.last_seq()
        self.fake.bypass_pair(key)
        self.fake.bypass_pair(keyboard)
        self.wait_for_call("RemoveDevice", args=[keyboard], since=since, result="ok",
                           timeout=SLOW)
        self.barrier()
        self.assert_not_removed(key, since=since)


class InterfacesGoingAwayMidCall(IntegrationTest):
    """Replies that arrive after an interface of the same object went away: bluetoothd holds
    the call until the interfaces have gone (a "hold" fault, not a delay: a test slower than a
    fixed delay would remove them after the reply, and test nothing), and btfenced's call
    timeout is far beyond the test's deadlines, so that only a lost reply could make these
    fail."""

    DAEMON_ARGS = ("--bluez-call-timeout-ms", "120000", "--retry-first-ms", "200",
                   "--retry-max-ms", "1000")

    def test_battery_and_media_interfaces_going_away_mid_disconnect_do_not_lose_it(self):
        # bluetoothd drops Battery1 and MediaControl1 when the link goes down, i.e. while
        # btfenced's Disconnect is pending. That must not lose the Disconnect's answer.
        keyboard = self.add_keyboard(KEYBOARD)
        self.fake.add_interface(keyboard, "org.bluez.Battery1", Percentage=80)
        self.fake.add_interface(keyboard, "org.bluez.MediaControl1", Connected=True)
        self.fake.inject_fault("Disconnect", "hold", path=keyboard)
        since = self.fake.last_seq()
        self.fake.bypass_pair(keyboard)
        self.wait_for_call("Disconnect", path=keyboard, since=since, result="fault:held")
        self.fake.remove_interfaces(keyboard, "org.bluez.Battery1", "org.bluez.MediaControl1")
        # The answer leaves org.bluez's connection after InterfacesRemoved: btfenced gets them
        # in that order.
        self.assertEqual(self.fake.release_held("Disconnect"), 1)
        removal = self.wait_for_call("RemoveDevice", args=[keyboard], since=since, result="ok",
                                     timeout=SLOW)
        self.assertEqual(removal["sender"], self.daemon_sender)
        self.wait_for_audit("device-removed", btfence__device__address=KEYBOARD,
                            event__outcome="success")


class WhileBluetoothdsObjectsCannotBeRead(IntegrationTest):
    """Base of the GetManagedObjects faults at start: a bonded keyboard and a FIDO key exist
    before btfenced starts, and GetManagedObjects is faulted (inject_load_fault) until
    cleared. No test of its own."""

    DAEMON_ARGS = FAST

    def prepare(self):
        self.keyboard = self.add_keyboard(KEYBOARD, Paired=True, Bonded=True)
        self.key = self.add_fido_key(KEY)
        self.inject_load_fault()

    def inject_load_fault(self):
        raise NotImplementedError

    def assert_the_gate_refuses_even_an_allowed_key(self):
        mark = self.audit.mark()
        self.assertEqual(self.fake.simulate_pairing(self.key, "justworks"), REJECTED)
        refused = self.wait_for_audit("pairing-denied", since=mark)
        self.assertEqual(refused["rule"]["id"], "bluez-not-loaded")

    def assert_nothing_swept(self, why):
        self.assertEqual(self.fake.find_calls("RemoveDevice"), [], why)
        self.assertTrue(self.fake.object_exists(self.keyboard))

    def assert_the_sweep_follows_once_the_fault_clears(self):
        since = self.fake.last_seq()
        self.fake.clear_faults()
        self.wait_for_audit("bluez-found", event__outcome="success", timeout=SLOW)
        self.assert_removed(self.keyboard, since=since)
        self.assertEqual(self.fake.simulate_pairing(self.key, "justworks"), ACCEPTED)


class AGetManagedObjectsThatFailsAtStart(WhileBluetoothdsObjectsCannotBeRead):
    def inject_load_fault(self):
        # Until cleared: btfenced's start-up GetManagedObjects fails, again and again.
        self.fake.inject_fault("GetManagedObjects", "error", count=0,
                               name="org.freedesktop.DBus.Error.NoReply", message="busy")

    def test_is_not_taken_for_no_devices_the_gate_refuses_meanwhile_and_the_sweep_follows(self):
        failed = self.wait_for_audit("bluez-found", event__outcome="failure")
        self.assertIn("GetManagedObjects", failed["event"]["reason"])
        # Even an allowed key is refused while btfenced cannot see bluetoothd's devices.
        self.assert_the_gate_refuses_even_an_allowed_key()
        self.assert_nothing_swept("swept on a failed answer")
        self.assert_the_sweep_follows_once_the_fault_clears()


class ARemoveDeviceAnsweredLateOrNever(IntegrationTest):
    """RemoveDevice that bluetoothd never answers, or answers after btfenced's call timeout:
    the removal is retried (a timeout is a failure like any other), ends once, and is audited
    with what happened."""

    DAEMON_ARGS = FAST

    def removal_events(self, outcome):
        self.audit.refresh()
        return self.audit.matching("device-removed", btfence__device__address=KEYBOARD,
                                   event__outcome=outcome)

    def test_a_remove_device_never_answered_is_retried_until_the_bond_is_gone(self):
        keyboard = self.add_keyboard(KEYBOARD)
        self.fake.inject_fault("RemoveDevice", "drop", path=self.adapters["hci0"], count=2)
        since = self.fake.last_seq()
        self.fake.bypass_pair(keyboard)
        self.wait_for_call("RemoveDevice", args=[keyboard], since=since, result="ok",
                           timeout=SLOW)
        self.assertFalse(self.fake.object_exists(keyboard))
        tries = self.fake.find_calls("RemoveDevice", args=[keyboard], since=since)
        self.assertEqual([c["result"] for c in tries],
                         ["fault:dropped", "fault:dropped", "ok"])
        failed = self.wait_for_audit("device-removed", btfence__device__address=KEYBOARD,
                                     event__outcome="failure")
        self.assertIn("RemoveDevice failed", failed["event"]["reason"])
        self.assertIn("NoReply", failed["event"]["reason"])
        self.assertIn("retrying", failed["event"]["reason"])
        done = self.wait_for_audit("device-removed", btfence__device__address=KEYBOARD,
                                   event__outcome="success")
        self.assertIn("after 2 failed attempt(s)", done["event"]["reason"])
        self.barrier()
        self.assertEqual(len(self.removal_events("failure")), 1, "first failure audited once")
        self.assertEqual(len(self.removal_events("success")), 1, "the outcome audited once")

    def test_a_remove_device_answered_after_the_timeout_is_retried_and_ends_once(self):
        keyboard = self.add_keyboard(KEYBOARD)
        # Past the 1.5 s call timeout and the retry that follows it: bluetoothd holds the call
        # until the retry has removed the keyboard (a "hold" fault, not a delay: a btfenced
        # stalled for longer than a fixed delay would see the late call take effect first).
        self.fake.inject_fault("RemoveDevice", "hold", path=self.adapters["hci0"], count=1)
        since = self.fake.last_seq()
        self.fake.bypass_pair(keyboard)
        late = self.wait_for_call("RemoveDevice", args=[keyboard], since=since)
        self.assertEqual(late["result"], "fault:held")
        self.wait_for_call("RemoveDevice", args=[keyboard], since=late["seq"], result="ok",
                           timeout=SLOW)
        self.assertFalse(self.fake.object_exists(keyboard))
        # bluetoothd gets to the late call now (the keyboard is gone: it answers an error,
        # long after btfenced stopped waiting).
        self.assertEqual(self.fake.release_held("RemoveDevice"), 1)
        failed = self.wait_for_audit("device-removed", btfence__device__address=KEYBOARD,
                                     event__outcome="failure")
        self.assertIn("NoReply", failed["event"]["reason"])
        done = self.wait_for_audit("device-removed", btfence__device__address=KEYBOARD,
                                   event__outcome="success")
        self.assertIn("after 1 failed attempt(s)", done["event"]["reason"])
        self.barrier()
        self.assertEqual(len(self.removal_events("success")), 1, "the outcome audited once")
        self.assertEqual(len(self.removal_events("failure")), 1, "first failure audited once")

    def test_a_remove_device_that_always_times_out_but_takes_effect_ends_the_removal(self):
        # bluetoothd is slow, not broken: every RemoveDevice times out on btfenced's side, yet
        # the first one removes the device when bluetoothd gets to it.
        keyboard = self.add_keyboard(KEYBOARD)
        self.fake.inject_fault("RemoveDevice", "delay", count=0, seconds=4.0)
        self.fake.bypass_pair(keyboard)
        self.wait(lambda: not self.fake.object_exists(keyboard), SLOW,
                  lambda: "the late RemoveDevice taking effect")
        self.wait_for_audit("device-removed", btfence__device__address=KEYBOARD,
                            event__outcome="success")
        self.barrier()
        self.assertEqual(len(self.removal_events("success")), 1, "the outcome audited once")
        self.assertEqual(self.removal_events("unknown"), [])


class ARemovalWithdrawnWhileRemoveDeviceIsInFlight(IntegrationTest):
    """A reload allows a keyboard whose RemoveDevice bluetoothd already has (it answers late,
    within btfenced's call timeout): the reload cannot call the RemoveDevice back, so when it
    removes the keyboard the audit trail says so, rather than "stopped removing".

    bluetoothd holds the call until the reload has landed (a "hold" fault, not a delay: a
    loaded machine that takes longer to reload than a fixed delay would see the removal
    happen first), and btfenced's call timeout is far beyond the test's deadlines, so that
    the answer always comes within it."""

    DAEMON_ARGS = ("--bluez-call-timeout-ms", "120000", "--retry-first-ms", "200",
                   "--retry-max-ms", "1000")

    def test_the_removal_that_happens_anyway_is_audited_as_a_removal(self):
        keyboard = self.add_keyboard(KEYBOARD)
        self.fake.inject_fault("RemoveDevice", "hold", path=self.adapters["hci0"], count=1)
        since = self.fake.last_seq()
        self.fake.bypass_pair(keyboard)
        self.wait_for_call("RemoveDevice", args=[keyboard], since=since, result="fault:held")
        mark = self.audit.mark()
        sha = self.write_policy(make_policy(rules=[FIDO_RULE, KEYBOARD_RULE]))
        loaded = self.wait_for_audit("policy-loaded", since=mark, btfence__policy__sha256=sha)
        self.barrier()  # the reload's sweep is over: it withdrew the removal, sent nothing
        self.assertTrue(self.fake.object_exists(keyboard), "removed before bluetoothd answered")
        # bluetoothd carries out the RemoveDevice it had: the device goes, then the answer.
        self.assertEqual(self.fake.release_held("RemoveDevice"), 1)
        self.assertFalse(self.fake.object_exists(keyboard))
        self.barrier()
        # The barrier says btfenced has handled everything; its audit writer thread may still
        # be writing the line (audit/background_sink.hpp).
        self.wait_for_audit("device-removed", btfence__device__address=KEYBOARD)
        self.audit.refresh()
        removed = self.audit.matching("device-removed", btfence__device__address=KEYBOARD)
        self.assertEqual([e["event"]["outcome"] for e in removed], ["success"],
                         [e["message"] for e in removed])
        self.assertIn("RemoveDevice had already been sent", removed[0]["event"]["reason"])
        self.assertGreater(self.audit.events.index(removed[0]), self.audit.events.index(loaded))
        self.assertEqual(len(self.fake.find_calls("RemoveDevice", args=[keyboard], since=since)),
                         1, "not sent again once the policy allowed the keyboard")


class AGetManagedObjectsAnsweredLate(WhileBluetoothdsObjectsCannotBeRead):
    """bluetoothd answers GetManagedObjects after btfenced's call timeout, every time until
    the fault clears: as with an error, nothing is swept and the gate refuses meanwhile."""

    def inject_load_fault(self):
        self.fake.inject_fault("GetManagedObjects", "delay", count=0, seconds=4.0)

    def test_is_a_failure_the_gate_refuses_meanwhile_and_the_sweep_follows(self):
        failed = self.wait_for_audit("bluez-found", event__outcome="failure")
        self.assertIn("GetManagedObjects failed", failed["event"]["reason"])
        self.assertIn("NoReply", failed["event"]["reason"])
        self.assert_the_gate_refuses_even_an_allowed_key()
        # Late answers (they keep arriving) are not taken for the objects either.
        self.wait(lambda: len(self.fake.find_calls("GetManagedObjects",
                                                   result="fault:delayed")) >= 3, SLOW,
                  lambda: "three GetManagedObjects tried")
        self.barrier()
        self.assert_nothing_swept("swept on a late answer")
        self.assert_the_sweep_follows_once_the_fault_clears()


class AGetManagedObjectsAnsweredLateAfterARestart(IntegrationTest):
    """bluetoothd restarts and answers GetManagedObjects slowly (within the call timeout);
    meanwhile a keyboard bonds around the agent. Its signals arrive before the answer.

    bluetoothd holds the GetManagedObjects until the keyboard has bonded and the key tried
    (a "hold" fault, not a delay: a test slower than a fixed delay would see the answer
    first, and the key pair), and btfenced's call timeout is far beyond the test's
    deadlines, so that the answer always comes within it."""

    DAEMON_ARGS = ("--bluez-call-timeout-ms", "120000")

    def test_the_bond_made_meanwhile_is_removed(self):
        self.fake.stop_bluez(release_agents=True)
        self.fake.inject_fault("GetManagedObjects", "hold", count=1)
        since = self.fake.last_seq()
        mark = self.audit.mark()
        self.fake.start_bluez()
        self.wait_for_call("GetManagedObjects", since=since, result="fault:held")
        self.wait(lambda: self.fake.object_exists(self.adapters["hci0"]), SLOW,
                  lambda: "the adapter back")
        keyboard = self.add_keyboard(KEYBOARD)
        key = self.add_fido_key(KEY)
        self.fake.bypass_pair(keyboard)
        # Not loaded yet: no agent of btfenced's is registered with this bluetoothd, or it
        # refuses (bluez-not-loaded). Either way the key does not pair.
        self.assertNotEqual(self.fake.simulate_pairing(key, "justworks"), ACCEPTED)
        # The answer leaves org.bluez's connection after the keyboard's signals: btfenced
        # gets them in that order.
        self.assertEqual(self.fake.release_held("GetManagedObjects"), 1)
        self.wait_for_audit("bluez-found", since=mark, event__outcome="success", timeout=SLOW)
        self.assert_removed(keyboard, since=since)
        self.wait_for_audit("device-removed", since=mark, btfence__device__address=KEYBOARD,
                            event__outcome="success")
        self.wait_for_call("RequestDefaultAgent", since=since, result="ok", timeout=SLOW)
        self.assertEqual(self.fake.simulate_pairing(key, "justworks"), ACCEPTED)


class AServiceAllowlistAnsweredLateOrNever(IntegrationTest):
    DAEMON_ARGS = FAST
    ADAPTERS = (("hci0", "00:AA:01:00:00:00", {"admin_policy": True}),)

    def prepare(self):
        # The first call answers after the timeout (and takes effect then), the next two never.
        self.fake.inject_fault("SetServiceAllowList", "delay", count=1, seconds=4.0)
        self.fake.inject_fault("SetServiceAllowList", "drop", count=2)

    def test_is_retried_until_bluetoothd_has_the_list(self):
        hci0 = self.adapters["hci0"]
        applied = self.wait_for_call("SetServiceAllowList", path=hci0, result="ok",
                                     timeout=SLOW)
        self.assertIn(FIDO_SERVICE, applied["args"][0])
        results = [c["result"] for c in self.fake.find_calls("SetServiceAllowList")]
        self.assertEqual(results[:3], ["fault:delayed", "fault:dropped", "fault:dropped"])
        failed = self.wait_for_audit("service-allowlist-applied", event__outcome="failure")
        self.assertIn("NoReply", failed["event"]["reason"])
        self.assertIn("retrying", failed["event"]["reason"])
        self.wait_for_audit("service-allowlist-applied", event__outcome="success")
        self.assertEqual(sorted(str(u) for u in self.fake.adapter_property(
            hci0, ADMIN_STATUS, "ServiceAllowList")), sorted(applied["args"][0]))
        self.barrier()
        self.assertEqual(self.audit.matching("tamper-detected"), [])


class AFaultyAgentRegistration(IntegrationTest):
    DAEMON_ARGS = FAST

    def prepare(self):
        self.fake.inject_fault("RequestDefaultAgent", "error", count=2,
                               name="org.bluez.Error.Failed")

    def test_is_retried_until_btfenced_is_the_default_agent(self):
        # start_daemon() waited for a RequestDefaultAgent answered "ok": the third one.
        tries = self.fake.find_calls("RequestDefaultAgent", sender=self.agent_sender)
        self.assertEqual([c["result"] for c in tries][:3],
                         ["org.bluez.Error.Failed", "org.bluez.Error.Failed", "ok"])
        self.wait(lambda: any(a[0] == self.agent_sender and a[3] for a in self.fake.agents()),
                  SLOW, lambda: "btfenced is the default agent")
        keyboard = self.add_keyboard(KEYBOARD)
        self.assertEqual(self.fake.simulate_pairing(keyboard, "justworks"), REJECTED)


class AFaultyServiceAllowlist(IntegrationTest):
    DAEMON_ARGS = FAST
    ADAPTERS = (("hci0", "00:AA:01:00:00:00", {"admin_policy": True}),)

    def prepare(self):
        self.fake.inject_fault("SetServiceAllowList", "error", count=2)

    def test_is_retried_until_bluetoothd_has_the_list(self):
        applied = self.wait_for_call("SetServiceAllowList", result="ok", timeout=SLOW)
        self.assertGreaterEqual(len(self.fake.find_calls("SetServiceAllowList")), 3)
        self.assertIn("0000fffd-0000-1000-8000-00805f9b34fb", applied["args"][0])
        self.wait_for_audit("service-allowlist-applied", event__outcome="failure")
        self.wait_for_audit("service-allowlist-applied", event__outcome="success")


class LostLookups(IntegrationTest):
    """A device btfenced does not hold (it missed the InterfacesAdded) is fetched with GetAll
    when it changes; at most 64 such fetches run at once.

    bluetoothd holds the 64 GetAll until their interfaces have gone (a "hold" fault, not a
    delay: a test slower than a fixed delay would remove them after the replies, and test
    nothing), and btfenced's call timeout is far beyond the test's deadlines, so that only a
    lost reply could keep a slot."""

    DAEMON_ARGS = ("--bluez-call-timeout-ms", "120000", "--retry-first-ms", "200",
                   "--retry-max-ms", "1000")

    def test_do_not_use_up_the_lookup_budget(self):
        # 64 unknown devices change while their GetAll is pending, and lose an interface
        # meanwhile (the old proxy cache dropped the pending call with it, forever).
        hci0 = self.adapters["hci0"]
        strangers = [self.fake.add_device_unannounced(hci0, "F1:00:00:00:00:%02X" % i,
                                                      Name="stranger")
                     for i in range(64)]
        for path in strangers:
            self.fake.add_interface(path, "org.bluez.Battery1", Percentage=50)
        self.fake.inject_fault("GetAll", "hold", count=64)
        since = self.fake.last_seq()
        for path in strangers:
            self.fake.set_device(path, Trusted=True)
        self.wait(lambda: len(self.fake.find_calls("GetAll", since=since,
                                                   result="fault:held")) >= 64, SLOW,
                  lambda: "64 GetAll")
        for path in strangers:
            self.fake.remove_interfaces(path, "org.bluez.Battery1")
        # The answers leave org.bluez's connection after the InterfacesRemoved: btfenced gets
        # them in that order.
        self.assertEqual(self.fake.release_held("GetAll"), 64)
        # Every fetch completes: each stranger is known, and (trusted, denied) removed.
        self.wait(lambda: all(self.fake.find_calls("RemoveDevice", args=[p], since=since,
                                                   result="ok") for p in strangers), SLOW,
                  lambda: "the 64 strangers fetched and removed")
        # So the budget is free again: a bonded keyboard btfenced never heard of is fetched
        # and removed.
        keyboard = self.fake.add_device_unannounced(hci0, KEYBOARD, Name="Keyboard",
                                                    UUIDs=["1812"])
        self.fake.set_device(keyboard, Paired=True, Bonded=True)
        self.wait_for_call("GetAll", path=keyboard, since=since, timeout=SLOW)
        self.assert_removed(keyboard, since=since)


class ALostGetAll(IntegrationTest):
    """A device btfenced does not hold is fetched with GetAll; one bluetoothd never answers
    times out (a call timeout short enough for the test) and is retried."""

    DAEMON_ARGS = ("--bluez-call-timeout-ms", "6000", "--retry-first-ms", "200",
                   "--retry-max-ms", "1000")

    def test_a_lost_get_all_is_retried_and_the_device_still_removed(self):
        hci0 = self.adapters["hci0"]
        keyboard = self.fake.add_device_unannounced(hci0, KEYBOARD, Name="Keyboard",
                                                    UUIDs=["1812"])
        self.fake.inject_fault("GetAll", "drop", path=keyboard)
        since = self.fake.last_seq()
        self.fake.set_device(keyboard, Paired=True, Bonded=True)
        self.wait_for_call("GetAll", path=keyboard, since=since, result="fault:dropped")
        self.wait_for_call("GetAll", path=keyboard, since=since, result="ok", timeout=SLOW)
        self.assert_removed(keyboard, since=since)


if __name__ == "__main__":
    unittest.main()
