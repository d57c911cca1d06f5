"""bluetoothd going away and coming back (a new process, so a new unique name on the bus):
btfenced notices through NameOwnerChanged, registers its agent again and keeps enforcing."""

import unittest

from harness import AGENT_PATH, REJECTED, IntegrationTest

KEYBOARD = "AA:BB:CC:DD:EE:01"
KEYBOARD_2 = "AA:BB:CC:DD:EE:02"


class ABluetoothdRestart(IntegrationTest):
    def restart_bluez(self, release_agents):
        mark = self.audit.mark()
        since = self.fake.last_seq()
        old_owner = self.conn.get_name_owner("org.bluez")
        self.fake.stop_bluez(release_agents)
        self.wait_for_audit("bluez-lost", since=mark)
        self.fake.start_bluez()
        self.assertNotEqual(self.conn.get_name_owner("org.bluez"), old_owner)
        self.wait_for_audit("bluez-found", since=mark)
        register = self.wait_for_call("RegisterAgent", since=since, sender=self.agent_sender,
                                      result="ok")
        self.assertEqual(register["args"], [AGENT_PATH, "KeyboardOnly"])
        default = self.wait_for_call("RequestDefaultAgent", since=register["seq"],
                                     sender=self.agent_sender, result="ok")
        self.assertEqual(default["args"], [AGENT_PATH])
        self.wait_for_audit("agent-registered", since=mark)
        self.wait(lambda: (self.agent_sender, AGENT_PATH, "KeyboardOnly", True)
                  in self.fake.agents(), 5, lambda: "btfenced's agent is the default again")
        # The adapter comes back right after the name; the tests below need it.
        self.wait(lambda: self.fake.object_exists(self.adapters["hci0"]), 5,
                  lambda: "hci0 back")

    def check_enforcement(self):
        keyboard = self.add_keyboard(KEYBOARD)
        self.assertEqual(self.fake.simulate_pairing(keyboard, "justworks"), REJECTED)
        since = self.fake.last_seq()
        sneaky = self.add_keyboard(KEYBOARD_2)
        self.fake.bypass_pair(sneaky)
        self.assert_removed(sneaky, since=since)

    def test_with_agent_release_registers_the_agent_again_and_enforcement_continues(self):
        mark = self.audit.mark()
        self.restart_bluez(release_agents=True)
        self.wait_for_audit("agent-released", since=mark)
        self.check_enforcement()

    def test_after_a_crash_registers_the_agent_again_and_enforcement_continues(self):
        self.restart_bluez(release_agents=False)
        self.check_enforcement()

    def test_twice_in_a_row_still_ends_with_the_agent_registered(self):
        self.restart_bluez(release_agents=True)
        self.restart_bluez(release_agents=False)
        self.check_enforcement()


class ADaemonStartedBeforeBluetoothd(IntegrationTest):
    BLUEZ_RUNNING = False

    def test_is_ready_anyway_and_registers_once_bluetoothd_appears(self):
        mark = self.audit.mark()
        self.fake.start_bluez()
        register = self.wait_for_call("RegisterAgent", result="ok")
        self.assertEqual(register["args"], [AGENT_PATH, "KeyboardOnly"])
        self.agent_sender = register["sender"]
        self.daemon_sender = self.conn.get_name_owner("org.btfence1")
        self.wait_for_call("RequestDefaultAgent", sender=self.agent_sender, result="ok")
        self.wait_for_audit("bluez-found", since=mark)
        self.wait_for_audit("agent-registered", since=mark)
        self.adapters["hci0"] = self.fake.add_adapter("hci0", "00:AA:01:00:00:00")
        keyboard = self.add_keyboard(KEYBOARD)
        self.assertEqual(self.fake.simulate_pairing(keyboard, "justworks"), REJECTED)
        since = self.fake.last_seq()
        self.fake.bypass_pair(keyboard)
        self.assert_removed(keyboard, since=since)


if __name__ == "__main__":
    unittest.main()
