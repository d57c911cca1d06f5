"""Only a whole policy file is applied (docs/admin-guide.md, "Changing the policy").

"Whole" means: a file renamed onto the policy path (IN_MOVED_TO), whose writer finished
before the rename, or whatever the file holds when the admin reloads (SIGHUP, systemctl
reload). A file written in place (`cat a > policy.toml; cat b >> policy.toml`, nano, vim with
backupcopy=yes) is not applied when it is closed: its first piece alone may be a valid policy
with the strictest defaults, whose sweep would remove bonds the whole file keeps.

Each scenario starts with a policy that allows a bonded keyboard; every new file allows it
too, but its first piece alone (`[policy]` with default deny) would remove it. Synchronised on
btfenced's own notice of each in-place write (stderr) and on audit lines, never on sleeps."""

import hashlib
import os
import shutil
import signal
import unittest

from harness import FIDO_RULE, IntegrationTest, make_policy

KEYBOARD = "AA:BB:CC:DD:EE:01"
KEYBOARD_RULE = {"id": "keyboards", "verdict": "allow", "class": ["other"],
                 "address": [KEYBOARD], "reason": "INC-1234"}
NOTICE = "was written in place: NOT applied"

# The new policy, in two pieces. The first is valid on its own: deny everything.
FIRST_PIECE = '[policy]\nversion = 1\nmode = "enforce"\ndefault = "deny"\n'
SECOND_PIECE = ('\n[[rule]]\nid = "fido-keys"\nverdict = "allow"\nclass = ["fido-ble"]\n'
                '\n[[rule]]\nid = "keyboards-v2"\nverdict = "allow"\nclass = ["other"]\n'
                'address = ["%s"]\nreason = "INC-1234, renewed"\n' % KEYBOARD)
WHOLE = FIRST_PIECE + SECOND_PIECE


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


class APolicyFileChangedInPieces(IntegrationTest):
    POLICY = make_policy(rules=[FIDO_RULE, KEYBOARD_RULE])

    def prepare(self):
        self.keyboard = self.add_keyboard(KEYBOARD, Paired=True, Bonded=True)

    def setUp(self):
        super().setUp()
        self.wait_for_audit("bond-kept", btfence__device__address=KEYBOARD)
        self.running_sha = self.wait_for_audit("policy-loaded")["btfence"]["policy"]["sha256"]
        self.since = self.fake.last_seq()
        self.mark = self.audit.mark()

    def notices(self):
        return self.daemon.stderr_text().count(NOTICE)

    def write_in_place(self, text, mode):
        """One open, write, close of the policy file itself, then btfenced's notice of it."""
        before = self.notices()
        with open(self.policy_path, mode) as handle:
            handle.write(text)
        os.chmod(self.policy_path, 0o644)
        self.wait(lambda: self.notices() > before, 10, "btfenced's notice of the in-place write")

    def assert_nothing_applied(self):
        self.barrier()
        self.assertEqual(self.audit.matching("policy-loaded", since=self.mark), [])
        self.assertEqual(self.audit.matching("policy-rejected", since=self.mark), [])
        self.assert_not_removed(self.keyboard, since=self.since)

    def assert_whole_file_applied(self):
        loaded = self.wait_for_audit("policy-loaded", since=self.mark,
                                     btfence__policy__sha256=sha256(WHOLE))
        every = self.audit.matching("policy-loaded", since=self.mark)
        self.assertEqual([e["btfence"]["policy"]["sha256"] for e in every], [sha256(WHOLE)],
                         "a piece was applied before the whole file")
        self.barrier()
        self.assert_not_removed(self.keyboard, since=self.since)
        return loaded

    def test_written_in_place_in_two_pieces_nothing_is_applied_until_a_reload(self):
        # cat a > policy.toml; cat b >> policy.toml
        self.write_in_place(FIRST_PIECE, "w")
        self.assert_nothing_applied()
        self.write_in_place(SECOND_PIECE, "a")
        self.assert_nothing_applied()
        with open(self.policy_path) as handle:
            self.assertEqual(handle.read(), WHOLE)
        self.daemon.signal(signal.SIGHUP)
        self.assert_whole_file_applied()

    def test_written_in_pieces_to_a_new_file_and_renamed_only_the_whole_file_is_applied(self):
        # Ansible copy/template, sed -i, dpkg: a temporary file beside the target, renamed.
        temp = os.path.join(self.etc, ".policy.toml.ansible-tmp")
        with open(temp, "w") as handle:
            handle.write(FIRST_PIECE)
        with open(temp, "a") as handle:
            handle.write(SECOND_PIECE)
        os.chmod(temp, 0o644)
        os.replace(temp, self.policy_path)
        self.assert_whole_file_applied()

    def test_an_editor_that_writes_a_new_file_and_renames_it_is_applied_at_once(self):
        # vim's probe file 4913 and its swap file come and go beside the policy; the new
        # contents are written to a new file, which is renamed over the original.
        probe = os.path.join(self.etc, "4913")
        open(probe, "w").close()
        os.unlink(probe)
        swap = os.path.join(self.etc, ".policy.toml.swp")
        with open(swap, "w") as handle:
            handle.write("swap")
        new = os.path.join(self.etc, "policy.toml.new")
        with open(new, "w") as handle:
            handle.write(WHOLE)
        os.chmod(new, 0o644)
        os.replace(new, self.policy_path)
        os.unlink(swap)
        self.assert_whole_file_applied()

    def test_an_editor_that_keeps_a_backup_and_writes_in_place_is_applied_at_the_reload(self):
        # vim with backupcopy=yes, nano with backups: copy to policy.toml~, then truncate and
        # write the original in place.
        shutil.copyfile(self.policy_path, self.policy_path + "~")
        self.write_in_place(WHOLE, "w")
        self.assert_nothing_applied()
        self.daemon.signal(signal.SIGHUP)
        self.assert_whole_file_applied()

    def test_removed_the_running_policy_stays_and_nothing_is_swept(self):
        # vim's default renames the original away before it writes the new file.
        os.rename(self.policy_path, self.policy_path + "~")
        self.wait(lambda: "was removed or renamed away" in self.daemon.stderr_text(), 10,
                  "btfenced's notice of the removal")
        self.assert_nothing_applied()
        self.write_in_place(WHOLE, "w")
        self.assert_nothing_applied()
        self.daemon.signal(signal.SIGHUP)
        self.assert_whole_file_applied()


if __name__ == "__main__":
    unittest.main()
