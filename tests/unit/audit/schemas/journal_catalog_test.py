"""systemd/btfence.catalog explains every MESSAGE_ID btfenced sends (journalctl -x), and only
those; it is valid for journald's catalog compiler, and the fields it fills in (@FIELD@) are
fields btfenced sends with that event."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

from samples import samples, source_dir

ENTRY = re.compile(r"^-- ([0-9a-f]{32})$", re.M)
# Fields journald adds itself, usable in any catalog text.
TRUSTED = {"_HOSTNAME", "_PID", "_UID", "_SYSTEMD_UNIT", "_COMM"}


def catalog_text():
    with open(os.path.join(source_dir(), "systemd", "btfence.catalog")) as handle:
        return handle.read()


def entries():
    """MESSAGE_ID -> entry text."""
    text = catalog_text()
    found = {}
    matches = list(ENTRY.finditer(text))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        found[match.group(1)] = text[match.end():end]
    return found


class TheCatalog(unittest.TestCase):
    def test_has_an_entry_for_every_message_id_and_no_other(self):
        sent = {s["journal"]["MESSAGE_ID"] for s in samples()}
        explained = set(entries())
        self.assertEqual(sorted(sent - explained), [], "MESSAGE_IDs without a catalog entry")
        self.assertEqual(sorted(explained - sent), [], "catalog entries for no MESSAGE_ID")
        self.assertEqual(len(ENTRY.findall(catalog_text())), len(explained), "an ID twice")

    def test_gives_every_entry_a_subject_and_documentation(self):
        for message_id, text in entries().items():
            with self.subTest(message_id=message_id):
                self.assertRegex(text, r"\nSubject: \S")
                self.assertIn("\nDefined-By: btfence\n", text)
                self.assertIn("\nDocumentation: ", text)

    def test_fills_in_only_fields_btfenced_sends_with_that_event(self):
        sent = {}
        for sample in samples():
            sent.setdefault(sample["journal"]["MESSAGE_ID"], set()).update(sample["journal"])
        for message_id, text in entries().items():
            for field in re.findall(r"@([A-Z0-9_]+)@", text):
                with self.subTest(message_id=message_id, field=field):
                    self.assertIn(field, sent[message_id] | TRUSTED)

    @unittest.skipUnless(shutil.which("journalctl"), "journalctl is not installed")
    def test_compiles_with_journalctl_update_catalog(self):
        root = tempfile.mkdtemp(prefix="btfence-catalog-")
        try:
            directory = os.path.join(root, "usr", "lib", "systemd", "catalog")
            os.makedirs(directory)
            shutil.copy(os.path.join(source_dir(), "systemd", "btfence.catalog"), directory)
            subprocess.run(["journalctl", "--root", root, "--update-catalog"], check=True,
                           capture_output=True, timeout=60)
            listed = subprocess.run(["journalctl", "--root", root, "--list-catalog"],
                                    check=True, capture_output=True, text=True,
                                    timeout=60).stdout
        finally:
            shutil.rmtree(root)
        for message_id in entries():
            self.assertIn(message_id, listed)


if __name__ == "__main__":
    unittest.main()
