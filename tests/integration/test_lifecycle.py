"""Start, stop and refusal to start: sd_notify, the bus name, the audit trail, SIGTERM, and an
invalid policy at start."""

import hashlib
import os
import re
import stat
import unittest

from harness import AGENT_PATH, IntegrationTest, tail

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


class ARunningDaemon(IntegrationTest):
    def test_owns_org_btfence1_with_its_main_connection_not_the_agents(self):
        owner = self.conn.get_name_owner("org.btfence1")
        bus = self.conn.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus")
        self.assertEqual(bus.GetConnectionUnixProcessID(owner, dbus_interface="org.freedesktop.DBus"),
                         self.daemon.process.pid)
        self.assertNotEqual(owner, self.agent_sender)

    def test_audits_its_start_with_the_policy_digest(self):
        sha = hashlib.sha256(self.POLICY.encode()).hexdigest()
        loaded = self.wait_for_audit("policy-loaded")
        self.assertEqual(loaded["btfence"]["policy"]["sha256"], sha)
        self.wait_for_audit("agent-registered")
        self.wait_for_audit("daemon-started")

    def test_writes_well_formed_audit_events_to_a_0640_file(self):
        self.wait_for_audit("daemon-started")
        mode = stat.S_IMODE(os.stat(self.audit_path).st_mode)
        self.assertEqual(mode, 0o640, "audit log mode %o" % mode)
        self.audit.refresh()
        sequences = []
        for event in self.audit.events:
            self.assertRegex(event.get("@timestamp", ""), RFC3339_UTC, event)
            self.assertIn(event["event"]["outcome"], ("success", "failure", "unknown"), event)
            self.assertTrue(event["event"]["action"], event)
            self.assertIsInstance(event["event"]["sequence"], int, event)
            self.assertTrue(event["host"]["name"], event)
            self.assertIn("id", event["rule"], event)
            sequences.append(event["event"]["sequence"])
        self.assertEqual(sequences, sorted(set(sequences)), "event.sequence not increasing")

    def test_sigterm_unregisters_the_agent_audits_and_exits_0(self):
        mark = self.audit.mark()
        since = self.fake.last_seq()
        self.stop_daemon()
        self.assertIn("STOPPING=1", self.daemon.notifications + self._drain_notify())
        unregister = self.wait_for_call("UnregisterAgent", since=since)
        self.assertEqual(unregister["sender"], self.agent_sender)
        self.assertEqual(unregister["args"], [AGENT_PATH])
        self.assertEqual(unregister["result"], "ok")
        self.assertEqual(self.fake.agents(), [])
        self.wait_for_audit("daemon-stopping", since=mark)

    def _drain_notify(self):
        self.daemon.read_notify()
        return self.daemon.notifications


class ADaemonUnderTheSystemdWatchdog(IntegrationTest):
    # WATCHDOG_PID is left unset: sd_watchdog_enabled() then accepts any process.
    DAEMON_ENV = {"WATCHDOG_USEC": "1000000"}

    def test_pings_the_watchdog_while_running(self):
        self.wait(lambda: self.daemon.notifications.count("WATCHDOG=1") >= 3, 5,
                  lambda: "three WATCHDOG=1 within 5 s (got %s)" % self.daemon.notifications)


class ADaemonGivenAnInvalidPolicy(IntegrationTest):
    # Two errors, on lines 3 and 5: each must be reported as PATH:LINE:COLUMN: message.
    POLICY = """[policy]
version = 1
mode = "enforced"
default = "deny"
no_such_key = true
"""
    EXPECT_EXIT = True

    def start_daemon(self, expect_ready=True):
        super().start_daemon(expect_ready=False)

    def test_exits_1_with_file_line_column_errors_and_never_becomes_ready(self):
        code = self.daemon.wait_exit(timeout=15)
        stderr = self.daemon.stderr_text()
        self.assertEqual(code, 1, "exit code %s; stderr:\n%s" % (code, tail(stderr)))
        for line in (3, 5):
            self.assertRegex(stderr, re.escape(self.policy_path) + r":%d:\d+: \S" % line)
        self.daemon.read_notify()
        self.assertNotIn("READY=1", self.daemon.notifications)
        self.assertEqual(self.fake.find_calls("RegisterAgent"), [])


if __name__ == "__main__":
    unittest.main()
