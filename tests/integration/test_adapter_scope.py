"""policy.adapters: only the listed controllers are managed. On any other adapter btfenced
accepts agent requests (audited with rule "unmanaged-adapter") and removes nothing."""

import unittest

from harness import ACCEPTED, REJECTED, IntegrationTest, make_policy

KEYBOARD = "AA:BB:CC:DD:EE:01"
HCI0_ADDRESS = "00:AA:01:00:00:00"
HCI1_ADDRESS = "00:AA:01:01:00:01"


class AKeyboardOnAnUnmanagedAdapter(IntegrationTest):
    POLICY = make_policy(adapters=["hci0"])
    ADAPTERS = (("hci0", HCI0_ADDRESS, {}), ("hci1", HCI1_ADDRESS, {}))

    def test_is_accepted_and_audited_as_unmanaged(self):
        keyboard = self.add_keyboard(KEYBOARD, adapter="hci1")
        self.assertEqual(self.fake.simulate_pairing(keyboard, "justworks"), ACCEPTED)
        event = self.wait_for_audit("pairing-allowed", btfence__device__address=KEYBOARD)
        self.assertEqual(event["rule"]["id"], "unmanaged-adapter")
        self.assertEqual(event["btfence"]["adapter"], "hci1")

    def test_is_not_removed_when_paired_behind_the_agents_back(self):
        keyboard = self.add_keyboard(KEYBOARD, adapter="hci1")
        self.fake.bypass_pair(keyboard)
        self.barrier()
        self.assert_not_removed(keyboard)

    def test_is_still_refused_on_the_managed_adapter(self):
        keyboard = self.add_keyboard(KEYBOARD, adapter="hci0")
        self.assertEqual(self.fake.simulate_pairing(keyboard, "justworks"), REJECTED)
        since = self.fake.last_seq()
        self.fake.bypass_pair(keyboard)
        self.assert_removed(keyboard, since=since)


class AdaptersNamedByAddress(IntegrationTest):
    POLICY = make_policy(adapters=[HCI1_ADDRESS])
    ADAPTERS = (("hci0", HCI0_ADDRESS, {}), ("hci1", HCI1_ADDRESS, {}))
    BARRIER_ADAPTER = "hci1"

    def test_manage_only_the_controller_with_that_address(self):
        unmanaged = self.add_keyboard(KEYBOARD, adapter="hci0")
        self.assertEqual(self.fake.simulate_pairing(unmanaged, "justworks"), ACCEPTED)
        managed = self.add_keyboard(KEYBOARD, adapter="hci1")
        self.assertEqual(self.fake.simulate_pairing(managed, "justworks"), REJECTED)
        since = self.fake.last_seq()
        self.fake.bypass_pair(managed)
        self.assert_removed(managed, since=since, adapter="hci1")
        self.assert_not_removed(unmanaged)


if __name__ == "__main__":
    unittest.main()
