"""btfence-probe against a fake org.bluez serving the FIDO GATT service (fake_bluez_gatt.py) on
a private dbus-daemon: the real probe binary, its real sd-bus/sdbus-c++ GATT client, libfido2,
and the Python authenticator at the other end. No Bluetooth; the VM run
(vm_probe_scenario.sh) does the same against bluetoothd.

Each test starts its own bus and fake, waits for the fake's "ready" line, runs the probe and
reads its one JSON line. Waits are "until this line, or fail at a deadline"; no sleeps.

Run: BTFENCE_PROBE=<build>/agent/fido/btfence-probe /usr/bin/python3 -m unittest -v \
         test_probe_with_fake_bluez
"""

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"
FAKE = os.path.join(HERE, "fake_bluez_gatt.py")
DEVICE = "/org/bluez/hci0/dev_00_AA_01_00_00_00"
TEST_AAGUID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"""


def probe_binary():
    path = os.environ.get("BTFENCE_PROBE")
    if not path:
        raise unittest.SkipTest("BTFENCE_PROBE is not set (path of the btfence-probe binary)")
    return path


class LineReader:
    """Reads a child's stdout line by line with deadlines."""

    def __init__(self, process):
        self.process = process
        self.buffer = b""
        self.lines = []

    def _fill(self, timeout):
        ready, _, _ = select.select([self.process.stdout], [], [], max(timeout, 0))
        if not ready:
            return False
        chunk = os.read(self.process.stdout.fileno(), 65536)
        if not chunk:
            return False
        self.buffer += chunk
        while b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            self.lines.append(json.loads(line))
        return True

    def wait_for(self, predicate, timeout=10.0, what="a line"):
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for line in self.lines[seen:]:
                if predicate(line):
                    return line
            seen = len(self.lines)
            left = deadline - time.monotonic()
            if left <= 0 or (not self._fill(left) and self.process.poll() is not None):
                raise AssertionError("timed out waiting for %s; got %r" % (what, self.lines))


class ProbeTest(unittest.TestCase):
    FAKE_ARGS = []

    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="btfence-probe-test-")
        socket_path = os.path.join(self.directory, "bus")
        config = os.path.join(self.directory, "bus.conf")
        with open(config, "w") as f:
            f.write(BUS_CONFIG.format(socket=socket_path))
        self.bus = subprocess.Popen(["dbus-daemon", "--nofork", "--print-address",
                                     "--config-file", config],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        ready, _, _ = select.select([self.bus.stdout], [], [], 10)
        self.assertTrue(ready, "dbus-daemon printed no address")
        self.address = self.bus.stdout.readline().decode().strip()
        self.environment = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.address)
        self.fake = None

    def tearDown(self):
        for process in (self.fake, self.bus):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=10)
        for process in (self.fake, self.bus):
            if process is not None:
                process.stdout.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def start_fake(self, *args):
        self.fake = subprocess.Popen([PYTHON, FAKE] + list(args), env=self.environment,
                                     stdout=subprocess.PIPE)
        self.events = LineReader(self.fake)
        self.events.wait_for(lambda line: line.get("event") == "ready", what="the fake's ready line")

    def probe(self, device=DEVICE, timeout_ms=3000, extra=()):
        started = time.monotonic()
        result = subprocess.run([probe_binary(), "--device", device, "--timeout-ms",
                                 str(timeout_ms)] + list(extra),
                                env=self.environment, capture_output=True, timeout=30)
        self.elapsed = time.monotonic() - started
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        lines = result.stdout.decode().splitlines()
        self.assertEqual(len(lines), 1, "exactly one JSON line, got %r" % lines)
        verdict = json.loads(lines[0])
        self.assertEqual(sorted(verdict),
                         ["aaguid", "detail", "inconclusive", "passed", "rk", "versions"])
        return verdict

    def all_events(self):
        """Everything the fake printed: it prints each event before it replies, so once the
        probe has exited, stopping the fake and reading to the end loses nothing."""
        self.fake.terminate()
        self.fake.wait(timeout=10)
        while self.events._fill(5):
            pass
        return self.events.lines

    def control_point_writes(self, count):
        values = []
        self.events.wait_for(lambda line: line.get("event") == "control-point-write"
                             and values.append(line["value"]) is None and len(values) >= count,
                             what="%d control point writes" % count)
        return values


class ACtap2KeyWithResidentKeys(ProbeTest):
    def test_passes_and_reports_its_aaguid_versions_and_rk(self):
        self.start_fake("--mode", "ctap2-rk", "--aaguid", TEST_AAGUID)
        verdict = self.probe()
        self.assertEqual(verdict, {
            "passed": True, "inconclusive": False, "aaguid": TEST_AAGUID, "versions": ["FIDO_2_0", "FIDO_2_1"],
            "rk": True,
            "detail": "CTAP2 authenticator (FIDO_2_0, FIDO_2_1) with discoverable credentials "
                      "(rk), AAGUID " + TEST_AAGUID})

    def test_is_asked_after_fido2_was_selected_and_notifications_were_switched_on(self):
        self.start_fake("--mode", "ctap2-rk")
        self.probe()
        events = self.all_events()
        order = [line["event"] for line in events
                 if line["event"] in ("revision-selected", "notify-started", "request")]
        self.assertEqual(order, ["revision-selected", "notify-started", "request", "request"])
        selected = [line for line in events if line["event"] == "revision-selected"]
        self.assertEqual(selected[0]["value"], 0x20)
        # A one-byte request, MSG(0x04), written with response; libfido2 asks twice.
        writes = [line for line in events if line["event"] == "control-point-write"]
        self.assertEqual([w["value"] for w in writes], ["83000104", "83000104"])
        self.assertEqual({w["type"] for w in writes}, {"request"})

    def test_passes_through_keepalives_and_an_answer_in_many_fragments(self):
        self.start_fake("--mode", "ctap2-rk", "--keepalives", "3", "--control-point-length", "20")
        self.assertTrue(self.probe()["passed"])
        notifications = [line["value"] for line in self.all_events()
                         if line["event"] == "notification"]
        # Per getInfo: 3 KEEPALIVE(PROCESSING), then a 50-byte answer in 3 fragments.
        self.assertEqual(notifications[:4], ["82000101"] * 3 + [notifications[3]])
        self.assertTrue(notifications[3].startswith("830032"), notifications[3])
        self.assertEqual(len(notifications), 2 * (3 + 3))

    def test_passes_with_the_largest_control_point_length(self):
        self.start_fake("--mode", "ctap2-rk", "--control-point-length", "512")
        self.assertTrue(self.probe()["passed"])

    def test_passes_without_a_revision_bitfield(self):
        self.start_fake("--mode", "ctap2-rk", "--no-revision")
        self.assertTrue(self.probe()["passed"])

    def test_is_probed_once_its_services_are_resolved(self):
        self.start_fake("--mode", "ctap2-rk", "--resolve-after-ms", "300")
        self.assertTrue(self.probe()["passed"])
        self.events.wait_for(lambda line: line["event"] == "services-resolved")


class AKeyThatFails(ProbeTest):
    def test_without_resident_keys_fails_with_rk_false(self):
        self.start_fake("--mode", "ctap2-no-rk", "--aaguid", TEST_AAGUID)
        verdict = self.probe()
        self.assertFalse(verdict["passed"])
        self.assertIs(verdict["rk"], False)
        self.assertEqual(verdict["aaguid"], TEST_AAGUID)
        self.assertIn("rk=false", verdict["detail"])

    def test_that_answers_ctap2_with_an_error_frame_fails_naming_it(self):
        self.start_fake("--mode", "u2f-only", "--u2f-answer", "error")
        verdict = self.probe()
        self.assertEqual(verdict, {
            "passed": False, "inconclusive": False, "aaguid": None, "versions": [], "rk": None,
            "detail": "the authenticator answered authenticatorGetInfo with ERROR 0x01 "
                      "(ERR_INVALID_CMD)"})

    def test_that_reports_only_u2f_fails(self):
        self.start_fake("--mode", "u2f-only", "--u2f-answer", "versions")
        verdict = self.probe()
        self.assertFalse(verdict["passed"])
        self.assertEqual(verdict["versions"], ["U2F_V2"])
        self.assertIn("no CTAP2 version", verdict["detail"])

    def test_that_offers_only_u2f_revisions_fails_before_any_ctap(self):
        self.start_fake("--mode", "ctap2-rk", "--revision", "0xc0")
        verdict = self.probe()
        self.assertEqual(verdict["detail"],
                         "the authenticator does not offer FIDO2 over BLE "
                         "(fidoServiceRevisionBitfield 0xc0: U2F 1.1, U2F 1.2)")
        self.assertFalse(any(line["event"] in ("request", "revision-selected")
                             for line in self.all_events()))

    def test_that_sends_frames_out_of_sequence_fails_as_malformed(self):
        self.start_fake("--mode", "garbage", "--garbage-kind", "bad-sequence")
        verdict = self.probe()
        self.assertFalse(verdict["passed"])
        self.assertEqual(verdict["detail"],
                         "malformed BLE frame from the authenticator (BadSequence: continuation "
                         "SEQ 0x05 where 0x00 was expected)")

    def test_that_sends_an_unknown_command_fails_as_malformed(self):
        self.start_fake("--mode", "garbage", "--garbage-kind", "unknown-command")
        self.assertIn("UnknownCommand", self.probe()["detail"])

    def test_that_never_answers_times_out_at_the_deadline_and_is_cancelled(self):
        self.start_fake("--mode", "silent")
        verdict = self.probe(timeout_ms=1500)
        self.assertFalse(verdict["passed"])
        self.assertFalse(verdict["inconclusive"], "silence on a live link is a failure")
        self.assertRegex(verdict["detail"], r"^no answer to authenticatorGetInfo within 1[345]\d\d ms \(deadline reached\)$")
        self.assertEqual(self.control_point_writes(2), ["83000104", "be0000"])
        self.assertLess(self.elapsed, 1.5 + 1.0)
        self.events.wait_for(lambda line: line["event"] == "cancel")

    def test_that_disconnects_mid_conversation_is_inconclusive_saying_so(self):
        self.start_fake("--mode", "ctap2-rk", "--disconnect-on-request")
        verdict = self.probe()
        self.assertEqual(verdict["detail"], "the device disconnected")
        self.assertFalse(verdict["passed"])
        self.assertTrue(verdict["inconclusive"], "a key that hangs up is retried, not a spoof")


class ADeviceWithoutAFidoKey(ProbeTest):
    def test_serving_no_fido_service_fails(self):
        self.start_fake("--no-fido-service")
        verdict = self.probe()
        self.assertEqual(verdict["detail"], "the device serves no FIDO GATT service (0xFFFD)")
        self.assertFalse(verdict["inconclusive"])

    def test_that_is_not_connected_is_inconclusive_saying_so(self):
        self.start_fake("--not-connected")
        verdict = self.probe()
        self.assertEqual(verdict["detail"], "the device is not connected")
        self.assertTrue(verdict["inconclusive"])

    def test_unknown_to_bluez_fails(self):
        self.start_fake()
        verdict = self.probe(device="/org/bluez/hci0/dev_11_22_33_44_55_66")
        self.assertFalse(verdict["passed"])
        self.assertTrue(verdict["detail"].startswith(
            "BlueZ does not know the device /org/bluez/hci0/dev_11_22_33_44_55_66"),
            verdict["detail"])

    def test_when_bluez_is_not_running_fails(self):
        verdict = self.probe()
        self.assertFalse(verdict["passed"])
        self.assertIn("BlueZ does not know the device", verdict["detail"])


class AForgedGetInfoAnswer(ProbeTest):
    """A local user without privileges (tests/integration/forger.py as `nobody`) answers the
    probe's getInfo for a device that never does, with PropertiesChanged(Value) on fidoStatus
    sent straight to the probe's unique name and broadcast. The probe believes only bluetoothd
    (the owner of org.bluez): the forged answer is ignored and the probe fails at its deadline."""

    FORGER = os.path.join(HERE, "..", "integration", "forger.py")
    STATUS = DEVICE + "/service0010/char0013"

    def unique_name_of(self, pid):
        import dbus
        bus = dbus.bus.BusConnection(self.address)
        try:
            driver = dbus.Interface(bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus"),
                                    "org.freedesktop.DBus")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                for name in driver.ListNames():
                    if name.startswith(":"):
                        try:
                            if int(driver.GetConnectionUnixProcessID(name)) == pid:
                                return str(name)
                        except dbus.DBusException:
                            pass
                self.events._fill(0.05)  # the probe connects while we look
            raise AssertionError("the probe has no bus connection")
        finally:
            bus.close()

    def forge_answer(self, probe_name):
        sys.path.insert(0, HERE)
        import ctap_authenticator as ctap
        frames = ctap.Authenticator(mode="ctap2-rk", aaguid=TEST_AAGUID).write_control_point(
            bytes.fromhex("83000104"))
        actions = [json.dumps({"signal": "PropertiesChanged", "path": self.STATUS,
                               "interface": "org.bluez.GattCharacteristic1", "properties": {},
                               "raw_bytes": {"Value": frame.hex()}, "to": [probe_name]})
                   for frame in frames]
        os.chmod(self.directory, 0o755)  # let nobody reach the bus socket
        result = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup",
                                 "--clear-groups", PYTHON, self.FORGER, self.address] + actions,
                                capture_output=True, timeout=30,
                                env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
        self.assertEqual(result.returncode, 0, result.stderr.decode())

    def test_is_ignored_and_the_probe_fails_at_its_deadline(self):
        self.start_fake("--mode", "silent")
        probe = subprocess.Popen([probe_binary(), "--device", DEVICE, "--timeout-ms", "3000"],
                                 env=self.environment, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
        try:
            probe_name = self.unique_name_of(probe.pid)
            writes = []

            def request_written(line):
                if line.get("event") == "control-point-write" and line["value"] == "83000104":
                    writes.append(line)
                    return True
                return False
            self.events.wait_for(request_written, what="the probe's getInfo request")
            self.forge_answer(probe_name)
            # libfido2 asks twice; a believed answer would bring the second request at once.
            try:
                self.events.wait_for(lambda line: request_written(line) and len(writes) >= 2,
                                     timeout=5, what="a second getInfo request")
                self.forge_answer(probe_name)
            except AssertionError:
                pass
            out, err = probe.communicate(timeout=30)
        finally:
            if probe.poll() is None:
                probe.kill()
                probe.communicate()
        self.assertEqual(probe.returncode, 0, err.decode())
        verdict = json.loads(out.decode().splitlines()[0])
        self.assertFalse(verdict["passed"], "the forged getInfo answer was believed: %r" % verdict)
        self.assertIsNone(verdict["aaguid"])
        self.assertIn("no answer to authenticatorGetInfo", verdict["detail"])


class TheProbeCommandLine(unittest.TestCase):
    def run_probe(self, *args):
        return subprocess.run([probe_binary()] + list(args), capture_output=True, timeout=30)

    def test_without_a_device_is_a_usage_error(self):
        result = self.run_probe()
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stdout, b"")

    def test_with_a_path_that_is_not_a_bluez_device_is_a_usage_error(self):
        result = self.run_probe("--device", "/org/bluez/hci0")
        self.assertEqual(result.returncode, 2)
        self.assertIn(b"not a BlueZ device path", result.stderr)

    def test_with_a_nonsensical_timeout_is_a_usage_error(self):
        self.assertEqual(self.run_probe("--device", DEVICE, "--timeout-ms", "0").returncode, 2)


if __name__ == "__main__":
    unittest.main()
