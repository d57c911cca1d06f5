"""policy.adapters: only the listed controllers are managed. On any other adapter btfenced
removes nothing and answers agent requests as bluetoothd does when it has no agent: it refuses
(audited with rule "unmanaged-adapter", saying so). It never says yes for a person."""

import unittest

from harness import REJECTED, IntegrationTest, make_policy

KEYBOARD = "AA:BB:CC:DD:EE:01"
HCI0_ADDRESS = "00:AA:01:00:00:00"
HCI1_ADDRESS = "00:AA:01:01:00:01"


class AKeyboardOnAnUnmanagedAdapter(IntegrationTest):
    POLICY = make_policy(adapters=["hci0"])
    ADAPTERS = (("hci0", HCI0_ADDRESS, {}), ("hci1", HCI1_ADDRESS, {}))

    def test_is_refused_as_with_no_agent_and_audited_as_unmanaged(self):
        keyboard = self.add_keyboard(KEYBOARD, adapter="hci1")
        for method, arg in (("justworks", ""), ("numeric", "123456"), ("passkey", ""),
                            ("pincode", ""), ("authorize-service", "0x1124")):
            self.assertEqual(self.fake.simulate_pairing(keyboard, method, arg), REJECTED, method)
        event = self.wait_for_audit("pairing-denied", btfence__device__address=KEYBOARD)
        self.assertEqual(event["rule"]["id"], "unmanaged-adapter")
        self.assertEqual(event["btfence"]["adapter"], "hci1")
        self.assertIn("refused as bluetoothd refuses when no agent is registered",
                      event["event"]["reason"])
        self.assertEqual(self.audit.matching("pairing-allowed"), [])
        self.assertEqual(self.audit.matching("service-authorized"), [])

    def test_a_fido_key_there_is_refused_too(self):
        key = self.add_fido_key(adapter="hci1")
        self.assertEqual(self.fake.simulate_pairing(key, "justworks"), REJECTED)

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
        self.fake.bypass_pair(unmanaged)
        managed = self.add_keyboard(KEYBOARD, adapter="hci1")
        self.assertEqual(self.fake.simulate_pairing(managed, "justworks"), REJECTED)
        since = self.fake.last_seq()
        self.fake.bypass_pair(managed)
        self.assert_removed(managed, since=since, adapter="hci1")
        self.assert_not_removed(unmanaged)


if __name__ == "__main__":
    unittest.main()
