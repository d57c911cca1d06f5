#!/usr/bin/python3
"""The Intune custom-compliance pair (packaging/intune): the discovery script's JSON, judged
by the shipped rules the way Intune judges it, for each state a laptop can be in.

The script runs against a stand-in `btfencectl` that prints what `btfencectl status --json`
prints (format_version 1) or exits with btfencectl's documented statuses; the integration
tier runs it once more against the real btfencectl and btfenced (test_control_api.py).
Intune's rules format: SettingName, Operator (IsEquals, NotEquals, GreaterThan,
GreaterEquals, LessThan, LessEquals), DataType (Boolean, Int64, Double, String, DateTime,
Version), Operand, MoreInfoUrl, RemediationStrings (at least en_US).
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
INTUNE = HERE.parent.parent / "packaging" / "intune"
SCRIPT = INTUNE / "btfence-discovery.sh"
RULES = INTUNE / "btfence-compliance-rules.json"

OPERATORS = {"IsEquals", "NotEquals", "GreaterThan", "GreaterEquals", "LessThan", "LessEquals"}
DATA_TYPES = {"Boolean": bool, "Int64": int, "String": str}
SHA = "8a995547a02c24bf42b2a45998b40ce20c4c4ed02b23cbbaaff5126cab6829cf"


def status_json(mode="enforce", sha=SHA, exemptions=0):
    """What btfencectl status --json prints (nlohmann dump(2): two-space indentation)."""
    body = {"format_version": 1,
            "adapters": [{"address": "00:AA:01:00:00:00", "managed": True, "name": "hci0",
                          "object_path": "/org/bluez/hci0",
                          "service_allowlist": "unavailable"}],
            "api_version": 1, "bluez": "present",
            "counters": {"decisions": 2, "audit_dropped": 0},
            "daemon_version": "0.1.0", "default_agent": "unknown",
            "enforcing": mode == "enforce", "exemptions_in_force": exemptions,
            "mode": mode, "policy_sha256": sha, "posture": "unknown"}
    return json.dumps(body, indent=2)


def judge(rules, discovered):
    """Intune's evaluation: every rule must hold. Returns the SettingNames that fail."""
    failing = []
    for rule in rules["Rules"]:
        actual = discovered.get(rule["SettingName"])
        kind = DATA_TYPES[rule["DataType"]]
        if not isinstance(actual, kind) or (kind is int and isinstance(actual, bool)):
            failing.append(rule["SettingName"])
            continue
        operand = rule["Operand"]
        holds = {"IsEquals": actual == operand, "NotEquals": actual != operand,
                 "GreaterThan": actual > operand if kind is int else False,
                 "GreaterEquals": actual >= operand if kind is int else False,
                 "LessThan": actual < operand if kind is int else False,
                 "LessEquals": actual <= operand if kind is int else False}[rule["Operator"]]
        if not holds:
            failing.append(rule["SettingName"])
    return failing


class TheComplianceRules(unittest.TestCase):
    def test_are_in_intunes_format(self):
        rules = json.loads(RULES.read_text())
        self.assertEqual(list(rules), ["Rules"])
        self.assertGreater(len(rules["Rules"]), 0)
        for rule in rules["Rules"]:
            self.assertEqual(set(rule), {"SettingName", "Operator", "DataType", "Operand",
                                         "MoreInfoUrl", "RemediationStrings"}, rule)
            self.assertIn(rule["Operator"], OPERATORS)
            self.assertIn(rule["DataType"], DATA_TYPES)
            kind = DATA_TYPES[rule["DataType"]]
            self.assertIsInstance(rule["Operand"], kind, rule["SettingName"])
            self.assertTrue(rule["MoreInfoUrl"].startswith("https://"))
            languages = {s["Language"] for s in rule["RemediationStrings"]}
            self.assertIn("en_US", languages)
            for text in rule["RemediationStrings"]:
                self.assertEqual(set(text), {"Language", "Title", "Description"})


class TheDiscoveryScript(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.rules = json.loads(RULES.read_text())
        for rule in self.rules["Rules"]:
            if rule["SettingName"] == "BtfencePolicySha256":
                rule["Operand"] = SHA  # what the admin fills in

    def discover(self, stdout="", status=0, installed=True):
        fake = Path(self.tmp.name) / "btfencectl"
        fake.write_text("#!/bin/sh\n[ \"$1 $2\" = \"status --json\" ] || exit 2\n"
                        "cat <<'JSON'\n%s\nJSON\nexit %d\n" % (stdout, status))
        fake.chmod(0o755)
        env = dict(os.environ, BTFENCECTL=str(fake) if installed else "/nonexistent/btfencectl")
        result = subprocess.run(["/bin/sh", str(SCRIPT)], capture_output=True, text=True,
                                env=env, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        lines = result.stdout.splitlines()
        self.assertEqual(len(lines), 1, "one JSON object on one line: %r" % result.stdout)
        return json.loads(lines[0])

    def test_an_enforcing_laptop_with_the_deployed_policy_is_compliant(self):
        found = self.discover(status_json())
        self.assertEqual(found, {"BtfenceInstalled": True, "BtfenceRunning": True,
                                 "BtfenceEnforcing": True, "BtfenceMode": "enforce",
                                 "BtfencePolicySha256": SHA, "BtfenceExemptions": 0})
        self.assertEqual(judge(self.rules, found), [])

    def test_audit_mode_is_not(self):
        found = self.discover(status_json(mode="audit"))
        self.assertEqual(judge(self.rules, found), ["BtfenceEnforcing", "BtfenceMode"])

    def test_another_policy_is_not(self):
        found = self.discover(status_json(sha="0" * 64))
        self.assertEqual(judge(self.rules, found), ["BtfencePolicySha256"])

    def test_too_many_exemptions_are_not(self):
        found = self.discover(status_json(exemptions=7))
        self.assertEqual(judge(self.rules, found), ["BtfenceExemptions"])

    def test_a_stopped_daemon_is_not(self):
        found = self.discover("", status=3)
        self.assertEqual(found["BtfenceMode"], "not-running")
        self.assertIn("BtfenceRunning", judge(self.rules, found))
        self.assertIn("BtfenceEnforcing", judge(self.rules, found))

    def test_a_refused_read_is_not(self):
        found = self.discover("", status=4)
        self.assertEqual(found["BtfenceMode"], "not-authorized")
        self.assertIn("BtfenceEnforcing", judge(self.rules, found))

    def test_a_laptop_without_btfence_is_not(self):
        found = self.discover(installed=False)
        self.assertEqual(found["BtfenceMode"], "not-installed")
        self.assertIn("BtfenceInstalled", judge(self.rules, found))

    def test_output_it_does_not_understand_is_not(self):
        found = self.discover('{"format_version": 2, "enforcing": true}')
        self.assertFalse(found["BtfenceEnforcing"])
        self.assertIn("BtfenceEnforcing", judge(self.rules, found))

    def test_the_shipped_operand_marks_everyone_noncompliant_until_filled_in(self):
        shipped = json.loads(RULES.read_text())
        self.assertEqual(judge(shipped, self.discover(status_json())), ["BtfencePolicySha256"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
