"""The Agent1 object answers on a bus connection of its own that subscribes to nothing, so a
pairing request from bluetoothd never waits behind the advert flood btfenced's main
connection receives (docs/architecture.md, "Connections and priorities"; docs/performance.md)."""

import signal
import unittest

from harness import ACCEPTED, IntegrationTest

KEY = "C0:FF:EE:00:00:01"
ADVERTISER = "F0:0D:00:00:00:01"
# RSSI changes queued for btfenced's main connection while it is stopped: far more than it
# handles before it looks at its other connection (a few dozen), far fewer than the bus buffers.
BACKLOG = 5000


class TheAgentConnection(IntegrationTest):
    def connection_stats(self, name):
        bus = self.conn.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus")
        return bus.GetConnectionStats(name, dbus_interface="org.freedesktop.DBus.Debug.Stats")

    def test_is_the_one_that_registered_the_agent_and_never_subscribed_to_anything(self):
        self.assertIsNotNone(self.agent_sender)
        self.assertNotEqual(self.agent_sender, self.daemon_sender)
        bus = self.conn.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus")
        self.assertEqual(bus.GetConnectionUnixProcessID(self.agent_sender,
                                                        dbus_interface="org.freedesktop.DBus"),
                         self.daemon.process.pid)
        # The bus routes no signal to a connection without match rules: not one advert.
        self.assertEqual(self.connection_stats(self.agent_sender)["PeakMatchRules"], 0)
        # The main connection is the one that watches org.bluez.
        self.assertGreater(self.connection_stats(self.daemon_sender)["MatchRules"], 0)

    def test_answers_a_pairing_request_before_a_backlog_of_adverts_queued_ahead_of_it(self):
        key = self.add_fido_key(KEY)
        advertiser = self.fake.add_device(self.adapters["hci0"], ADVERTISER, Name="advertiser")
        self.barrier()
        answers = []
        pid = self.daemon.process.pid
        # Stopped, btfenced reads nothing: the backlog, then a ping behind it (answered only
        # once the backlog is handled) and then the pairing request all wait for it. Nothing
        # here depends on timing: the bus holds everything until btfenced runs again.
        self.daemon.signal(signal.SIGSTOP)
        try:
            self.fake.emit_rssi(advertiser, BACKLOG)
            self.fake.control.PingPeer(
                self.daemon_sender, timeout=120,
                reply_handler=lambda: answers.append("ping behind the backlog"),
                error_handler=lambda error: answers.append("ping failed: %s" % error))
            self.fake.control.SimulatePairing(
                key, "justworks", "", timeout=120,
                reply_handler=lambda answer: answers.append("pairing " + str(answer)),
                error_handler=lambda error: answers.append("pairing failed: %s" % error))
            # The fake handles our calls in order: once this returns, the ping and the request
            # have been sent, and the bus has routed them.
            self.fake.sync_bus()
        finally:
            self.daemon.signal(signal.SIGCONT)
        self.wait(lambda: len(answers) == 2, 120, lambda: "both answers (%s)" % answers)
        # On one shared connection the request would be read after the ping and answered
        # after it; on the agent's own connection it is answered first.
        self.assertEqual(answers, ["pairing " + ACCEPTED, "ping behind the backlog"])


if __name__ == "__main__":
    unittest.main()
