"""Layer 2, post-hoc enforcement: what gets past the agent (a local Just Works pairing that
bluez auto-accepts, a Trusted flag set by someone else, GATT services that turn out to be HID)
is disconnected, removed and audited."""

import unittest

import dbus

from harness import ACCEPTED, IntegrationTest

KEY = "C0:FF:EE:00:00:01"
KEYBOARD = "AA:BB:CC:DD:EE:01"


class AKeyboardPairedBehindTheAgentsBack(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.keyboard = self.add_keyboard(KEYBOARD)

    def test_is_disconnected_then_removed_and_audited_as_device_removed(self):
        since = self.fake.last_seq()
        self.fake.bypass_pair(self.keyboard)
        disconnect = self.wait_for_call("Disconnect", path=self.keyboard, since=since)
        self.assertEqual(disconnect["sender"], self.daemon_sender)
        removal = self.assert_removed(self.keyboard, since=since)
        self.assertGreater(removal["seq"], disconnect["seq"], "RemoveDevice before Disconnect")
        event = self.wait_for_audit("device-removed", btfence__device__address=KEYBOARD)
        self.assertEqual(event["event"]["outcome"], "success")
        self.assertEqual(event["btfence"]["mode"], "enforce")
        self.assertEqual(event["btfence"]["verdict"], "deny")
        self.assertEqual(event["btfence"]["device"]["class"], "other")
        self.assertEqual(event["btfence"]["adapter"], "hci0")
        self.assertEqual(event["rule"]["id"], "default")

    def test_trusted_by_someone_else_is_removed(self):
        # `bluetoothctl trust` from another local client: Properties.Set on the device.
        since = self.fake.last_seq()
        self.conn.get_object("org.bluez", self.keyboard, introspect=False).Set(
            "org.bluez.Device1", "Trusted", dbus.Boolean(True),
            dbus_interface="org.freedesktop.DBus.Properties")
        self.assert_removed(self.keyboard, since=since)
        self.wait_for_audit("device-removed", btfence__device__address=KEYBOARD)

    def test_merely_connected_is_left_to_the_gate(self):
        # A connection without a bond is not cut: tearing down an LE link while its pairing is
        # being set up crashed the Debian 12 kernel in the e2e VM (docs/architecture.md).
        since = self.fake.last_seq()
        self.fake.set_device(self.keyboard, Connected=True)
        self.barrier()
        self.assertEqual(self.fake.find_calls("Disconnect", path=self.keyboard, since=since), [])
        self.assert_not_removed(self.keyboard, since=since)

    def test_connected_then_paired_is_disconnected_before_it_is_removed(self):
        since = self.fake.last_seq()
        self.fake.set_device(self.keyboard, Connected=True)
        self.fake.set_device(self.keyboard, Paired=True)
        disconnect = self.wait_for_call("Disconnect", path=self.keyboard, since=since)
        removal = self.assert_removed(self.keyboard, since=since)
        self.assertGreater(removal["seq"], disconnect["seq"])


class AFidoKeyPairedLocally(IntegrationTest):
    def test_keeps_its_bond(self):
        key = self.add_fido_key(KEY)
        self.fake.bypass_pair(key)
        self.wait_for_audit("bond-kept", btfence__device__address=KEY)
        self.barrier()
        self.assert_not_removed(key)


class ADeviceWhoseUuidsChangeAfterPairing(IntegrationTest):
    """After connecting, bluez replaces Device1.UUIDs with the GATT services found."""

    def setUp(self):
        super().setUp()
        self.key = self.add_fido_key(KEY)
        self.assertEqual(self.fake.simulate_pairing(self.key, "justworks"), ACCEPTED)
        self.wait_for_audit("pairing-allowed", btfence__device__address=KEY)

    def test_from_fido_to_fido_plus_hid_is_removed(self):
        since = self.fake.last_seq()
        mark = self.audit.mark()
        self.fake.set_device(self.key, Connected=True)
        self.fake.set_device(self.key, UUIDs=["fffd", "1812"], ServicesResolved=True)
        self.assert_removed(self.key, since=since)
        event = self.wait_for_audit("device-removed", since=mark, btfence__device__address=KEY)
        self.assertEqual(event["btfence"]["device"]["class"], "other")
        self.assertEqual(event["event"]["outcome"], "success")

    def test_to_only_fido_gatt_services_keeps_its_bond(self):
        since = self.fake.last_seq()
        self.fake.set_device(self.key, Connected=True)
        self.fake.set_device(self.key, UUIDs=["1800", "1801", "180a", "180f", "fffd"],
                             ServicesResolved=True)
        self.barrier()
        self.assert_not_removed(self.key, since=since)


if __name__ == "__main__":
    unittest.main()
