"""Whether the pairing gate is in place is known: READY's STATUS, an audit event and the
status line say whether btfenced holds bluetoothd's default agent. A failed registration is an
error event and never ends in READY "Enforcing"; btfenced retries until it holds the agent."""

import unittest

from harness import IntegrationTest, field

ENFORCING = "STATUS=Enforcing: btfenced holds the default pairing agent"


class ARegistrationBluetoothdRefuses(IntegrationTest):
    def prepare(self):
        # The first two RequestDefaultAgent calls fail; the retries (1 s, then 2 s) get there.
        self.fake.inject_fault("RequestDefaultAgent", "error", count=2,
                               name="org.bluez.Error.Failed")

    def test_is_an_error_event_and_a_degraded_ready_then_a_retry_holds_the_agent(self):
        ready_at = self.daemon.notifications.index("READY=1")
        status = self.daemon.notifications[ready_at + 1]
        self.assertTrue(status.startswith("STATUS=Degraded: NOT the default pairing agent "
                                          "(org.bluez.Error.Failed"), self.daemon.notifications)
        self.assertNotIn(ENFORCING, self.daemon.notifications[:ready_at + 2])
        failed = self.wait_for_audit("agent-registered",
                                     predicate=lambda e: field(e, "event.outcome") == "failure")
        self.assertIn("org.bluez.Error.Failed", field(failed, "event.reason"))
        self.assertEqual(len(self.audit.matching("agent-registered", event__outcome="failure")),
                         1, "one error event per run of failures, not one per retry")
        # start_daemon() waited for the RequestDefaultAgent that succeeded: the third.
        self.assertEqual(len(self.fake.find_calls("RequestDefaultAgent",
                                                  sender=self.agent_sender)), 3)
        held = self.wait_for_audit("agent-registered",
                                   predicate=lambda e: field(e, "event.outcome") == "success")
        self.assertIn("holds bluetoothd's default agent", held["message"])
        self.wait_for_notify(ENFORCING)
        self.assertIn((self.agent_sender, "/org/btfence/agent", "KeyboardOnly", True),
                      self.fake.agents())


class ARegistrationThatSucceeds(IntegrationTest):
    def test_says_enforcing_in_ready_and_holds_the_default_agent_in_its_event(self):
        ready_at = self.daemon.notifications.index("READY=1")
        self.assertEqual(self.daemon.notifications[ready_at + 1], ENFORCING)
        held = self.wait_for_audit("agent-registered")
        self.assertEqual(field(held, "event.outcome"), "success")
        self.assertIn("holds bluetoothd's default agent", held["message"])


if __name__ == "__main__":
    unittest.main()
