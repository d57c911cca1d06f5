"""bluetoothd's posture (issue 10 item 6): btfenced reads main.conf and input.conf of
bluetoothd's configuration directory at start and whenever they change, and audits a
`posture` event naming each risky setting and what it reopens."""

import os
import unittest

from harness import IntegrationTest

CLASSIC_BONDED_ONLY = "input.conf [General] ClassicBondedOnly"
JUST_WORKS_REPAIRING = "main.conf [General] JustWorksRepairing"


def findings(event):
    """{setting: (severity, "value: what it reopens (advice: ...)")} from the one-per-line
    btfence.posture.findings: "SEVERITY SETTING=VALUE: RISK"."""
    out = {}
    for line in event["btfence"]["posture"]["findings"].splitlines():
        severity, rest = line.split(" ", 1)
        setting, value_and_risk = rest.split("=", 1)
        out[setting] = (severity, value_and_risk)
    return out


class ABluetoothdWithRiskySettings(IntegrationTest):
    def prepare(self):
        # As /etc/bluetooth before btfenced starts; harness.Btfenced passes this directory.
        self.config_dir = os.path.join(self.workdir, "bluetooth")
        os.makedirs(self.config_dir, exist_ok=True)
        self.write_config("main.conf", "[General]\nJustWorksRepairing = always\n[GATT]\nKeySize = 16\n")
        self.write_config("input.conf", "[General]\nClassicBondedOnly=false\n")

    def write_config(self, name, text):
        """Replaces the file the way an editor or config management does (rename)."""
        temp = os.path.join(self.workdir, name + ".new")
        with open(temp, "w") as handle:
            handle.write(text)
        os.replace(temp, os.path.join(self.config_dir, name))

    def test_its_posture_is_audited_at_start_naming_each_risky_setting(self):
        event = self.wait_for_audit("posture")
        self.assertEqual(event["btfence"]["trigger"], "start")
        found = findings(event)
        self.assertEqual(found[CLASSIC_BONDED_ONLY][0], "high")
        self.assertTrue(found[CLASSIC_BONDED_ONLY][1].startswith("false: "))
        self.assertIn("CVE-2023-45866", found[CLASSIC_BONDED_ONLY][1])
        self.assertEqual(found[JUST_WORKS_REPAIRING][0], "high")
        self.assertTrue(found[JUST_WORKS_REPAIRING][1].startswith("always: "))
        self.assertEqual(event["btfence"]["posture"]["high"], 2)
        self.assertIn("2 high", event["event"]["reason"])

    def test_a_changed_file_is_audited_again_with_what_now_holds(self):
        first = self.wait_for_audit("posture")
        since = self.audit.mark()
        self.write_config("input.conf", "[General]\nClassicBondedOnly=true\n")
        # Not simply the next posture event: the one bluetoothd's arrival triggers ("bluez-found")
        # may come after the mark on a loaded machine.
        event = self.wait_for_audit("posture", since=since, btfence__trigger="input.conf changed")
        self.assertEqual(event["btfence"]["trigger"], "input.conf changed")
        self.assertNotIn(CLASSIC_BONDED_ONLY, findings(event))
        self.assertIn(JUST_WORKS_REPAIRING, findings(event))
        self.assertIn(CLASSIC_BONDED_ONLY, findings(first))

        since = self.audit.mark()
        self.write_config("main.conf", "[General]\nthis line makes bluetoothd ignore the file\n")
        event = self.wait_for_audit("posture", since=since)
        self.assertEqual(event["btfence"]["trigger"], "main.conf changed")
        main_conf = findings(event)["main.conf"]
        self.assertEqual(main_conf[0], "medium")
        self.assertTrue(main_conf[1].startswith("line 2: "), main_conf)
        self.assertNotIn(JUST_WORKS_REPAIRING, findings(event))


if __name__ == "__main__":
    unittest.main()
