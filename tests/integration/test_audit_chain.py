"""The tamper-evident audit trail (docs/admin-guide.md, "Tamper evidence"): sequence numbers and
the HMAC chain continue across a restart and across size rotation, and `btfencectl audit
verify` holds for what btfenced wrote and names the first line someone changed."""

import glob
import json
import os
import stat
import subprocess
import unittest

from harness import REJECTED, IntegrationTest


def btfencectl():
    path = os.environ.get("BTFENCECTL")
    if not path or not os.access(path, os.X_OK):
        raise unittest.SkipTest("BTFENCECTL is not set to an executable btfencectl")
    return path


class AuditChainTest(IntegrationTest):
    def verify(self, *files, extra=()):
        result = subprocess.run(
            [btfencectl(), "audit", "verify", "--state-dir", self.daemon.state_dir,
             *extra, *files], capture_output=True, text=True, timeout=60)
        return result.returncode, result.stdout + result.stderr

    def sequences(self):
        self.audit.refresh()
        return [event["event"]["sequence"] for event in self.audit.events]


class AnAuditTrailAcrossARestart(AuditChainTest):
    def test_continues_its_sequence_and_chain_and_verify_names_an_altered_line(self):
        keyboard = self.add_keyboard()
        self.wait_for_audit("daemon-started")
        self.assertEqual(self.fake.simulate_pairing(keyboard, "justworks"), REJECTED)
        self.wait_for_audit("pairing-denied")
        self.stop_daemon()
        first_run = self.sequences()
        self.assertEqual(first_run, list(range(1, len(first_run) + 1)))

        key = os.path.join(self.daemon.state_dir, "audit-chain.key")
        self.assertEqual(stat.S_IMODE(os.stat(key).st_mode), 0o600)

        mark = self.audit.mark()
        self.daemon.close()
        self.start_daemon()
        self.wait_for_audit("daemon-started", since=mark)
        self.stop_daemon()
        both_runs = self.sequences()
        self.assertEqual(both_runs, list(range(1, len(both_runs) + 1)),
                         "sequence numbers restart or skip at a restart")
        self.assertGreater(len(both_runs), len(first_run))

        code, output = self.verify(self.audit_path)
        self.assertEqual(code, 0, output)
        self.assertIn("chain intact: %d line(s)" % len(both_runs), output)

        # Someone turns the refusal into an acceptance.
        with open(self.audit_path) as handle:
            lines = handle.read().splitlines(keepends=True)
        index = next(i for i, line in enumerate(lines) if '"pairing-denied"' in line)
        lines[index] = lines[index].replace('"verdict":"deny"', '"verdict":"allow"')
        with open(self.audit_path, "w") as handle:
            handle.writelines(lines)
        code, output = self.verify(self.audit_path)
        self.assertEqual(code, 1, output)
        self.assertIn("%s:%d: altered" % (self.audit_path, index + 1), output)

    def test_verify_without_the_key_says_so(self):
        self.wait_for_audit("daemon-started")
        code, output = self.verify(self.audit_path, extra=("--key", "/nonexistent/key"))
        self.assertEqual(code, 2, output)
        self.assertIn("cannot read the chain key", output)


class AnAuditTrailRotatedBySize(AuditChainTest):
    DAEMON_ARGS = ("--audit-log-max-size", "3K", "--audit-log-keep", "50")

    def test_keeps_the_chain_across_files_and_verify_notices_a_removed_file(self):
        # READY=1 (start_daemon) came after the first sweep; the file rotates too often for
        # the harness's reader to follow, so the replies to the pairings are the barrier.
        for number in range(6):
            keyboard = self.add_keyboard("AA:BB:CC:DD:EE:%02X" % number)
            self.assertEqual(self.fake.simulate_pairing(keyboard, "justworks"), REJECTED)
        self.stop_daemon()
        files = sorted(glob.glob(self.audit_path + "*"))
        self.assertGreaterEqual(len(files), 3, "rotated: %s" % files)
        for path in files:
            self.assertLessEqual(os.path.getsize(path), 3 * 1024, path)
        code, output = self.verify(*files)
        self.assertEqual(code, 0, output)

        middle = self.audit_path + ".2"
        with open(middle) as handle:
            first = json.loads(handle.readline())["event"]["sequence"]
        os.remove(middle)
        code, output = self.verify(*[f for f in files if f != middle])
        self.assertEqual(code, 1, output)
        self.assertIn("missing: sequence %d" % first, output)


if __name__ == "__main__":
    unittest.main()
