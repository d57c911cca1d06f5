"""Layer 1, the pairing gate: every Agent1 call bluetoothd makes for a remote-initiated pairing
is answered per policy (FIDO keys allowed, everything else refused) and audited."""

import unittest

from harness import (ACCEPTED, AGENT_PATH, REJECTED, IntegrationTest)

KEY = "C0:FF:EE:00:00:01"
KEYBOARD = "AA:BB:CC:DD:EE:01"
PHONE = "5A:11:22:33:44:55"


class AFidoKeyPairingFromTheRemote(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.key = self.add_fido_key(KEY)

    def test_just_works_is_accepted_paired_and_audited_as_pairing_allowed(self):
        self.assertEqual(self.fake.simulate_pairing(self.key, "justworks"), ACCEPTED)
        event = self.wait_for_audit("pairing-allowed", btfence__device__address=KEY)
        self.assertEqual(event["btfence"]["verdict"], "allow")
        self.assertEqual(event["btfence"]["mode"], "enforce")
        self.assertEqual(event["btfence"]["trigger"], "RequestAuthorization")
        self.assertEqual(event["btfence"]["adapter"], "hci0")
        self.assertEqual(event["btfence"]["device"]["class"], "fido-ble")
        self.assertEqual(event["btfence"]["device"]["path"], self.key)
        self.assertEqual(event["btfence"]["device"]["name"], "FIDO key")
        self.assertEqual(event["rule"]["id"], "fido-keys")
        self.assertEqual(event["event"]["outcome"], "success")
        self.assertTrue(bool(self.fake.device_property(self.key, "Paired")))

    def test_its_new_bond_is_kept_and_audited_as_bond_kept(self):
        self.assertEqual(self.fake.simulate_pairing(self.key, "justworks"), ACCEPTED)
        self.wait_for_audit("bond-kept", btfence__device__address=KEY)
        self.barrier()
        self.assert_not_removed(self.key)

    def test_numeric_comparison_is_accepted(self):
        self.assertEqual(self.fake.simulate_pairing(self.key, "numeric", 449824), ACCEPTED)
        event = self.wait_for_audit("pairing-allowed", btfence__device__address=KEY)
        self.assertEqual(event["btfence"]["trigger"], "RequestConfirmation")

    def test_passkey_entry_is_refused_because_no_person_can_type_into_a_daemon(self):
        self.assertEqual(self.fake.simulate_pairing(self.key, "passkey"), REJECTED)
        event = self.wait_for_audit("pairing-denied", btfence__device__address=KEY)
        self.assertEqual(event["btfence"]["trigger"], "RequestPasskey")
        self.assertFalse(bool(self.fake.device_property(self.key, "Paired")))

    def test_a_displayed_passkey_is_acknowledged_and_audited(self):
        self.assertEqual(self.fake.simulate_pairing(self.key, "display", 123456), ACCEPTED)
        self.wait_for_audit("passkey-displayed", btfence__device__address=KEY)

    def test_service_authorization_is_refused_when_its_rule_lists_no_services(self):
        # FIDO over GATT needs no AuthorizeService; the rule lists none (test_service_
        # authorization has rules that do).
        self.assertEqual(self.fake.simulate_pairing(self.key, "authorize-service", "fffd"),
                         REJECTED)
        event = self.wait_for_audit("service-denied", btfence__device__address=KEY)
        self.assertEqual(event["btfence"]["trigger"], "AuthorizeService")


class AKeyboardPairingFromTheRemote(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.keyboard = self.add_keyboard(KEYBOARD)

    def test_just_works_is_refused_with_rejected_and_audited_as_pairing_denied(self):
        self.assertEqual(self.fake.simulate_pairing(self.keyboard, "justworks"), REJECTED)
        event = self.wait_for_audit("pairing-denied", btfence__device__address=KEYBOARD)
        self.assertEqual(event["btfence"]["verdict"], "deny")
        self.assertEqual(event["btfence"]["mode"], "enforce")
        self.assertEqual(event["btfence"]["trigger"], "RequestAuthorization")
        self.assertEqual(event["btfence"]["device"]["class"], "other")
        self.assertEqual(event["btfence"]["device"]["path"], self.keyboard)
        self.assertEqual(event["rule"]["id"], "default")
        self.assertFalse(bool(self.fake.device_property(self.keyboard, "Paired")))

    def test_numeric_comparison_is_refused(self):
        self.assertEqual(self.fake.simulate_pairing(self.keyboard, "numeric", 111111), REJECTED)
        event = self.wait_for_audit("pairing-denied", btfence__device__address=KEYBOARD)
        self.assertEqual(event["btfence"]["trigger"], "RequestConfirmation")

    def test_pin_code_is_refused(self):
        self.assertEqual(self.fake.simulate_pairing(self.keyboard, "pincode"), REJECTED)
        self.wait_for_audit("pairing-denied", btfence__device__address=KEYBOARD)

    def test_service_authorization_for_hid_is_refused(self):
        self.assertEqual(self.fake.simulate_pairing(self.keyboard, "authorize-service", "1124"),
                         REJECTED)
        event = self.wait_for_audit("service-denied", btfence__device__address=KEYBOARD)
        self.assertEqual(event["btfence"]["trigger"], "AuthorizeService")

    def test_a_cancelled_request_is_audited(self):
        self.assertEqual(self.fake.simulate_pairing(self.keyboard, "cancel"), ACCEPTED)
        self.wait_for_audit("pairing-cancelled")


class AHybridAdvertiserTryingToPair(IntegrationTest):
    """A phone doing hybrid (caBLE) never pairs; one that tries is refused."""

    def test_is_refused_and_classified_hybrid(self):
        phone = self.fake.add_device(self.adapters["hci0"], PHONE, Name="Phone",
                                     ServiceData={"fff9": bytes(range(20))})
        self.assertEqual(self.fake.simulate_pairing(phone, "justworks"), REJECTED)
        event = self.wait_for_audit("pairing-denied", btfence__device__address=PHONE)
        self.assertEqual(event["btfence"]["device"]["class"], "hybrid")


class TheAgentRegistration(IntegrationTest):
    def test_is_a_KeyboardOnly_agent_made_default_before_ready(self):
        register = self.fake.find_calls("RegisterAgent", sender=self.agent_sender)
        self.assertEqual([c["args"] for c in register], [[AGENT_PATH, "KeyboardOnly"]])
        self.assertEqual(register[0]["result"], "ok")
        default = self.fake.find_calls("RequestDefaultAgent", sender=self.agent_sender)
        self.assertEqual([c["args"] for c in default], [[AGENT_PATH]])
        self.assertGreater(default[0]["seq"], register[0]["seq"])
        # Queried as soon as READY=1 arrived: the agent must already be the default one.
        self.assertIn((self.agent_sender, AGENT_PATH, "KeyboardOnly", True),
                      self.agents_at_ready)
        self.wait_for_audit("agent-registered")


if __name__ == "__main__":
    unittest.main()
