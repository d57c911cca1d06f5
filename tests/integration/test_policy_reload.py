"""Policy reloads: SIGHUP or a change of the file. A good policy takes over (and its digest is
audited); a bad one is rejected and the running policy keeps being enforced."""

import re
import signal
import unittest

from harness import (ACCEPTED, FIDO_RULE, REJECTED, IntegrationTest, make_policy)

KEY = "C0:FF:EE:00:00:01"
KEYBOARD = "AA:BB:CC:DD:EE:01"

KEYBOARD_RULE = {"id": "keyboards", "verdict": "allow", "class": ["other"],
                 "address": [KEYBOARD], "reason": "INC-1234"}
# Line 4 has a value of the wrong type: `default` must be "allow" or "deny".
BAD_POLICY = """[policy]
version = 1
mode = "enforce"
default = 42
"""
BAD_LINE = 4


class AGoodPolicyReload(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.first_sha = self.wait_for_audit("policy-loaded")["btfence"]["policy"]["sha256"]
        self.keyboard = self.add_keyboard(KEYBOARD)

    def test_first_policy_is_audited_with_the_file_digest(self):
        event = self.wait_for_audit("policy-loaded")
        self.assertEqual(event["btfence"]["policy"]["sha256"], self.policy_sha(self.POLICY))
        self.assertEqual(event["btfence"]["policy"]["path"], self.policy_path)

    def test_by_sighup_is_announced_to_systemd_and_audited(self):
        mark = self.audit.mark()
        notified = len(self.daemon.notifications)
        self.daemon.signal(signal.SIGHUP)
        event = self.wait_for_audit("policy-loaded", since=mark)
        self.assertEqual(event["btfence"]["policy"]["sha256"], self.first_sha)
        self.wait_for_notify("READY=1", since=notified)
        self.assertIn("RELOADING=1", self.daemon.notifications[notified:])
        self.assertLess(self.daemon.notifications.index("RELOADING=1", notified),
                        self.daemon.notifications.index("READY=1", notified))

    def test_by_renaming_a_new_file_into_place_takes_the_new_policy(self):
        mark = self.audit.mark()
        sha = self.write_policy(make_policy(rules=[FIDO_RULE, KEYBOARD_RULE]), atomic=True)
        self.assertNotEqual(sha, self.first_sha)
        self.wait_for_audit("policy-loaded", since=mark, btfence__policy__sha256=sha)
        self.assertEqual(self.fake.simulate_pairing(self.keyboard, "justworks"), ACCEPTED)
        event = self.wait_for_audit("pairing-allowed", since=mark,
                                    btfence__device__address=KEYBOARD)
        self.assertEqual(event["rule"]["id"], "keyboards")
        self.assertEqual(event["btfence"]["policy"]["sha256"], sha)

    def test_rewritten_in_place_takes_the_new_policy_at_the_next_sighup(self):
        # Written in place, a file may be the first of several pieces: only a rename or a
        # reload applies it (test_whole_policy.py has the pieces).
        mark = self.audit.mark()
        sha = self.write_policy(make_policy(rules=[FIDO_RULE, KEYBOARD_RULE]), atomic=False)
        self.wait(lambda: "was written in place: NOT applied" in self.daemon.stderr_text(), 10,
                  "btfenced's notice of the in-place write")
        self.assertEqual(self.audit.matching("policy-loaded", since=mark), [])
        self.daemon.signal(signal.SIGHUP)
        self.wait_for_audit("policy-loaded", since=mark, btfence__policy__sha256=sha)
        self.assertEqual(self.fake.simulate_pairing(self.keyboard, "justworks"), ACCEPTED)

    def policy_sha(self, text):
        import hashlib
        return hashlib.sha256(text.encode()).hexdigest()


class APolicyWithARuleThatCanNeverDecide(IntegrationTest):
    """Loaded as it is (it is valid), but the rule that does nothing is named where the admin
    and the SIEM look: the policy-loaded event's reason and btfenced's log."""

    def test_is_loaded_and_the_dead_rule_is_named_in_the_event_and_the_log(self):
        first = self.wait_for_audit("policy-loaded")
        self.assertNotIn("reason", first["event"], "the harness policy has no dead rule")
        mark = self.audit.mark()
        every_other = {"id": "no-other-devices", "verdict": "deny", "class": ["other"]}
        sha = self.write_policy(make_policy(rules=[FIDO_RULE, every_other, KEYBOARD_RULE]),
                                atomic=True)
        event = self.wait_for_audit("policy-loaded", since=mark, btfence__policy__sha256=sha)
        self.assertIn("1 rule can never decide a device", event["event"]["reason"])
        self.assertIn('rule "keyboards" is never reached: rule "no-other-devices"',
                      event["event"]["reason"])
        self.wait(lambda: 'rule "keyboards" is never reached' in self.daemon.stderr_text(), 10,
                  "the warning in btfenced's log")
        # Loaded, not rejected: the keyboard is refused by the earlier rule.
        self.assertEqual(self.fake.simulate_pairing(self.add_keyboard(KEYBOARD), "justworks"),
                         REJECTED)


class ABadPolicyReload(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.good_sha = self.wait_for_audit("policy-loaded")["btfence"]["policy"]["sha256"]
        self.keyboard = self.add_keyboard(KEYBOARD)
        self.key = self.add_fido_key(KEY)

    def check_old_policy_still_enforced(self, mark):
        self.assertEqual(self.fake.simulate_pairing(self.keyboard, "justworks"), REJECTED)
        event = self.wait_for_audit("pairing-denied", since=mark,
                                    btfence__device__address=KEYBOARD)
        self.assertEqual(event["btfence"]["policy"]["sha256"], self.good_sha)
        self.assertEqual(self.fake.simulate_pairing(self.key, "justworks"), ACCEPTED)

    def test_written_to_the_file_is_rejected_with_its_location_and_the_old_policy_stays(self):
        mark = self.audit.mark()
        self.write_policy(BAD_POLICY, atomic=True)
        self.wait_for_audit("policy-rejected", since=mark)
        location = re.escape(self.policy_path) + r":%d:\d+: \S" % BAD_LINE
        self.wait(lambda: re.search(location, self.daemon.stderr_text()), 5,
                  lambda: "stderr line %s:%d:COLUMN: ..." % (self.policy_path, BAD_LINE))
        self.assertEqual(self.audit.matching("policy-loaded", since=mark), [])
        self.check_old_policy_still_enforced(mark)

    def test_then_sighup_is_rejected_again_and_the_old_policy_stays(self):
        mark = self.audit.mark()
        self.write_policy(BAD_POLICY, atomic=True)
        first = self.wait_for_audit("policy-rejected", since=mark)
        self.daemon.signal(signal.SIGHUP)
        self.wait_for_audit("policy-rejected", since=mark,
                            predicate=lambda e: e is not first and
                            e["event"]["sequence"] > first["event"]["sequence"])
        self.check_old_policy_still_enforced(mark)


class AReloadThatNoLongerAllowsAKeptBond(IntegrationTest):
    POLICY = make_policy(rules=[FIDO_RULE, KEYBOARD_RULE])

    def prepare(self):
        self.keyboard = self.add_keyboard(KEYBOARD, Paired=True, Bonded=True)

    def test_removes_it_in_the_reload_sweep(self):
        self.wait_for_audit("bond-kept", btfence__device__address=KEYBOARD)
        self.barrier()
        self.assert_not_removed(self.keyboard)
        since = self.fake.last_seq()
        mark = self.audit.mark()
        sha = self.write_policy(make_policy(), atomic=True)
        self.wait_for_audit("policy-loaded", since=mark, btfence__policy__sha256=sha)
        self.assert_removed(self.keyboard, since=since)
        event = self.wait_for_audit("device-removed", since=mark,
                                    btfence__device__address=KEYBOARD)
        self.assertEqual(event["btfence"]["policy"]["sha256"], sha)


if __name__ == "__main__":
    unittest.main()
