"""Only bluetoothd speaks for bluetoothd, and only the bus driver for name ownership. A local
user without privileges (forger.py, run as `nobody` through setpriv) forges each kind of signal
btfenced acts on, broadcast and sent straight to btfenced's unique name (which no match rule on
the bus filters), and calls btfenced's agent as if it were bluetoothd. Nothing changes: no
removal, no re-registration, no "bluetoothd left", no allowlist restored, no agent state; and
bluetoothd's own signals are still believed afterwards."""

import unittest

from harness import ACCEPTED, IntegrationTest, make_policy

HCI0_ADDRESS = "00:AA:01:00:00:00"
KEY = "C0:FF:EE:00:00:01"
KEYBOARD = "AA:BB:CC:DD:EE:01"
FORGED_KEYBOARD = "AA:BB:CC:DD:EE:66"
HID = "1812"


class ForgedSignals(IntegrationTest):
    POLICY = make_policy(adapters=[HCI0_ADDRESS])
    ADAPTERS = (("hci0", HCI0_ADDRESS, {"admin_policy": True}),)

    def prepare(self):
        # An allowed, bonded and connected FIDO key: a forged "it serves HID now" would get it
        # removed (a denial of service), a forged removal would make btfenced forget it.
        self.key = self.add_fido_key(KEY, Paired=True, Bonded=True, Connected=True)

    def setUp(self):
        super().setUp()
        self.hci0 = self.adapters["hci0"]
        self.bluez_owner = str(self.conn.get_name_owner("org.bluez"))
        self.wait_for_call("SetServiceAllowList", path=self.hci0, sender=self.daemon_sender)
        self.wait_for_audit("bond-kept", btfence__device__address=KEY)
        # Everything start-up causes is done and audited before the forgeries (the barrier's
        # own event is written after the others).
        self.barrier()
        self.wait_for_audit("pairing-denied", btfence__device__address="BA:22:1E:00:00:01")

    def forge(self, *actions):
        for action in actions:
            action.setdefault("to", [self.daemon_sender])
        return self.run_forger(*actions)

    def assert_real_signals_still_believed(self):
        keyboard = self.add_keyboard(KEYBOARD)
        since = self.fake.last_seq()
        self.fake.bypass_pair(keyboard)
        self.assert_removed(keyboard, since=since)

    def assert_nothing_happened(self, mark, since):
        self.barrier()
        for action in ("bluez-lost", "bluez-found", "device-removed", "tamper-detected",
                       "agent-registered", "service-allowlist-applied"):
            self.assertEqual(self.audit.matching(action, since=mark), [],
                             "forged signals caused %s:\n%s" % (action, self.audit.summary()))
        for member in ("RemoveDevice", "Disconnect", "RegisterAgent", "RequestDefaultAgent",
                       "SetServiceAllowList"):
            self.assertEqual(self.fake.find_calls(member, since=since), [],
                             "forged signals caused a %s call" % member)
        self.assert_not_removed(self.key)

    def test_a_forged_name_owner_change_does_not_replace_bluetoothd(self):
        mark, since = self.audit.mark(), self.fake.last_seq()
        self.forge({"signal": "NameOwnerChanged", "name": "org.bluez", "old": self.bluez_owner,
                    "new": "@self"},
                   {"signal": "NameOwnerChanged", "name": "org.bluez", "old": self.bluez_owner,
                    "new": ""})
        self.assert_nothing_happened(mark, since)
        self.assert_real_signals_still_believed()

    def test_forged_interfaces_added_and_removed_change_nothing(self):
        mark, since = self.audit.mark(), self.fake.last_seq()
        forged_keyboard = self.hci0 + "/dev_" + FORGED_KEYBOARD.replace(":", "_")
        self.forge(
            {"signal": "InterfacesAdded", "path": self.key, "interface": "org.bluez.Device1",
             "properties": {"Address": KEY, "AddressType": "random", "Adapter": self.hci0,
                            "UUIDs": [HID], "Paired": True, "Bonded": True}},
            {"signal": "InterfacesAdded", "path": forged_keyboard,
             "interface": "org.bluez.Device1",
             "properties": {"Address": FORGED_KEYBOARD, "AddressType": "public",
                            "Adapter": self.hci0, "UUIDs": [HID], "Paired": True}},
            {"signal": "InterfacesRemoved", "path": self.key,
             "interfaces": ["org.bluez.Device1"]},
            {"signal": "InterfacesRemoved", "path": self.hci0,
             "interfaces": ["org.bluez.Adapter1"]})
        self.assert_nothing_happened(mark, since)
        self.assert_real_signals_still_believed()

    def test_forged_device_property_changes_change_nothing(self):
        mark, since = self.audit.mark(), self.fake.last_seq()
        self.forge({"signal": "PropertiesChanged", "path": self.key,
                    "interface": "org.bluez.Device1", "properties": {"UUIDs": [HID]}},
                   {"signal": "PropertiesChanged", "path": self.key,
                    "interface": "org.bluez.Device1",
                    "properties": {"Paired": False, "Bonded": False, "Connected": False}})
        self.assert_nothing_happened(mark, since)
        # btfenced still holds the key as bluetoothd describes it: allowed.
        self.assertEqual(self.fake.simulate_pairing(self.key, "justworks"), ACCEPTED)

    def test_forged_adapter_and_allowlist_changes_change_nothing(self):
        mark, since = self.audit.mark(), self.fake.last_seq()
        self.forge({"signal": "PropertiesChanged", "path": self.hci0,
                    "interface": "org.bluez.AdminPolicyStatus1",
                    "properties": {"ServiceAllowList": []}},
                   # hci0 is managed by its address: a forged new address would unmanage it.
                   {"signal": "PropertiesChanged", "path": self.hci0,
                    "interface": "org.bluez.Adapter1",
                    "properties": {"Address": "00:AA:01:99:99:99"}})
        self.assert_nothing_happened(mark, since)
        self.assert_real_signals_still_believed()


class ForgedAgentCalls(IntegrationTest):
    """The bus here lets every user call org.bluez.Agent1 methods on anyone, as a system bus
    whose policy for btfenced's names is open would: btfenced's safety does not rest on it."""

    EXTRA_BUS_POLICY = """
    <allow send_type="method_call" send_interface="org.bluez.Agent1"/>"""

    def setUp(self):
        super().setUp()
        self.key = self.add_fido_key(KEY)

    def test_only_bluetoothd_may_call_the_agent(self):
        mark, since = self.audit.mark(), self.fake.last_seq()
        agent = {"to": self.agent_sender, "path": "/org/btfence/agent"}
        lines = self.run_forger(dict(agent, call="Release"), dict(agent, call="Cancel"),
                                dict(agent, call="RequestAuthorization", args=[self.key]),
                                dict(agent, call="RequestPasskey", args=[self.key]),
                                dict(agent, call="AuthorizeService",
                                     args=[self.key, "0000110b-0000-1000-8000-00805f9b34fb"]))
        results = [line["result"] for line in lines if "result" in line]
        self.assertEqual(results, ["org.freedesktop.DBus.Error.AccessDenied"] * 5)
        tamper = self.wait_for_audit("tamper-detected", since=mark)
        self.assertIn("not bluetoothd", tamper["message"])
        self.barrier()
        for action in ("agent-released", "pairing-cancelled", "pairing-allowed",
                       "service-authorized"):
            self.assertEqual(self.audit.matching(action, since=mark), [],
                             "a forged call caused %s" % action)
        # Still registered and default, still answering bluetoothd.
        self.assertEqual(self.fake.find_calls("RegisterAgent", since=since), [])
        self.assertIn((self.agent_sender, "/org/btfence/agent", "KeyboardOnly", True),
                      self.fake.agents())
        self.assertEqual(self.fake.simulate_pairing(self.key, "justworks"), ACCEPTED)


if __name__ == "__main__":
    unittest.main()
