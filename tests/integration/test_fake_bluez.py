"""The fake org.bluez itself behaves like bluez 5.66 where btfenced relies on it (no btfenced
involved): agent registration rules, the default agent receiving remote pairings, owners that
leave the bus, RemoveDevice/Disconnect errors, the restart with a new unique name."""

import unittest

import dbus
import dbus.service

from harness import ACCEPTED, FIDO, REJECTED, IntegrationTest

AGENT_MANAGER = "org.bluez.AgentManager1"


class RecordingAgent(dbus.service.Object):
    """An Agent1 that accepts FIDO keys only and remembers what it was asked."""

    def __init__(self, conn, path, fido_paths):
        super().__init__(conn, path)
        self.asked = []
        self.fido_paths = fido_paths

    def _decide(self, method, device):
        self.asked.append((method, str(device)))
        if str(device) not in self.fido_paths:
            raise dbus.DBusException("refused", name="org.bluez.Error.Rejected")

    @dbus.service.method("org.bluez.Agent1", in_signature="o", out_signature="")
    def RequestAuthorization(self, device):
        self._decide("RequestAuthorization", device)

    @dbus.service.method("org.bluez.Agent1", in_signature="ou", out_signature="")
    def RequestConfirmation(self, device, passkey):
        self._decide("RequestConfirmation:%d" % passkey, device)

    @dbus.service.method("org.bluez.Agent1", in_signature="", out_signature="")
    def Release(self):
        self.asked.append(("Release", ""))


class TheFakeBluez(IntegrationTest):
    START_DAEMON = False

    def setUp(self):
        super().setUp()
        self.agent_conn = dbus.bus.BusConnection(self.bus.address)
        self.addCleanup(self.agent_conn.close)
        self.key = self.add_fido_key("C0:FF:EE:00:00:01")
        self.keyboard = self.add_keyboard("AA:BB:CC:DD:EE:01")
        self.agent = RecordingAgent(self.agent_conn, "/test/agent", {self.key})
        self.manager = dbus.Interface(self.agent_conn.get_object("org.bluez", "/org/bluez",
                                                                 introspect=False),
                                      AGENT_MANAGER)

    def pair(self, path, method, arg=""):
        """SimulatePairing without blocking this process, whose agent must answer."""
        answers = []
        self.fake.control.SimulatePairing(path, method, str(arg), timeout=30,
                                          reply_handler=lambda a: answers.append(str(a)),
                                          error_handler=lambda e: answers.append(e))
        return self.wait(lambda: answers, 10, lambda: "pairing answer")[0]

    def register(self, capability="NoInputNoOutput", default=True):
        self.manager.RegisterAgent("/test/agent", capability)
        if default:
            self.manager.RequestDefaultAgent("/test/agent")

    def assert_error(self, name, call, *args):
        with self.assertRaises(dbus.DBusException) as caught:
            call(*args)
        self.assertEqual(caught.exception.get_dbus_name(), name)

    def test_agent_manager_errors_are_bluez_errors(self):
        self.assert_error("org.bluez.Error.InvalidArguments", self.manager.RegisterAgent,
                          "/test/agent", "Telepathy")
        self.assert_error("org.bluez.Error.DoesNotExist", self.manager.RequestDefaultAgent,
                          "/test/agent")
        self.register()
        self.assert_error("org.bluez.Error.AlreadyExists", self.manager.RegisterAgent,
                          "/test/agent", "NoInputNoOutput")
        self.assert_error("org.bluez.Error.DoesNotExist", self.manager.UnregisterAgent,
                          "/other/path")
        self.manager.UnregisterAgent("/test/agent")
        self.assertEqual(self.fake.agents(), [])

    def test_remote_pairing_goes_to_the_default_agent_only(self):
        self.register(default=False)
        self.assertEqual(self.pair(self.key, "justworks"), "org.btfence.test.Error.NoAgent")
        self.manager.RequestDefaultAgent("/test/agent")
        self.assertEqual(self.pair(self.key, "justworks"), ACCEPTED)
        self.assertTrue(bool(self.fake.device_property(self.key, "Paired")))
        self.assertTrue(bool(self.fake.device_property(self.key, "Bonded")))
        self.assertEqual(self.pair(self.keyboard, "numeric", 449824), REJECTED)
        self.assertFalse(bool(self.fake.device_property(self.keyboard, "Paired")))
        self.assertEqual(self.agent.asked, [("RequestAuthorization", self.key),
                                            ("RequestConfirmation:449824", self.keyboard)])

    def test_an_agent_whose_owner_leaves_the_bus_is_forgotten(self):
        self.register()
        self.assertEqual(len(self.fake.agents()), 1)
        self.agent_conn.close()
        self.wait(lambda: self.fake.agents() == [], 5, lambda: "agent forgotten")

    def test_bypass_pairing_reports_connected_then_paired_and_bonded(self):
        changes = []
        self.conn.add_signal_receiver(
            lambda iface, changed, invalidated: changes.append(sorted(map(str, changed))),
            signal_name="PropertiesChanged", dbus_interface="org.freedesktop.DBus.Properties",
            path=self.keyboard)
        self.fake.bypass_pair(self.keyboard)
        self.wait(lambda: len(changes) >= 2, 5, lambda: "two PropertiesChanged")
        self.assertEqual(changes, [["Connected"], ["Bonded", "Paired"]])
        self.assertEqual(self.agent.asked, [])

    def test_disconnect_and_remove_device_follow_bluez(self):
        device = self.agent_conn.get_object("org.bluez", self.keyboard, introspect=False)
        with self.assertRaises(dbus.DBusException) as caught:
            device.Disconnect(dbus_interface="org.bluez.Device1")
        self.assertEqual(caught.exception.get_dbus_name(), "org.bluez.Error.NotConnected")
        removed = []
        self.conn.add_signal_receiver(lambda path, ifaces: removed.append(str(path)),
                                      signal_name="InterfacesRemoved", bus_name="org.bluez")
        adapter = self.agent_conn.get_object("org.bluez", self.adapters["hci0"],
                                             introspect=False)
        adapter.RemoveDevice(self.keyboard, dbus_interface="org.bluez.Adapter1")
        self.wait(lambda: removed == [self.keyboard], 5, lambda: "InterfacesRemoved")
        with self.assertRaises(dbus.DBusException) as caught:
            adapter.RemoveDevice(self.keyboard, dbus_interface="org.bluez.Adapter1")
        self.assertEqual(caught.exception.get_dbus_name(), "org.bluez.Error.DoesNotExist")
        self.wait(lambda: len(self.fake.calls) >= 3, 5, lambda: "three recorded calls")
        calls = [(c["member"], c["result"]) for c in self.fake.calls]
        self.assertEqual(calls, [("Disconnect", "org.bluez.Error.NotConnected"),
                                 ("RemoveDevice", "ok"),
                                 ("RemoveDevice", "org.bluez.Error.DoesNotExist")])

    def test_raw_properties_keep_their_wrong_types(self):
        self.fake.set_raw_device(self.key, {"UUIDs": dbus.String(FIDO)})
        self.assertIsInstance(self.fake.device_property(self.key, "UUIDs"), dbus.String)

    def test_restart_gives_a_new_owner_releases_agents_and_keeps_bonds(self):
        self.register()
        self.assertEqual(self.pair(self.key, "justworks"), ACCEPTED)
        old_owner = self.conn.get_name_owner("org.bluez")
        self.fake.stop_bluez(True)
        self.wait(lambda: ("Release", "") in self.agent.asked, 5, lambda: "Release")
        self.assertFalse(self.conn.name_has_owner("org.bluez"))
        self.assertEqual(self.fake.agents(), [])
        self.fake.start_bluez()
        self.assertNotEqual(self.conn.get_name_owner("org.bluez"), old_owner)
        self.wait(lambda: self.fake.object_exists(self.key), 5, lambda: "bonded key back")
        self.assertFalse(self.fake.object_exists(self.keyboard))
        self.assertTrue(bool(self.fake.device_property(self.key, "Paired")))

    def other_caller(self, path, interface):
        """The device as a client other than this test's connection sees it (faults injected
        by this connection never apply to its own calls)."""
        return dbus.Interface(self.agent_conn.get_object("org.bluez", path, introspect=False),
                              interface)

    def call_async(self, method, *args):
        answers = []
        method(*args, timeout=20, reply_handler=lambda *r: answers.append("ok"),
               error_handler=lambda e: answers.append(e.get_dbus_name()))
        return answers

    def test_injected_faults_answer_with_an_error_late_or_never_for_their_count(self):
        self.fake.set_device(self.keyboard, Connected=True)
        device = self.other_caller(self.keyboard, "org.bluez.Device1")
        self.fake.inject_fault("Disconnect", "error", path=self.keyboard, count=1,
                               name="org.bluez.Error.InProgress", message="busy")
        first = self.call_async(device.Disconnect)
        self.wait(lambda: first, 5, lambda: "the first Disconnect answered")
        self.assertEqual(first, ["org.bluez.Error.InProgress"])
        self.assertTrue(bool(self.fake.device_property(self.keyboard, "Connected")),
                        "an injected error has no effect")

        self.fake.inject_fault("Disconnect", "drop", path=self.keyboard)
        dropped = self.call_async(device.Disconnect)
        self.wait(lambda: self.fake.find_calls("Disconnect", result="fault:dropped"), 5,
                  lambda: "the dropped Disconnect recorded")

        self.fake.inject_fault("Disconnect", "delay", path=self.keyboard, seconds=0.5)
        late = self.call_async(device.Disconnect)
        self.wait(lambda: late, 10, lambda: "the delayed Disconnect answered")
        self.assertEqual(late, ["ok"])
        self.assertFalse(bool(self.fake.device_property(self.keyboard, "Connected")),
                         "a delayed call takes effect when it answers")
        self.assertEqual(dropped, [], "a dropped call is never answered")

        # Counts used up: the next call is served normally (NotConnected now).
        normal = self.call_async(device.Disconnect)
        self.wait(lambda: normal, 5, lambda: "a normal Disconnect answered")
        self.assertEqual(normal, ["org.bluez.Error.NotConnected"])

    def test_a_held_call_takes_effect_and_answers_only_when_released(self):
        self.fake.set_device(self.keyboard, Connected=True)
        device = self.other_caller(self.keyboard, "org.bluez.Device1")
        properties = self.other_caller(self.keyboard, "org.freedesktop.DBus.Properties")
        self.fake.inject_fault("Disconnect", "hold", path=self.keyboard)
        held = self.call_async(device.Disconnect)
        self.wait(lambda: self.fake.find_calls("Disconnect", result="fault:held"), 5,
                  lambda: "the held Disconnect recorded")
        # A later call on the same connection answered: an answer to the Disconnect, had the
        # fake sent one, would have come before it.
        later = []
        properties.Get("org.bluez.Device1", "Connected", timeout=20,
                       reply_handler=later.append, error_handler=later.append)
        self.wait(lambda: later, 5, lambda: "the later Get answered")
        self.assertEqual(held, [], "a held call is not answered before it is released")
        self.assertTrue(bool(later[0]), "a held call has no effect before it is released")
        self.assertEqual(self.fake.release_held("Disconnect"), 1)
        self.wait(lambda: held, 5, lambda: "the released Disconnect answered")
        self.assertEqual(held, ["ok"])
        self.assertFalse(bool(self.fake.device_property(self.keyboard, "Connected")),
                         "a released call takes effect")
        self.assertEqual(self.fake.release_held("Disconnect"), 0, "released once")

    def test_single_interfaces_come_and_go_without_their_device(self):
        removed = []
        self.conn.add_signal_receiver(
            lambda path, interfaces: removed.append((str(path), [str(i) for i in interfaces])),
            signal_name="InterfacesRemoved", dbus_interface="org.freedesktop.DBus.ObjectManager")
        self.fake.add_interface(self.keyboard, "org.bluez.Battery1", Percentage=55)
        battery = self.conn.get_object("org.bluez", self.keyboard, introspect=False).Get(
            "org.bluez.Battery1", "Percentage", dbus_interface="org.freedesktop.DBus.Properties")
        self.assertEqual(int(battery), 55)
        self.fake.remove_interfaces(self.keyboard, "org.bluez.Battery1")
        self.wait(lambda: removed, 5, lambda: "InterfacesRemoved")
        self.assertEqual(removed, [(self.keyboard, ["org.bluez.Battery1"])])
        self.assertTrue(self.fake.object_exists(self.keyboard))


if __name__ == "__main__":
    unittest.main()
