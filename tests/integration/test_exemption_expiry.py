"""Exemptions expire by themselves: a device allowed only by a rule whose `expires` has passed
is removed within a second of that instant, without waiting for any other event."""

import math
import time
import unittest

from harness import ACCEPTED, FIDO_RULE, REJECTED, IntegrationTest, make_policy, rfc3339

KEYBOARD = "AA:BB:CC:DD:EE:01"
# Far enough ahead for start-up plus one pairing on a loaded 2-core machine.
LEAD_SECONDS = 6
# The contract says "within a second"; the extra half second absorbs scheduling noise of a
# busy CI machine (both timestamps come from the same clock).
REMOVAL_BOUND_SECONDS = 1.5


class AKeyboardExemptionThatExpires(IntegrationTest):
    def setUp(self):
        self.expires = math.ceil(time.time()) + LEAD_SECONDS
        self.POLICY = make_policy(rules=[
            FIDO_RULE,
            {"id": "temp-keyboard", "verdict": "allow", "class": ["other"],
             "address": [KEYBOARD], "expires": rfc3339(self.expires),
             "reason": "ticket INC-1234"},
        ])
        super().setUp()

    def test_allows_it_until_expires_then_removes_it_within_a_second(self):
        keyboard = self.add_keyboard(KEYBOARD)
        self.assertEqual(self.fake.simulate_pairing(keyboard, "justworks"), ACCEPTED)
        allowed = self.wait_for_audit("pairing-allowed", btfence__device__address=KEYBOARD)
        self.assertEqual(allowed["rule"]["id"], "temp-keyboard")
        self.fake.set_device(keyboard, Connected=True)
        self.assertLess(time.time(), self.expires - 1,
                        "set-up took too long for this test to mean anything")

        expired = self.wait_for_audit("exemption-expired",
                                      timeout=self.expires - time.time() + 5)
        self.assertEqual(expired["rule"]["id"], "temp-keyboard")
        removal = self.assert_removed(keyboard)
        self.assertGreaterEqual(removal["time"], self.expires,
                                "removed before the exemption expired")
        self.assertLessEqual(removal["time"] - self.expires, REMOVAL_BOUND_SECONDS,
                             "removed %.2f s after expiry" % (removal["time"] - self.expires))
        disconnect = self.fake.find_calls("Disconnect", path=keyboard)
        self.assertEqual(len(disconnect), 1)
        self.assertLess(disconnect[0]["seq"], removal["seq"])
        event = self.wait_for_audit("device-removed", btfence__device__address=KEYBOARD)
        self.assertEqual(event["rule"]["id"], "default")



class AKeyboardExemptionThatStartsLater(IntegrationTest):
    def setUp(self):
        self.not_before = math.ceil(time.time()) + LEAD_SECONDS
        self.POLICY = make_policy(rules=[
            FIDO_RULE,
            {"id": "from-monday", "verdict": "allow", "class": ["other"],
             "address": [KEYBOARD], "not_before": rfc3339(self.not_before)},
        ])
        super().setUp()

    def test_refuses_it_until_not_before_then_accepts_it(self):
        keyboard = self.add_keyboard(KEYBOARD)
        self.assertEqual(self.fake.simulate_pairing(keyboard, "justworks"), REJECTED)
        self.assertLess(time.time(), self.not_before - 1,
                        "set-up took too long for this test to mean anything")
        started = self.wait_for_audit("exemption-started",
                                      timeout=self.not_before - time.time() + 5)
        self.assertEqual(started["rule"]["id"], "from-monday")
        self.assertGreaterEqual(time.time(), self.not_before)
        self.assertEqual(self.fake.simulate_pairing(keyboard, "justworks"), ACCEPTED)
        allowed = self.wait_for_audit("pairing-allowed", btfence__device__address=KEYBOARD)
        self.assertEqual(allowed["rule"]["id"], "from-monday")


if __name__ == "__main__":
    unittest.main()
