"""docs/audit-events.md is what audit_events_doc.py generates from the code: a new action or
field, or a changed serializer, shows up in the field reference and the samples."""

import difflib
import os
import unittest

from audit_events_doc import DOC, render
from samples import source_dir


class TheAuditEventsDoc(unittest.TestCase):
    def test_is_in_step_with_the_code(self):
        with open(os.path.join(source_dir(), DOC)) as handle:
            written = handle.read()
        generated = render()
        if written != generated:
            diff = "".join(list(difflib.unified_diff(
                written.splitlines(True), generated.splitlines(True), DOC, "generated"))[:80])
            self.fail("docs/audit-events.md is out of date; run python3 "
                      "tests/unit/audit/schemas/audit_events_doc.py --write\n" + diff)


if __name__ == "__main__":
    unittest.main()
