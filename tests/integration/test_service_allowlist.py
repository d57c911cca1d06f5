"""Layer 4: where the adapter has org.bluez.AdminPolicySet1, btfenced sets the service
allowlist computed from the policy and puts it back when someone else changes it."""

import json
import unittest

import dbus

from harness import (BATTERY, DEVICE_INFORMATION, FIDO, GAP, GATT, IntegrationTest,
                     make_policy)

HEART_RATE = "0000180d-0000-1000-8000-00805f9b34fb"
ADMIN_SET = "org.bluez.AdminPolicySet1"
ADMIN_STATUS = "org.bluez.AdminPolicyStatus1"
EXPECTED = sorted({FIDO, GAP, GATT, DEVICE_INFORMATION, BATTERY, HEART_RATE})


class AnAdapterWithAdminPolicy(IntegrationTest):
    POLICY = make_policy(extra_services=[HEART_RATE])
    ADAPTERS = (("hci0", "00:AA:01:00:00:00", {"admin_policy": True}),)

    def setUp(self):
        super().setUp()
        self.hci0 = self.adapters["hci0"]
        self.applied = self.wait_for_call("SetServiceAllowList", path=self.hci0,
                                          sender=self.daemon_sender)

    def status(self):
        return sorted(str(u) for u in self.fake.adapter_property(self.hci0, ADMIN_STATUS,
                                                                 "ServiceAllowList"))

    def test_gets_the_policy_allowlist(self):
        self.assertEqual(self.applied["result"], "ok")
        self.assertEqual(sorted(self.applied["args"][0]), EXPECTED)
        self.assertEqual(len(self.applied["args"][0]), len(EXPECTED), "duplicates")
        event = self.wait_for_audit("service-allowlist-applied")
        # Which adapter: named somewhere in the event (the contract fixes no field for it).
        self.assertIn("hci0", json.dumps(event))
        self.assertEqual(self.status(), EXPECTED)

    def test_changed_by_another_client_is_detected_and_put_back(self):
        self.wait_for_audit("service-allowlist-applied")
        mark = self.audit.mark()
        since = self.fake.last_seq()
        # Any local user may call this on bluez 5.66: an empty list allows every profile.
        self.conn.get_object("org.bluez", self.hci0, introspect=False).SetServiceAllowList(
            dbus.Array([], signature="s"), dbus_interface=ADMIN_SET)
        self.wait_for_audit("tamper-detected", since=mark)
        again = self.wait_for_call("SetServiceAllowList", path=self.hci0,
                                   sender=self.daemon_sender, since=since)
        self.assertEqual(sorted(again["args"][0]), EXPECTED)
        self.assertEqual(self.status(), EXPECTED)

    def test_changed_behind_the_bus_is_detected_and_put_back(self):
        self.wait_for_audit("service-allowlist-applied")
        mark = self.audit.mark()
        since = self.fake.last_seq()
        self.fake.set_properties(self.hci0, ADMIN_STATUS, ServiceAllowList=["1812", "fffd"])
        self.wait_for_audit("tamper-detected", since=mark)
        again = self.wait_for_call("SetServiceAllowList", path=self.hci0,
                                   sender=self.daemon_sender, since=since)
        self.assertEqual(sorted(again["args"][0]), EXPECTED)
        self.assertEqual(self.status(), EXPECTED)


class AnAdapterWithoutAdminPolicy(IntegrationTest):
    def test_is_reported_once_as_unavailable_and_nothing_is_called(self):
        event = self.wait_for_audit("service-allowlist-unavailable")
        self.assertIn("hci0", json.dumps(event))
        self.barrier()
        self.assertEqual(len(self.audit.matching("service-allowlist-unavailable")), 1)
        self.assertEqual(self.fake.find_calls("SetServiceAllowList"), [])


class AnAllowlistSwitchedOffByPolicy(IntegrationTest):
    POLICY = make_policy(service_allowlist="off")
    ADAPTERS = (("hci0", "00:AA:01:00:00:00", {"admin_policy": True}),)

    def test_is_never_set(self):
        self.barrier()
        self.assertEqual(self.fake.find_calls("SetServiceAllowList"), [])
        self.assertEqual(self.audit.matching("service-allowlist-applied"), [])


if __name__ == "__main__":
    unittest.main()
