"""The start-up sweep: bonds that existed before btfenced started are judged like new ones,
unless the policy says existing_bonds = "keep": then they are grandfathered (they may
reconnect), while every bond made later is enforced."""

import json
import os
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


class KeptBondsAcrossARestart(IntegrationTest):
    """existing_bonds = "keep" is recorded at the first start (state directory,
    grandfathered-bonds.json): a later start keeps exactly that set."""
    POLICY = make_policy(existing_bonds="keep")

    def prepare(self):
        self.keyboard = self.add_keyboard(KEYBOARD, Paired=True, Bonded=True)

    def test_a_bond_made_while_btfenced_was_down_is_removed_the_old_one_kept(self):
        self.wait_for_audit("bond-kept", btfence__device__address=KEYBOARD)
        recorded = os.path.join(self.daemon.state_dir, "grandfathered-bonds.json")
        with open(recorded) as handle:
            bonds = json.load(handle)["bonds"]
        self.assertEqual([b["address"] for b in bonds], [KEYBOARD])
        self.stop_daemon()
        self.daemon.close()

        # While btfenced is down, a second keyboard is paired (bluetoothd keeps it bonded).
        later = self.add_keyboard("AA:BB:CC:DD:EE:02", Paired=True, Bonded=True)
        since = self.fake.last_seq()
        mark = self.audit.mark()
        self.start_daemon()
        self.assert_removed(later, since=since)
        removed = self.wait_for_audit("device-removed", since=mark,
                                      btfence__device__address="AA:BB:CC:DD:EE:02")
        self.assertEqual(removed["event"]["outcome"], "success")
        kept = self.wait_for_audit("bond-kept", since=mark, btfence__device__address=KEYBOARD)
        self.assertIn("grandfathered-bonds.json", kept["event"]["reason"])
        self.barrier()
        self.assert_not_removed(self.keyboard, since=since)


class AnUnreadableGrandfatheredBondsFile(IntegrationTest):
    POLICY = make_policy(existing_bonds="keep")

    def prepare(self):
        self.keyboard = self.add_keyboard(KEYBOARD, Paired=True, Bonded=True)
        state = os.path.join(self.workdir, "state")
        os.makedirs(state, exist_ok=True)
        self.state_file = os.path.join(state, "grandfathered-bonds.json")
        with open(self.state_file, "w") as handle:
            handle.write("{ truncated")

    def test_fails_closed_is_audited_and_is_not_replaced(self):
        error = self.wait_for_audit("state-file-error")
        self.assertEqual(error["event"]["outcome"], "failure")
        self.assertIn(self.state_file, error["event"]["reason"])
        self.assert_removed(self.keyboard)
        with open(self.state_file) as handle:
            self.assertEqual(handle.read(), "{ truncated")


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
