"""A controller plugged in while btfenced runs (a USB dongle): the agent stays the default one,
the new adapter is enforced like the others and gets the service allowlist."""

import unittest

from harness import AGENT_PATH, REJECTED, IntegrationTest

KEYBOARD = "AA:BB:CC:DD:EE:01"
KEYBOARD_2 = "AA:BB:CC:DD:EE:02"


class AnAdapterPluggedInLater(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.since = self.fake.last_seq()
        self.adapters["hci1"] = self.fake.add_adapter("hci1", "00:AA:01:01:00:01",
                                                      admin_policy=True)

    def test_gets_the_service_allowlist(self):
        applied = self.wait_for_call("SetServiceAllowList", path=self.adapters["hci1"],
                                     sender=self.daemon_sender, since=self.since)
        self.assertEqual(applied["result"], "ok")

    def test_leaves_btfenceds_agent_the_default_one(self):
        self.barrier()
        self.assertIn((self.agent_sender, AGENT_PATH, "KeyboardOnly", True),
                      self.fake.agents())

    def test_is_enforced_like_the_others(self):
        keyboard = self.add_keyboard(KEYBOARD, adapter="hci1")
        self.assertEqual(self.fake.simulate_pairing(keyboard, "justworks"), REJECTED)
        sneaky = self.add_keyboard(KEYBOARD_2, adapter="hci1")
        since = self.fake.last_seq()
        self.fake.bypass_pair(sneaky)
        self.assert_removed(sneaky, since=since, adapter="hci1")


if __name__ == "__main__":
    unittest.main()
