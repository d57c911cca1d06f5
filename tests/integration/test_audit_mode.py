"""Audit mode (report-only rollouts) observes only: btfenced registers no agent, so the person's
own agent (or none) answers pairing requests exactly as without btfence; every decision is
still made from BlueZ's signals and audited with mode=audit ("would refuse", "would remove"),
and nothing is refused or removed."""

import unittest

from harness import ACCEPTED, IntegrationTest, field, make_policy

KEYBOARD = "AA:BB:CC:DD:EE:01"
OLD_KEYBOARD = "AA:BB:CC:DD:EE:02"
NO_AGENT = "org.btfence.test.Error.NoAgent"


def would_deny_in_audit_mode(event):
    return event["btfence"]["mode"] == "audit" and event["btfence"]["verdict"] == "deny"


class AKeyboardInAuditMode(IntegrationTest):
    POLICY = make_policy(mode="audit")

    def prepare(self):
        self.old_keyboard = self.add_keyboard(OLD_KEYBOARD, Paired=True, Bonded=True)

    def setUp(self):
        super().setUp()
        self.keyboard = self.add_keyboard(KEYBOARD)

    def test_btfenced_registers_no_agent_and_says_so(self):
        self.assertEqual(self.fake.find_calls("RegisterAgent"), [])
        self.assertEqual(self.fake.find_calls("RequestDefaultAgent"), [])
        self.assertEqual(self.agents_at_ready, [])
        event = self.wait_for_audit("agent-unregistered")
        self.assertEqual(event["event"]["outcome"], "success")
        self.assertIn("does not register its pairing agent", event["message"])
        self.assertIn("STATUS=Audit mode: observing only; the pairing agent is not registered",
                      self.daemon.notifications)

    def test_with_no_agent_of_the_persons_own_bluetoothd_is_left_to_refuse(self):
        self.assertEqual(self.fake.simulate_pairing(self.keyboard, "justworks"), NO_AGENT)
        self.assertEqual(self.fake.simulate_pairing(self.keyboard, "passkey"), NO_AGENT)

    def test_the_persons_own_agent_answers_and_btfenced_audits_what_it_would_refuse(self):
        person = self.persons_agent()
        self.assertEqual(self.simulate_pairing_async(self.keyboard, "justworks"), ACCEPTED)
        self.assertEqual(person.calls, [("RequestAuthorization", self.keyboard)])
        refused = self.wait_for_audit("pairing-denied", btfence__device__address=KEYBOARD)
        self.assertTrue(would_deny_in_audit_mode(refused), refused)
        self.assertEqual(refused["event"]["outcome"], "unknown")
        self.assertIn("would have refused", refused["message"])
        removed = self.wait_for_audit("device-removed", btfence__device__address=KEYBOARD)
        self.assertTrue(would_deny_in_audit_mode(removed), removed)
        self.assertEqual(removed["event"]["outcome"], "unknown")
        self.barrier()
        self.assert_not_removed(self.keyboard)
        self.assertTrue(bool(self.fake.device_property(self.keyboard, "Paired")))

    def test_a_passkey_the_person_types_reaches_the_persons_agent_not_btfenced(self):
        person = self.persons_agent()
        self.assertEqual(self.simulate_pairing_async(self.keyboard, "passkey"), ACCEPTED)
        self.assertEqual(person.calls, [("RequestPasskey", self.keyboard)])

    def test_a_bypass_pairing_keeps_its_bond_but_is_audited_as_device_removed(self):
        since = self.fake.last_seq()
        self.fake.bypass_pair(self.keyboard)
        event = self.wait_for_audit("device-removed", btfence__device__address=KEYBOARD)
        self.assertTrue(would_deny_in_audit_mode(event), event)
        self.assertEqual(event["event"]["outcome"], "unknown")
        self.barrier()
        self.assert_not_removed(self.keyboard, since=since)
        self.assertTrue(bool(self.fake.device_property(self.keyboard, "Paired")))

    def test_a_bond_from_before_start_is_kept_but_audited_as_device_removed(self):
        event = self.wait_for_audit("device-removed", btfence__device__address=OLD_KEYBOARD)
        self.assertTrue(would_deny_in_audit_mode(event), event)
        self.assertEqual(event["event"]["outcome"], "unknown")
        self.barrier()
        self.assert_not_removed(self.old_keyboard)
        # A bond that existed before btfenced started was not paired under its watch.
        self.assertEqual(self.audit.matching("pairing-denied",
                                             btfence__device__address=OLD_KEYBOARD), [])


class AReloadBetweenEnforceAndAudit(IntegrationTest):
    """A rollout campaign ends (audit -> enforce) or is rolled back (enforce -> audit) by a
    reload: the agent is registered or withdrawn, audited, and READY's status follows."""

    POLICY = make_policy(mode="enforce")

    def test_enforce_to_audit_withdraws_the_agent_and_back_registers_it(self):
        since_calls = self.fake.last_seq()
        mark = self.audit.mark()
        self.write_policy(make_policy(mode="audit"))
        call = self.wait_for_call("UnregisterAgent", since=since_calls,
                                  sender=self.agent_sender)
        self.assertEqual(call["result"], "ok")
        event = self.wait_for_audit("agent-unregistered", since=mark)
        self.assertEqual(event["event"]["outcome"], "success")
        self.assertIn("audit mode", event["message"])
        self.wait(lambda: self.fake.agents() == [], 10, lambda: "no agent left in the fake")
        self.wait_for_notify(
            "STATUS=Audit mode: observing only; the pairing agent is not registered")

        since_calls = self.fake.last_seq()
        mark = self.audit.mark()
        self.write_policy(make_policy(mode="enforce"))
        self.wait_for_call("RequestDefaultAgent", since=since_calls, sender=self.agent_sender,
                           result="ok")
        event = self.wait_for_audit("agent-registered", since=mark)
        self.assertEqual(event["event"]["outcome"], "success")
        self.assertIn("holds bluetoothd's default agent", event["message"])
        self.wait(lambda: [a for a in self.fake.agents() if a[0] == self.agent_sender and a[3]],
                  10, lambda: "btfenced default again: %s" % self.fake.agents())
        self.assertEqual(field(event, "btfence.mode"), "enforce")


if __name__ == "__main__":
    unittest.main()
