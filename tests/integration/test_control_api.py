"""btfenced's control API, org.btfence1.Manager1 at /org/btfence1: every method and signal,
authorization through polkit (fake_polkit.py plays the authority) with the caller taken from
the bus, and runtime exemptions granted, used, persisted, revoked and expired."""

import json
import math
import os
import subprocess
import time
import unittest

import dbus

from harness import (ACCEPTED, FIDO_RULE, HERE, PYTHON, REJECTED, IntegrationTest, field,
                     make_policy)

NAME = "org.btfence1"
PATH = "/org/btfence1"
IFACE = "org.btfence1.Manager1"
KEYBOARD = "AA:BB:CC:DD:EE:01"
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def plain(value):
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dbus.Boolean):
        return bool(value)
    if isinstance(value, (dbus.String, dbus.ObjectPath)):
        return str(value)
    if isinstance(value, int):
        return int(value)
    return value


def policy_with_exemptions(allowed=True, max_duration="1h", rules=(FIDO_RULE,)):
    text = make_policy(rules=rules)
    return text.replace("[bluez]", "[exemptions]\nallowed = %s\nmax_duration = \"%s\"\n\n[bluez]"
                        % ("true" if allowed else "false", max_duration), 1)


class ControlApiTest(IntegrationTest):
    """Helpers: the Manager1 interface over the test's (root) connection, its signals."""

    def setUp(self):
        super().setUp()
        self.signals = {"DecisionMade": [], "PolicyLoaded": []}
        for member in self.signals:
            self.conn.add_signal_receiver(
                lambda payload, member=member: self.signals[member].append(plain(payload)),
                signal_name=member, dbus_interface=IFACE, path=PATH, bus_name=NAME)

    def manager(self):
        return dbus.Interface(self.conn.get_object(NAME, PATH, introspect=False), IFACE)

    def call(self, method, *args):
        return plain(getattr(self.manager(), method)(*args, timeout=30))

    def call_error(self, method, *args):
        with self.assertRaises(dbus.exceptions.DBusException) as raised:
            self.call(method, *args)
        return raised.exception.get_dbus_name(), raised.exception.get_dbus_message()

    def grant(self, target, seconds, reason="INC-4711 workshop"):
        return self.call("AddExemption", target,
                         dbus.Dictionary({"duration": dbus.UInt64(seconds)}, signature="sv"),
                         reason)

    def wait_for_signal(self, member, predicate, describe):
        return self.wait(lambda: next((s for s in self.signals[member] if predicate(s)), None),
                         10, lambda: "%s signal %s; got %s" % (member, describe,
                                                               self.signals[member]))


class TheControlApiAsRoot(ControlApiTest):
    POLKIT_ANSWERS = {}  # polkit says no to everyone: root must not need it

    def test_status_reports_the_policy_in_force_and_what_is_not_known(self):
        status = self.call("Status")
        with open(self.policy_path, "rb") as handle:
            import hashlib
            digest = hashlib.sha256(handle.read()).hexdigest()
        self.assertEqual(status["api_version"], 1)
        self.assertEqual(status["mode"], "enforce")
        self.assertTrue(status["enforcing"])
        self.assertEqual(status["policy_sha256"], digest)
        self.assertEqual(status["policy_path"], self.policy_path)
        self.assertGreater(status["policy_loaded_at"], 0)
        self.assertEqual(status["bluez"], "present")
        self.assertEqual([a["name"] for a in status["adapters"]], ["hci0"])
        self.assertTrue(status["adapters"][0]["managed"])
        self.assertFalse(status["exemptions_allowed"])
        self.assertEqual(status["exemptions_state"], "ok")
        self.assertIn("audit_dropped", status["counters"])
        # What this host's files say (tests/unit/common/lockdown_state_test.cpp reads them).
        self.assertIn(status["lockdown"], ("configured", "not-configured"))
        self.assertIn(status["profile_lockdown"], ("configured", "not-configured"))
        # The posture btfenced audited at start (bluetoothd's configuration), in one line.
        self.assertEqual(status["posture"], field(self.wait_for_audit("posture"), "event.reason"))
        self.assertEqual(self.polkit.questions(), [], "root was checked with polkit")

    def test_devices_and_explain_give_the_decision_the_daemon_acts_on(self):
        keyboard = self.add_keyboard(KEYBOARD)
        self.assertEqual(self.fake.simulate_pairing(keyboard, "justworks"), REJECTED)
        refused = self.wait_for_audit("pairing-denied", btfence__device__address=KEYBOARD)
        devices = [d for d in self.call("Devices") if d["address"] == KEYBOARD]
        self.assertEqual(len(devices), 1)
        self.assertEqual(devices[0]["verdict"], "deny")
        self.assertEqual(devices[0]["rule"], field(refused, "rule.id"))
        self.assertEqual(devices[0]["class"], "other")
        self.assertEqual(devices[0]["adapter"], "hci0")
        self.assertTrue(devices[0]["enforced"])
        self.assertGreater(devices[0]["last_seen"], 0)
        explained = self.call("Explain", KEYBOARD.lower())
        self.assertEqual(len(explained), 1)
        self.assertEqual(explained[0]["rule"], field(refused, "rule.id"))
        self.assertEqual(explained[0]["reason"], field(refused, "event.reason"))
        signal = self.wait_for_signal("DecisionMade", lambda s: s["address"] == KEYBOARD,
                                      "for the keyboard")
        self.assertEqual(signal["action"], "pairing-denied")
        self.assertEqual(signal["verdict"], "deny")
        self.assertEqual(signal["sequence"], field(refused, "event.sequence"))

    def test_explain_refuses_an_unknown_device_and_a_bad_address(self):
        self.assertEqual(self.call_error("Explain", "AA:BB:CC:00:00:99")[0],
                         "org.btfence1.Error.UnknownDevice")
        self.assertEqual(self.call_error("Explain", "keyboard")[0],
                         "org.btfence1.Error.InvalidArgument")

    def test_reload_loads_the_file_and_names_the_caller(self):
        digest = self.write_policy(make_policy(rules=[FIDO_RULE, {
            "id": "extra", "verdict": "deny", "class": ["other"]}]), atomic=False)
        result = self.call("Reload")
        # The file watch may have loaded it first; then this reload finds it unchanged.
        self.assertIn(result["outcome"], ("loaded", "unchanged"))
        self.assertEqual(result["policy_sha256"], digest)
        event = self.wait_for_audit("policy-loaded", btfence__policy__sha256=digest,
                                    predicate=lambda e: field(e, "btfence.caller") is not None)
        self.assertEqual(field(event, "btfence.caller.uid"), 0)
        self.assertEqual(field(event, "btfence.caller.unit"), "helpdesk-tool.service")
        signal = self.wait_for_signal("PolicyLoaded", lambda s: s["sha256"] == digest,
                                      "for the new policy")
        self.assertEqual(signal["outcome"], "loaded")
        self.assertEqual(self.call("Reload")["outcome"], "unchanged")

    def test_audit_mode_is_not_enforcing_and_does_not_hold_the_default_agent(self):
        self.wait_for_audit("agent-registered")
        self.assertEqual(self.call("Status")["default_agent"], "yes")
        self.write_policy(make_policy(mode="audit"), atomic=False)
        self.call("Reload")
        self.wait_for_audit("agent-unregistered")
        status = self.call("Status")
        self.assertEqual(status["mode"], "audit")
        self.assertFalse(status["enforcing"])
        self.assertEqual(status["default_agent"], "no")

    def test_reload_of_an_invalid_file_says_why_and_keeps_the_policy(self):
        before = self.call("Status")["policy_sha256"]
        self.write_policy("[policy]\nversion = 1\nmode = \"enforced\"\n", atomic=False)
        result = self.call("Reload")
        self.assertEqual(result["outcome"], "rejected")
        self.assertEqual(result["policy_sha256"], before)
        self.assertTrue(any("policy.mode" in e for e in result["errors"]), result["errors"])
        self.wait_for_signal("PolicyLoaded", lambda s: s["outcome"] == "rejected", "rejected")

    def test_exemptions_are_refused_when_the_policy_does_not_allow_them(self):
        name, message = self.call_error(
            "AddExemption", KEYBOARD, dbus.Dictionary({"duration": dbus.UInt64(60)},
                                                      signature="sv"), "INC-1")
        self.assertEqual(name, "org.btfence1.Error.NotAllowed")
        self.assertIn("allowed = false", message)
        self.assertEqual(self.call("Exemptions"), [])

    def test_the_interface_is_introspectable(self):
        xml = str(self.conn.get_object(NAME, PATH, introspect=False).Introspect(
            dbus_interface="org.freedesktop.DBus.Introspectable"))
        for member in ("Status", "Devices", "Explain", "Reload", "AddExemption",
                       "RemoveExemption", "Exemptions", "DecisionMade", "PolicyLoaded",
                       "ApiVersion"):
            self.assertIn('name="%s"' % member, xml)


class ADeviceThatKeepsTryingToPair(ControlApiTest):
    """Status counts what happened, not how many lines the audit trail needed: the aggregation
    (docs/admin-guide.md, "Repeats") folds repeats into a summary, and the counters count the
    summary as the repeats it stands for; repeats still held in an open window are said."""
    # A short window so the test does not wait a minute; the default is 60 s.
    DAEMON_ARGS = ("--aggregate-window", "3")
    ATTEMPTS = 20

    def counters(self):
        return self.call("Status")["counters"]

    def test_counts_every_refusal_and_says_how_many_wait_for_their_summary(self):
        keyboard = self.add_keyboard(KEYBOARD)
        mark = self.audit.mark()
        before = self.counters()
        self.assertEqual(before["audit_aggregated"], 0)
        for _ in range(self.ATTEMPTS):
            self.assertEqual(self.fake.simulate_pairing(keyboard, "justworks"), REJECTED)
        # Whether or not the window has ended yet, nothing is hidden: each refusal is either
        # counted or waiting for its summary.
        during = self.counters()
        self.assertEqual(during["pairings_denied"] - before["pairings_denied"]
                         + during["audit_aggregation_pending"], self.ATTEMPTS, during)
        self.wait_for_audit("pairing-denied", since=mark, btfence__device__address=KEYBOARD,
                            predicate=lambda e: "repeat" in e["btfence"])
        after = self.counters()
        self.assertEqual(after["pairings_denied"] - before["pairings_denied"], self.ATTEMPTS,
                         "a refusal held in a summary still counts")
        self.assertEqual(after["audit_aggregated"], self.ATTEMPTS - 1)
        self.assertEqual(after["audit_aggregation_pending"], 0)
        self.assertGreaterEqual(after["decisions"] - before["decisions"], self.ATTEMPTS)


class AHelpdeskExemption(ControlApiTest):
    POLKIT_ANSWERS = {}
    POLICY = policy_with_exemptions(max_duration="1h")
    LEAD_SECONDS = 8

    def test_lets_a_refused_keyboard_pair_until_it_expires_then_removes_it(self):
        keyboard = self.add_keyboard(KEYBOARD)
        self.assertEqual(self.fake.simulate_pairing(keyboard, "justworks"), REJECTED)

        exemption = self.grant(KEYBOARD.lower(), self.LEAD_SECONDS)
        expires = exemption["expires"]
        self.assertEqual(exemption["target"], KEYBOARD)
        self.assertEqual(exemption["target_kind"], "address")
        self.assertEqual(exemption["rule"], "exemption:" + exemption["id"])
        self.assertIn("uid 0", exemption["granted_by"])
        granted = self.wait_for_audit("exemption-granted")
        self.assertEqual(field(granted, "rule.id"), exemption["rule"])
        self.assertEqual(field(granted, "btfence.rule.reason"), "INC-4711 workshop")
        self.assertEqual(field(granted, "btfence.caller.uid"), 0)
        self.assertEqual(field(granted, "btfence.caller.unit"), "helpdesk-tool.service")
        self.assertEqual(field(granted, "btfence.exemption.target"), KEYBOARD)
        self.assertEqual([e["id"] for e in self.call("Exemptions")], [exemption["id"]])
        self.assertTrue(self.call("Status")["exemptions_in_force"] == 1)

        self.assertEqual(self.fake.simulate_pairing(keyboard, "justworks"), ACCEPTED)
        allowed = self.wait_for_audit("pairing-allowed", btfence__device__address=KEYBOARD)
        self.assertEqual(field(allowed, "rule.id"), exemption["rule"])
        self.fake.set_device(keyboard, Connected=True)
        self.barrier()
        self.assert_not_removed(keyboard)
        self.assertEqual(self.call("Explain", KEYBOARD)[0]["next_change"], expires)
        self.assertLess(time.time(), expires - 1, "set-up took too long to mean anything")

        ended = self.wait_for_audit("exemption-expired", timeout=expires - time.time() + 10)
        self.assertEqual(field(ended, "rule.id"), exemption["rule"])
        removal = self.assert_removed(keyboard)
        self.assertGreaterEqual(removal["time"], expires)
        self.assertEqual(self.call("Exemptions"), [])


class ExemptionsAcrossARestart(ControlApiTest):
    POLKIT_ANSWERS = {}
    POLICY = policy_with_exemptions(max_duration="1h")

    def test_survive_a_restart_and_keep_the_bond_made_under_them(self):
        keyboard = self.add_keyboard(KEYBOARD)
        exemption = self.grant(KEYBOARD, 600)
        self.assertEqual(self.fake.simulate_pairing(keyboard, "justworks"), ACCEPTED)
        self.wait_for_audit("pairing-allowed", btfence__device__address=KEYBOARD)
        with open(os.path.join(self.daemon.state_dir, "exemptions.json")) as handle:
            state = json.load(handle)
        self.assertEqual([e["id"] for e in state["exemptions"]], [exemption["id"]])
        self.assertEqual(os.stat(os.path.join(self.daemon.state_dir, "exemptions.json")).st_mode
                         & 0o777, 0o600)

        self.stop_daemon()
        self.daemon.close()
        mark = self.audit.mark()
        since = self.fake.last_seq()
        self.start_daemon()
        self.assertEqual([e["id"] for e in self.call("Exemptions")], [exemption["id"]])
        kept = self.wait_for_audit("bond-kept", since=mark, btfence__device__address=KEYBOARD)
        self.assertEqual(field(kept, "rule.id"), exemption["rule"])
        self.barrier()
        self.assert_not_removed(keyboard, since=since)

    def test_revoking_one_removes_the_bond_made_under_it(self):
        keyboard = self.add_keyboard(KEYBOARD)
        exemption = self.grant(KEYBOARD, 600)
        self.assertEqual(self.fake.simulate_pairing(keyboard, "justworks"), ACCEPTED)
        removed = self.call("RemoveExemption", exemption["id"])
        self.assertEqual(removed["id"], exemption["id"])
        revoked = self.wait_for_audit("exemption-revoked")
        self.assertEqual(field(revoked, "btfence.caller.uid"), 0)
        self.assert_removed(keyboard)
        self.assertEqual(self.call_error("RemoveExemption", exemption["id"])[0],
                         "org.btfence1.Error.UnknownExemption")


class ExemptionsBoundedByThePolicy(ControlApiTest):
    POLKIT_ANSWERS = {}
    POLICY = policy_with_exemptions(max_duration="1h")

    def test_refuses_longer_than_max_duration_and_bad_input(self):
        name, message = self.call_error("AddExemption", KEYBOARD, dbus.Dictionary(
            {"duration": dbus.UInt64(7200)}, signature="sv"), "INC-1")
        self.assertEqual(name, "org.btfence1.Error.NotAllowed")
        self.assertIn("at most 1h", message)
        for target, options, reason in (
                ("keyboard", {"duration": dbus.UInt64(60)}, "INC-1"),
                (KEYBOARD, {}, "INC-1"),
                (KEYBOARD, {"duration": dbus.UInt64(60)}, ""),
                (KEYBOARD, {"duration": dbus.String("60")}, "INC-1"),
                (KEYBOARD, {"until": dbus.Int64(int(time.time()) - 5)}, "INC-1")):
            name, _ = self.call_error("AddExemption", target,
                                      dbus.Dictionary(options, signature="sv"), reason)
            self.assertEqual(name, "org.btfence1.Error.InvalidArgument", (target, options))
        self.assertEqual(self.call("Exemptions"), [])

    def test_a_reload_that_disallows_them_revokes_them_and_removes_their_bonds(self):
        keyboard = self.add_keyboard(KEYBOARD)
        self.grant(KEYBOARD, 600)
        self.assertEqual(self.fake.simulate_pairing(keyboard, "justworks"), ACCEPTED)
        self.write_policy(policy_with_exemptions(allowed=False))
        revoked = self.wait_for_audit("exemption-revoked")
        self.assertIn("allowed = false", field(revoked, "event.reason"))
        self.assert_removed(keyboard)
        self.assertEqual(self.call("Exemptions"), [])

    def test_a_reload_that_lowers_max_duration_shortens_them(self):
        exemption = self.grant(KEYBOARD, 3000)
        self.write_policy(policy_with_exemptions(max_duration="10m"))
        shortened = self.wait_for_audit("exemption-shortened")
        self.assertEqual(field(shortened, "rule.id"), exemption["rule"])
        [now_in_force] = self.call("Exemptions")
        self.assertEqual(now_in_force["expires"], exemption["granted_at"] + 600)


class AnUnprivilegedCaller(ControlApiTest):
    POLKIT_ANSWERS = {"org.btfence1.read": "yes", "org.btfence1.exempt": "no",
                      "org.btfence1.reload": "challenge"}
    POLICY = policy_with_exemptions()

    def call_as_nobody(self, method, signature="", args=()):
        output = subprocess.run(
            NOBODY + [PYTHON, os.path.join(HERE, "control_call.py"), self.bus.address, method,
                      signature, json.dumps(list(args))],
            capture_output=True, text=True, timeout=60, check=False,
            env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
        self.assertEqual(output.returncode, 0, output.stderr)
        return json.loads(output.stdout)

    def test_may_read_as_polkit_allows_and_is_asked_about_by_its_bus_name(self):
        out = self.call_as_nobody("Status")
        self.assertNotIn("error", out, out)
        self.assertEqual(out["result"]["mode"], "enforce")
        [question] = self.polkit.questions()
        self.assertEqual(question["subject_kind"], "system-bus-name")
        self.assertEqual(question["subject_name"], out["caller"])
        self.assertEqual(question["action"], "org.btfence1.read")
        self.assertEqual(question["flags"], 0)

    def test_is_refused_mutating_calls_with_the_action_named_and_audited(self):
        mark = self.audit.mark()
        out = self.call_as_nobody("AddExemption", "sa{sv}s",
                                  (KEYBOARD, {"duration": 60}, "please"))
        self.assertEqual(out.get("error"), "org.btfence1.Error.NotAuthorized", out)
        self.assertIn("org.btfence1.exempt", out["message"])
        denied = self.wait_for_audit("control-denied", since=mark)
        self.assertEqual(field(denied, "btfence.caller.uid"), 65534)
        self.assertEqual(field(denied, "btfence.caller.bus_name"), out["caller"])
        self.assertEqual(self.call("Exemptions"), [], "granted although polkit said no")

        out = self.call_as_nobody("Reload")
        self.assertEqual(out.get("error"), "org.btfence1.Error.NotAuthorized", out)
        self.assertIn("org.btfence1.reload", out["message"])
        self.assertIn("authentication", out["message"])
        self.assertEqual([q["action"] for q in self.polkit.questions()],
                         ["org.btfence1.exempt", "org.btfence1.reload"])


class AnUnprivilegedCallerWhomPolkitDeniesReading(AnUnprivilegedCaller):
    POLKIT_ANSWERS = {}

    def test_may_read_as_polkit_allows_and_is_asked_about_by_its_bus_name(self):
        out = self.call_as_nobody("Devices")
        self.assertEqual(out.get("error"), "org.btfence1.Error.NotAuthorized", out)
        self.assertIn("org.btfence1.read", out["message"])

    def test_is_refused_mutating_calls_with_the_action_named_and_audited(self):
        pass  # covered by the parent class


class APolkitThatFails(AnUnprivilegedCaller):
    POLKIT_OPTIONS = ("--broken",)

    def test_may_read_as_polkit_allows_and_is_asked_about_by_its_bus_name(self):
        out = self.call_as_nobody("Status")
        self.assertEqual(out.get("error"), "org.btfence1.Error.NotAuthorized", out)
        self.assertIn("polkit could not be asked", out["message"])
        self.assertEqual(self.call("Status")["mode"], "enforce")  # root still may

    def test_is_refused_mutating_calls_with_the_action_named_and_audited(self):
        pass


class AnUnreadableExemptionsFile(ControlApiTest):
    POLKIT_ANSWERS = {}
    POLICY = policy_with_exemptions()

    def prepare(self):
        state = os.path.join(self.workdir, "state")
        os.makedirs(state, exist_ok=True)
        with open(os.path.join(state, "exemptions.json"), "w") as handle:
            handle.write('{"format": 1, "exemptions": [{"id": "x"')  # cut short

    def test_is_audited_and_fails_closed(self):
        alarm = self.wait_for_audit("state-file-error")
        self.assertEqual(field(alarm, "event.outcome"), "failure")
        self.assertTrue(self.call("Status")["exemptions_state"].startswith("unreadable"))
        name, _ = self.call_error("AddExemption", KEYBOARD, dbus.Dictionary(
            {"duration": dbus.UInt64(60)}, signature="sv"), "INC-1")
        self.assertEqual(name, "org.btfence1.Error.Unavailable")


class BtfencectlAgainstBtfenced(ControlApiTest):
    """The admin's commands over the same API, as an admin and as a user polkit refuses."""
    POLKIT_ANSWERS = {"org.btfence1.read": "yes"}
    POLICY = policy_with_exemptions()

    def btfencectl(self, *args, user=()):
        binary = os.environ.get("BTFENCECTL")
        if not binary:
            raise unittest.SkipTest("BTFENCECTL is not set")
        return subprocess.run(list(user) + [binary] + list(args), capture_output=True,
                              text=True, timeout=60,
                              env=dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bus.address))

    def test_status_devices_explain_and_exemptions_for_an_admin(self):
        keyboard = self.add_keyboard(KEYBOARD)
        self.assertEqual(self.fake.simulate_pairing(keyboard, "justworks"), REJECTED)
        status = self.btfencectl("status", "--json")
        self.assertEqual(status.returncode, 0, status.stderr)
        shape = json.loads(status.stdout)
        self.assertEqual(shape["format_version"], 1)
        self.assertTrue(shape["enforcing"])
        self.assertEqual(shape["policy_sha256"], self.call("Status")["policy_sha256"])
        text = self.btfencectl("status")
        self.assertIn("enforcing (mode enforce)", text.stdout)

        devices = self.btfencectl("devices")
        self.assertEqual(devices.returncode, 0, devices.stderr)
        [row] = [line for line in devices.stdout.splitlines() if KEYBOARD in line]
        self.assertIn("deny", row)
        explained = json.loads(self.btfencectl("explain", KEYBOARD, "--json").stdout)
        self.assertEqual(explained["decisions"][0]["verdict"], "deny")

        added = self.btfencectl("exempt", "add", KEYBOARD, "--for", "10m", "--reason",
                                "INC-4711", "--json")
        self.assertEqual(added.returncode, 0, added.stderr)
        exemption = json.loads(added.stdout)
        listed = self.btfencectl("exempt", "list")
        self.assertIn(exemption["id"], listed.stdout)
        self.assertIn("INC-4711", listed.stdout)
        explained = json.loads(self.btfencectl("explain", KEYBOARD, "--json").stdout)
        self.assertEqual(explained["decisions"][0]["rule"], exemption["rule"])
        removed = self.btfencectl("exempt", "remove", exemption["id"])
        self.assertEqual(removed.returncode, 0, removed.stderr)
        again = self.btfencectl("exempt", "remove", exemption["id"])
        self.assertEqual(again.returncode, 5, again.stderr)
        too_long = self.btfencectl("exempt", "add", KEYBOARD, "--for", "2h", "--reason", "x")
        self.assertEqual(too_long.returncode, 5)
        self.assertIn("at most 1h", too_long.stderr)

    def test_a_user_polkit_refuses_is_told_which_action(self):
        status = self.btfencectl("status", "--json", user=NOBODY)
        self.assertEqual(status.returncode, 0, status.stderr)
        added = self.btfencectl("exempt", "add", KEYBOARD, "--for", "10m", "--reason", "x",
                                user=NOBODY)
        self.assertEqual(added.returncode, 4, added.stdout + added.stderr)
        self.assertIn("not authorized: org.btfence1.exempt", added.stderr)
        reload = self.btfencectl("reload", user=NOBODY)
        self.assertEqual(reload.returncode, 4)
        self.assertIn("org.btfence1.reload", reload.stderr)

    def test_the_intune_discovery_script_reports_it_compliant_from_a_users_session(self):
        # Intune runs discovery scripts as the logged-in user: polkit's read action decides.
        script = os.path.join(HERE, "..", "..", "packaging", "intune", "btfence-discovery.sh")
        binary = os.environ.get("BTFENCECTL")
        if not binary:
            raise unittest.SkipTest("BTFENCECTL is not set")
        result = subprocess.run(NOBODY + ["/bin/sh", script], capture_output=True, text=True,
                                timeout=60, env=dict(os.environ, BTFENCECTL=binary,
                                                     DBUS_SYSTEM_BUS_ADDRESS=self.bus.address))
        self.assertEqual(result.returncode, 0, result.stderr)
        found = json.loads(result.stdout)
        self.assertEqual(found["BtfenceMode"], "enforce")
        self.assertTrue(found["BtfenceEnforcing"])
        self.assertEqual(found["BtfencePolicySha256"], self.call("Status")["policy_sha256"])

    def test_says_so_when_btfenced_is_not_running(self):
        self.stop_daemon()
        status = self.btfencectl("status")
        self.assertEqual(status.returncode, 3)
        self.assertIn("btfenced is not running", status.stderr)
        self.daemon.close()
        self.start_daemon()


if __name__ == "__main__":
    unittest.main()
