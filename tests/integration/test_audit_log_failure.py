"""An audit file that cannot be written (disk full, broken mount) must not stop enforcement:
btfenced says so loudly and keeps refusing and removing."""

import os
import unittest

from harness import REJECTED, IntegrationTest

KEYBOARD = "AA:BB:CC:DD:EE:01"
KEYBOARD_2 = "AA:BB:CC:DD:EE:02"


class AnUnwritableAuditLog(IntegrationTest):
    def audit_log_path(self):
        # A path under a regular file: every open fails with ENOTDIR, even for root.
        blocker = os.path.join(self.workdir, "not-a-directory")
        with open(blocker, "w"):
            pass
        return os.path.join(blocker, "audit.jsonl")

    def test_does_not_stop_enforcement_and_is_reported(self):
        # The file is written on btfenced's audit thread: the complaint follows the failed
        # write, not necessarily before READY=1.
        self.wait(lambda: self.audit_path in self.daemon.stderr_text(), 10,
                  lambda: "btfenced saying it cannot write %s; stderr:\n%s" % (
                      self.audit_path, self.daemon.stderr_text()))
        keyboard = self.add_keyboard(KEYBOARD)
        self.assertEqual(self.fake.simulate_pairing(keyboard, "justworks"), REJECTED)
        sneaky = self.add_keyboard(KEYBOARD_2)
        since = self.fake.last_seq()
        self.fake.bypass_pair(sneaky)
        self.assert_removed(sneaky, since=since)


if __name__ == "__main__":
    unittest.main()
