"""Every OCSF line btfenced can write is valid in its class of the published OCSF schema
(../shared/schemas/ocsf), resolved by ocsf_schema.py: device decisions Peripheral Activity
(1010) with security_control's action_id, the audit trail's own life Event Log Activity (1008),
the rest Base Event (0)."""

import unittest

from ocsf_schema import Schema
from samples import samples


class TheOcsfValidator(unittest.TestCase):
    """The validator catches what it must, so a pass below means something."""

    @classmethod
    def setUpClass(cls):
        cls.schema = Schema()
        cls.good = next(s["ocsf"] for s in samples() if s["variant"] == "device"
                        and s["action"] == "pairing-denied")

    def mutated(self, change):
        event = __import__("copy").deepcopy(self.good)
        change(event)
        return self.schema.problems(event)

    def test_accepts_the_untouched_sample(self):
        self.assertEqual(self.schema.problems(self.good), [])

    def test_resolves_peripheral_activity_through_system_to_the_base_event(self):
        _, attributes, profiles, category = self.schema.event_class(1010)
        self.assertEqual(attributes["peripheral_device"]["requirement"], "required")
        self.assertEqual(attributes["actor"]["requirement"], "required")  # from system
        self.assertEqual(attributes["time"]["requirement"], "required")  # from base_event
        self.assertEqual(attributes["action_id"]["profile"], "security_control")
        self.assertIn("security_control", profiles)
        self.assertEqual(category["uid"], 1)

    def test_rejects_a_missing_required_attribute(self):
        self.assertIn("peripheral_device is required",
                      self.mutated(lambda e: e.pop("peripheral_device")))
        self.assertIn("peripheral_device.name is required",
                      self.mutated(lambda e: e["peripheral_device"].pop("name")))

    def test_rejects_an_attribute_the_class_does_not_have(self):
        self.assertIn("verdict is not an attribute here",
                      self.mutated(lambda e: e.update(verdict="deny")))

    def test_rejects_an_enum_value_the_schema_does_not_list(self):
        problems = self.mutated(lambda e: e.update(action_id=7))
        self.assertTrue(any(p.startswith("action_id = 7") for p in problems), problems)

    def test_rejects_a_caption_that_does_not_match_its_id(self):
        problems = self.mutated(lambda e: e.update(action="Blocked"))
        self.assertTrue(any("the caption of action_id 2 is 'Denied'" in p for p in problems),
                        problems)

    def test_rejects_a_wrong_type(self):
        self.assertIn("time = '2026' is not a timestamp_t",
                      self.mutated(lambda e: e.update(time="2026")))

    def test_rejects_profile_attributes_without_the_profile(self):
        problems = self.mutated(lambda e: e["metadata"].update(profiles=["host"]))
        self.assertIn("action_id is not an attribute here", problems)

    def test_rejects_a_wrong_type_uid(self):
        self.assertIn("type_uid is not class_uid * 100 + activity_id",
                      self.mutated(lambda e: e.update(type_uid=101099)))


class EveryOcsfLine(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.schema = Schema()

    def test_is_valid_in_its_class(self):
        for sample in samples():
            with self.subTest(action=sample["action"], variant=sample["variant"]):
                self.assertEqual(self.schema.problems(sample["ocsf"]), [])

    def test_makes_every_device_decision_peripheral_activity_with_an_action(self):
        for sample in samples():
            if "device" not in sample["ecs"]["btfence"]:
                continue
            event = sample["ocsf"]
            with self.subTest(action=sample["action"], variant=sample["variant"]):
                self.assertEqual(event["class_uid"], 1010)
                self.assertEqual(event["peripheral_device"]["uid"],
                                 sample["ecs"]["btfence"]["device"]["address"])
                self.assertEqual(event["peripheral_device"]["name"],
                                 sample["ecs"]["btfence"]["device"]["name"])
                verdict = sample["ecs"]["btfence"]["verdict"]
                mode = sample["ecs"]["btfence"]["mode"]
                expected = {"allow": 1, "deny": 2}[verdict] if mode == "enforce" else 3
                self.assertEqual(event["action_id"], expected)

    def test_puts_the_audit_trails_own_life_in_event_log_activity(self):
        classes = {s["action"]: s["ocsf"]["class_uid"] for s in samples()
                   if s["variant"] in ("daemon", "loss")}
        for action in ("daemon-started", "daemon-stopping", "audit-log-error",
                       "audit-events-dropped"):
            self.assertEqual(classes[action], 1008, action)
        self.assertEqual(classes["policy-loaded"], 0)

    def test_carries_an_aggregate_as_count_and_window(self):
        summary = next(s["ocsf"] for s in samples() if s["variant"] == "repeat-summary"
                       and s["action"] == "pairing-denied")
        self.assertEqual(summary["count"], 41)
        self.assertLess(summary["start_time"], summary["end_time"])


if __name__ == "__main__":
    unittest.main()
