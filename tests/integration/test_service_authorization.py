"""AuthorizeService is granted only for the services the deciding rule lists in `services`
(default: none; FIDO over GATT needs none). The event names the service and the rule."""

import unittest

from harness import ACCEPTED, REJECTED, IntegrationTest, field, make_policy

KEY = "C0:FF:EE:00:00:01"
KEYBOARD = "AA:BB:CC:DD:EE:01"
OBEX_PUSH = "0000110b-0000-1000-8000-00805f9b34fb"
HID_CLASSIC = "00001124-0000-1000-8000-00805f9b34fb"


class AnAllowedKeyAskingForAProfile(IntegrationTest):
    POLICY = make_policy()  # fido-keys lists no services

    def test_is_refused_because_its_rule_lists_none(self):
        key = self.add_fido_key(KEY)
        self.assertEqual(self.fake.simulate_pairing(key, "authorize-service", HID_CLASSIC),
                         REJECTED)
        event = self.wait_for_audit("service-denied", btfence__device__address=KEY)
        self.assertEqual(field(event, "rule.id"), "fido-keys")
        self.assertEqual(field(event, "btfence.service"), HID_CLASSIC)
        self.assertIn("does not list service 0x1124", field(event, "event.reason"))
        # Pairing itself is still allowed: only the profile is refused.
        self.assertEqual(self.fake.simulate_pairing(key, "justworks"), ACCEPTED)


class ARuleThatListsServices(IntegrationTest):
    POLICY = make_policy(rules=({"id": "fido-keys", "verdict": "allow", "class": ["fido-ble"],
                                 "services": ["0x110B"]},))

    def test_grants_exactly_those_and_names_them(self):
        key = self.add_fido_key(KEY)
        self.assertEqual(self.fake.simulate_pairing(key, "authorize-service", "110b"), ACCEPTED)
        granted = self.wait_for_audit("service-authorized", btfence__device__address=KEY)
        self.assertEqual(field(granted, "btfence.service"), OBEX_PUSH)
        self.assertEqual(field(granted, "rule.id"), "fido-keys")
        self.assertIn("0x110B", granted["message"])
        self.assertEqual(self.fake.simulate_pairing(key, "authorize-service", HID_CLASSIC),
                         REJECTED)
        denied = self.wait_for_audit("service-denied", btfence__device__address=KEY)
        self.assertEqual(field(denied, "btfence.service"), HID_CLASSIC)

    def test_grants_nothing_to_a_device_the_policy_denies(self):
        keyboard = self.add_keyboard(KEYBOARD)
        self.assertEqual(self.fake.simulate_pairing(keyboard, "authorize-service", "110b"),
                         REJECTED)
        event = self.wait_for_audit("service-denied", btfence__device__address=KEYBOARD)
        self.assertEqual(field(event, "rule.id"), "default")


if __name__ == "__main__":
    unittest.main()
