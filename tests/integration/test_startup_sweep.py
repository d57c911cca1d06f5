"""The start-up sweep: bonds that existed before btfenced started are judged like new ones,
unless the policy says existing_bonds = "keep": then they are grandfathered (they may
reconnect), while every bond made later is enforced."""

import unittest

from harness import IntegrationTest, make_policy

KEY = "C0:FF:EE:00:00:01"
KEYBOARD = "AA:BB:CC:DD:EE:01"


class ABondedKeyboardFromBeforeStart(IntegrationTest):
    def prepare(self):
        self.keyboard = self.add_keyboard(KEYBOARD, Paired=True, Bonded=True, Trusted=True)

    def test_is_removed_by_the_start_up_sweep(self):
        self.assert_removed(self.keyboard)
        event = self.wait_for_audit("device-removed", btfence__device__address=KEYBOARD)
        self.assertEqual(event["event"]["outcome"], "success")
        self.assertEqual(event["btfence"]["verdict"], "deny")


class ABondedKeyboardFromBeforeStartWithExistingBondsKept(IntegrationTest):
    POLICY = make_policy(existing_bonds="keep")

    def prepare(self):
        self.keyboard = self.add_keyboard(KEYBOARD, Paired=True, Bonded=True)

    def test_is_left_alone_by_the_sweep(self):
        self.barrier()
        self.assert_not_removed(self.keyboard)
        self.assertEqual(self.audit.matching("device-removed",
                                             btfence__device__address=KEYBOARD), [])

    def test_is_reported_as_a_kept_bond(self):
        event = self.wait_for_audit("bond-kept", btfence__device__address=KEYBOARD)
        self.assertEqual(event["btfence"]["verdict"], "deny")
        self.assertIn("existing_bonds", event["event"]["reason"])

    def test_may_reconnect_without_being_removed(self):
        self.barrier()
        since = self.fake.last_seq()
        self.fake.set_device(self.keyboard, Connected=True)
        self.barrier()
        self.assert_not_removed(self.keyboard, since=since)

    def test_a_keyboard_bonded_later_is_still_removed(self):
        self.barrier()
        later = self.add_keyboard("AA:BB:CC:DD:EE:02")
        since = self.fake.last_seq()
        self.fake.bypass_pair(later)
        self.assert_removed(later, since=since)
        self.wait_for_audit("device-removed", btfence__device__address="AA:BB:CC:DD:EE:02")


class ABondedFidoKeyFromBeforeStart(IntegrationTest):
    def prepare(self):
        self.key = self.add_fido_key(KEY, Paired=True, Bonded=True)

    def test_is_kept_and_audited_as_bond_kept(self):
        event = self.wait_for_audit("bond-kept", btfence__device__address=KEY)
        self.assertEqual(event["btfence"]["verdict"], "allow")
        self.assertEqual(event["rule"]["id"], "fido-keys")
        self.barrier()
        self.assert_not_removed(self.key)


if __name__ == "__main__":
    unittest.main()
