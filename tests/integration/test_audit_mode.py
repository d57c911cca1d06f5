"""Audit mode (report-only rollouts): the same decisions and events, marked mode=audit, and
nothing refused or removed."""

import unittest

from harness import ACCEPTED, IntegrationTest, make_policy

KEYBOARD = "AA:BB:CC:DD:EE:01"
OLD_KEYBOARD = "AA:BB:CC:DD:EE:02"


def would_deny_in_audit_mode(event):
    return event["btfence"]["mode"] == "audit" and event["btfence"]["verdict"] == "deny"


class AKeyboardInAuditMode(IntegrationTest):
    POLICY = make_policy(mode="audit")

    def prepare(self):
        self.old_keyboard = self.add_keyboard(OLD_KEYBOARD, Paired=True, Bonded=True)

    def setUp(self):
        super().setUp()
        self.keyboard = self.add_keyboard(KEYBOARD)

    def test_pairing_is_accepted_but_audited_with_the_verdict_enforcement_would_give(self):
        self.assertEqual(self.fake.simulate_pairing(self.keyboard, "justworks"), ACCEPTED)
        self.wait(lambda: [e for action in ("pairing-denied", "pairing-allowed")
                           for e in self.audit.matching(action,
                                                        btfence__device__address=KEYBOARD)
                           if would_deny_in_audit_mode(e)], 10,
                  lambda: "a pairing event with mode=audit, verdict=deny:\n" +
                  self.audit.summary())

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


if __name__ == "__main__":
    unittest.main()
