"""The Sigma rules under docs/siem/ fit the events they target: every field a rule uses exists
in btfenced's ECS output for the actions it selects (as the serializer writes it), each rule
matches the event it is written for and not the everyday events around it."""

import copy
import glob
import os
import re
import unittest

import yaml

from samples import flatten, samples, source_dir

SUPPORTED_MODIFIERS = {None, "gte", "gt", "lte", "lt", "contains", "startswith", "endswith"}


def rules():
    paths = sorted(glob.glob(os.path.join(source_dir(), "docs", "siem", "*.yml")))
    loaded = []
    for path in paths:
        with open(path) as handle:
            loaded.append((os.path.basename(path), yaml.safe_load(handle)))
    return loaded


def selections(rule):
    return {name: value for name, value in rule["detection"].items() if name != "condition"}


def split(key):
    field, _, modifier = key.partition("|")
    return field, modifier or None


def value_matches(actual, expected, modifier):
    if actual is None:
        return False
    if modifier in ("gte", "gt", "lte", "lt"):
        if not isinstance(actual, (int, float)):
            return False
        return {"gte": actual >= expected, "gt": actual > expected,
                "lte": actual <= expected, "lt": actual < expected}[modifier]
    actual, expected = str(actual).lower(), str(expected).lower()  # Sigma: case-insensitive
    if modifier == "contains":
        return expected in actual
    if modifier == "startswith":
        return actual.startswith(expected)
    if modifier == "endswith":
        return actual.endswith(expected)
    return actual == expected


def selection_matches(selection, event):
    flat = flatten(event)
    for key, expected in selection.items():
        field, modifier = split(key)
        options = expected if isinstance(expected, list) else [expected]
        if not any(value_matches(flat.get(field), option, modifier) for option in options):
            return False
    return True


def rule_matches(rule, event):
    results = {name: selection_matches(selection, event)
               for name, selection in selections(rule).items()}
    condition = rule["detection"]["condition"]
    if not re.fullmatch(r"[\w\s()]+", condition):
        raise AssertionError("condition %r is beyond this test's reach" % condition)
    expression = re.sub(r"\b(?!and\b|or\b|not\b)(\w+)\b",
                        lambda m: str(results[m.group(1)]), condition)
    return eval(expression)  # only True/False, and, or, not, parentheses remain


def targeted_actions(selection):
    for key, value in selection.items():
        if split(key)[0] == "event.action":
            return value if isinstance(value, list) else [value]
    return []


class TheSigmaRules(unittest.TestCase):
    def test_exist_for_the_four_threats(self):
        names = {name for name, _ in rules()}
        self.assertEqual(names, {"btfence_suspected_spoof.yml",
                                 "btfence_repeated_refused_pairings.yml",
                                 "btfence_allowlist_tamper_restored.yml",
                                 "btfence_agent_stopped_or_gate_lost.yml"})

    def test_are_well_formed_sigma(self):
        for name, rule in rules():
            with self.subTest(rule=name):
                for key in ("title", "id", "status", "logsource", "detection", "level"):
                    self.assertIn(key, rule)
                self.assertEqual(rule["logsource"]["service"], "btfence")
                self.assertIn(rule["level"], ("informational", "low", "medium", "high",
                                              "critical"))
                for selection in selections(rule).values():
                    for key in selection:
                        self.assertIn(split(key)[1], SUPPORTED_MODIFIERS, key)

    def test_use_only_fields_the_targeted_events_carry(self):
        by_action = {}
        for sample in samples():
            by_action.setdefault(sample["action"], []).append(flatten(sample["ecs"]))
        for name, rule in rules():
            for selection_name, selection in selections(rule).items():
                actions = targeted_actions(selection)
                self.assertTrue(actions, "%s/%s selects no event.action" % (name,
                                                                             selection_name))
                for action in actions:
                    self.assertIn(action, by_action, "%s: no such action %s" % (name, action))
                    for key in selection:
                        field = split(key)[0]
                        with self.subTest(rule=name, action=action, field=field):
                            self.assertTrue(any(field in event for event in by_action[action]),
                                            "%s never carries %s" % (action, field))
                    for field in rule.get("fields", []):
                        with self.subTest(rule=name, action=action, listed=field):
                            self.assertTrue(any(field in event for event in by_action[action]),
                                            "%s never carries %s" % (action, field))

    def sample(self, action, variant=None):
        for sample in samples():
            if sample["action"] == action and (variant is None and sample["typical"] or
                                               sample["variant"] == variant):
                return sample["ecs"]
        raise AssertionError("no sample of %s %s" % (action, variant))

    def rule(self, name):
        return dict(rules())[name]

    def test_suspected_spoof_matches_a_caught_spoof_and_its_return_only(self):
        rule = self.rule("btfence_suspected_spoof.yml")
        self.assertTrue(rule_matches(rule, self.sample("suspected-spoof")))
        self.assertTrue(rule_matches(rule, self.sample("device-blocked")))
        # A failed probe makes a suspected-spoof event of its own: one alert, not two.
        self.assertFalse(rule_matches(rule, self.sample("verification-failed")))
        self.assertFalse(rule_matches(rule, self.sample("verification-passed")))
        self.assertFalse(rule_matches(rule, self.sample("device-unblocked")))
        self.assertFalse(rule_matches(rule, self.sample("pairing-denied")))

    def test_repeated_refusals_match_a_summary_of_many_not_a_single_refusal(self):
        rule = self.rule("btfence_repeated_refused_pairings.yml")
        summary = self.sample("pairing-denied", "repeat-summary")
        self.assertGreaterEqual(summary["btfence"]["repeat"]["count"], 5)
        self.assertTrue(rule_matches(rule, summary))
        self.assertFalse(rule_matches(rule, self.sample("pairing-denied")),
                         "one refusal is not an attack")
        few = copy.deepcopy(summary)
        few["btfence"]["repeat"]["count"] = 2
        self.assertFalse(rule_matches(rule, few))

    def test_allowlist_tamper_matches_the_detection_and_the_restore(self):
        rule = self.rule("btfence_allowlist_tamper_restored.yml")
        self.assertTrue(rule_matches(rule, self.sample("tamper-detected")))
        self.assertTrue(rule_matches(rule, self.sample("service-allowlist-applied")))
        routine = copy.deepcopy(self.sample("service-allowlist-applied"))
        routine["btfence"]["trigger"] = "start"
        self.assertFalse(rule_matches(rule, routine), "a routine apply is no tamper")

    def test_gate_lost_matches_stops_and_losses_not_a_normal_start(self):
        rule = self.rule("btfence_agent_stopped_or_gate_lost.yml")
        for action in ("daemon-stopping", "agent-released", "bluez-lost"):
            self.assertTrue(rule_matches(rule, self.sample(action)), action)
        registered = self.sample("agent-registered")
        self.assertFalse(rule_matches(rule, registered))
        failed = copy.deepcopy(registered)
        failed["event"]["outcome"] = "failure"
        self.assertTrue(rule_matches(rule, failed))
        self.assertFalse(rule_matches(rule, self.sample("daemon-started")))


if __name__ == "__main__":
    unittest.main()
