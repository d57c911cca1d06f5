"""Every ECS line btfenced can write uses only ECS 9.4 fields (ecs_flat.yml, the published
schema) with their types and allowed values, and btfence's own fields under btfence.*."""

import os
import re
import unittest

import yaml

from samples import flatten, samples, schemas_dir

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def load_ecs():
    with open(os.path.join(schemas_dir(), "ecs", "ecs_flat.yml")) as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def type_problem(field, value):
    """Why `value` cannot be a value of the ECS field (None when it can)."""
    ecs_type = field["type"]
    values = value if isinstance(value, list) else [value]
    if isinstance(value, list) and "array" not in field.get("normalize", []):
        return "an array, but ECS does not normalize %s to an array" % field["name"]
    for item in values:
        if ecs_type in ("keyword", "constant_keyword", "wildcard", "match_only_text", "text"):
            if not isinstance(item, str):
                return "%r is not a string (%s)" % (item, ecs_type)
        elif ecs_type in ("long", "integer", "short", "byte", "unsigned_long"):
            if not isinstance(item, int) or isinstance(item, bool):
                return "%r is not an integer (%s)" % (item, ecs_type)
        elif ecs_type in ("float", "scaled_float", "double", "half_float"):
            if not isinstance(item, (int, float)) or isinstance(item, bool):
                return "%r is not a number (%s)" % (item, ecs_type)
        elif ecs_type == "date":
            if not isinstance(item, str) or not RFC3339.match(item):
                return "%r is not an RFC 3339 date" % (item,)
        elif ecs_type == "boolean":
            if not isinstance(item, bool):
                return "%r is not a boolean" % (item,)
        else:
            return "btfence does not use ECS type %s" % ecs_type
    allowed = field.get("allowed_values")
    if allowed:
        names = {entry["name"] for entry in allowed}
        for item in values:
            if item not in names:
                return "%r is not an allowed value (%s)" % (item, sorted(names))
    return None


def ecs_problems(line, ecs):
    problems = []
    for name, value in flatten(line).items():
        if name.startswith("btfence."):
            continue
        field = ecs.get(name)
        if field is None:
            problems.append("%s is not an ECS field" % name)
            continue
        problem = type_problem(field, value)
        if problem:
            problems.append("%s: %s" % (name, problem))
    # Each event.type must be one ECS expects for one of the event's categories.
    categories = {entry["name"]: entry for entry in ecs["event.category"]["allowed_values"]}
    expected = set()
    for category in line.get("event", {}).get("category", []):
        expected.update(categories.get(category, {}).get("expected_event_types") or [])
    for event_type in line.get("event", {}).get("type", []):
        if event_type not in expected:
            problems.append("event.type %s is not expected for categories %s" %
                            (event_type, line["event"]["category"]))
    return problems


class TheEcsCheck(unittest.TestCase):
    """The checker itself catches what it must, so a pass below means something."""

    @classmethod
    def setUpClass(cls):
        cls.ecs = load_ecs()

    def test_rejects_a_field_ecs_does_not_have(self):
        self.assertEqual(ecs_problems({"rule": {"reason": "x"}}, self.ecs),
                         ["rule.reason is not an ECS field"])

    def test_rejects_a_value_outside_the_allowed_values(self):
        problems = ecs_problems({"event": {"kind": "event", "outcome": "denied"}}, self.ecs)
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("event.outcome", problems[0])

    def test_rejects_a_type_the_category_does_not_expect(self):
        problems = ecs_problems({"event": {"category": ["process"], "type": ["denied"]}},
                                self.ecs)
        self.assertEqual(problems, ["event.type denied is not expected for categories "
                                    "['process']"])

    def test_rejects_a_wrong_type(self):
        problems = ecs_problems({"event": {"sequence": "7"}, "@timestamp": "yesterday"},
                                self.ecs)
        self.assertEqual(len(problems), 2, problems)

    def test_leaves_btfence_fields_alone(self):
        self.assertEqual(ecs_problems({"btfence": {"anything": [1, {"x": 2}]}}, self.ecs), [])


class EveryEcsLine(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ecs = load_ecs()

    def test_the_schema_is_ecs_9_4(self):
        with open(os.path.join(schemas_dir(), "ecs", "VERSION")) as handle:
            version = handle.read().split()[0].lstrip("v")  # "v9.4.0 <commit>"
        self.assertTrue(version.startswith("9.4"), version)
        for sample in samples():
            self.assertEqual(sample["ecs"]["ecs"]["version"], version)

    def test_uses_only_ecs_fields_with_their_types_and_allowed_values(self):
        for sample in samples():
            with self.subTest(action=sample["action"], variant=sample["variant"]):
                self.assertEqual(ecs_problems(sample["ecs"], self.ecs), [])

    def test_covers_every_action_with_and_without_a_device(self):
        seen = {(s["action"], s["variant"] in ("device",)) for s in samples()}
        actions = {s["action"] for s in samples()}
        for action in actions:
            self.assertIn((action, True), seen)
            self.assertIn((action, False), seen)

    def test_carries_what_product_md_4_requires(self):
        for sample in samples():
            flat = flatten(sample["ecs"])
            with self.subTest(action=sample["action"], variant=sample["variant"]):
                for name in ("@timestamp", "event.action", "event.outcome", "event.sequence",
                             "host.name", "rule.id", "btfence.mode", "btfence.policy.sha256"):
                    self.assertIn(name, flat)
                if sample["variant"] == "device":
                    for name in ("btfence.adapter", "btfence.device.address",
                                 "btfence.device.name", "btfence.device.class",
                                 "btfence.verdict"):
                        self.assertIn(name, flat)


if __name__ == "__main__":
    unittest.main()
