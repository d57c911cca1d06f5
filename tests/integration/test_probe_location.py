"""Where btfenced finds btfence-probe, and what it does without one (docs/verification.md,
"Where btfenced finds the probe"). fido.verify = true with no probe that can run is refused
like an invalid policy: exit 1 at start, policy-rejected at reload with the running policy
kept. It is never a "suspected spoof" verdict on every FIDO key."""

import re
import unittest

from harness import FIDO_RULE, IntegrationTest, make_policy, tail

MISSING_PROBE = "/nonexistent/libexec/btfence/btfence-probe"
KEY = "C0:FF:EE:00:00:01"


class AVerifyingPolicyWithoutAProbe(IntegrationTest):
    POLICY = make_policy(verify=True)
    DAEMON_ARGS = ("--probe", MISSING_PROBE)
    EXPECT_EXIT = True

    def start_daemon(self, expect_ready=True):
        super().start_daemon(expect_ready=False)

    def test_is_refused_at_start_with_exit_1_and_says_why(self):
        code = self.daemon.wait_exit(timeout=15)
        stderr = self.daemon.stderr_text()
        self.assertEqual(code, 1, "exit code %s; stderr:\n%s" % (code, tail(stderr)))
        self.assertRegex(stderr, re.escape(self.policy_path) + r": fido\.verify = true needs the "
                         r"CTAP probe btfence-probe, which cannot be run: " + re.escape(MISSING_PROBE))
        self.daemon.read_notify()
        self.assertNotIn("READY=1", self.daemon.notifications)
        self.assertEqual(self.fake.find_calls("RegisterAgent"), [])


class AReloadToAVerifyingPolicyWithoutAProbe(IntegrationTest):
    POLICY = make_policy(verify=False)
    DAEMON_ARGS = ("--probe", MISSING_PROBE)

    def test_is_rejected_and_the_running_policy_stays(self):
        running = self.wait_for_audit("policy-loaded")["btfence"]["policy"]["sha256"]
        mark = self.audit.mark()
        self.write_policy(make_policy(verify=True), atomic=True)
        rejected = self.wait_for_audit("policy-rejected", since=mark)
        self.assertIn("cannot be run: " + MISSING_PROBE, rejected["event"]["reason"])
        self.assertEqual(rejected["btfence"]["policy"]["sha256"], running)
        self.assertEqual(self.audit.matching("policy-loaded", since=mark), [])
        # Still enforcing the old policy, in which no probe runs: a bonded key keeps its bond
        # and is never called a spoof.
        key = self.add_fido_key(KEY, Paired=True, Bonded=True, Connected=True,
                                ServicesResolved=True)
        self.wait_for_audit("bond-kept", since=mark, btfence__device__address=KEY)
        self.barrier()
        self.assert_not_removed(key)
        self.assertEqual(self.audit.matching("verification-failed", since=mark), [])


class AnUninstalledBtfenced(IntegrationTest):
    """Run from the build tree without --probe, as the README shows: it runs the build tree's
    btfence-probe, not the (absent) installed one. The fake bluetoothd serves no GATT, so the
    real probe finds no FIDO service: a verdict only a probe that ran can give."""
    POLICY = make_policy(verify=True, rules=[FIDO_RULE])

    def test_runs_the_probe_of_its_build_tree(self):
        self.assertNotIn("--probe", self.daemon.args)
        mark = self.audit.mark()
        self.add_fido_key(KEY, Paired=True, Bonded=True, Connected=True, ServicesResolved=True)
        failed = self.wait_for_audit("verification-failed", since=mark, timeout=30,
                                     btfence__device__address=KEY)
        self.assertEqual(failed["event"]["reason"],
                         "the device serves no FIDO GATT service (0xFFFD)")


if __name__ == "__main__":
    unittest.main()
