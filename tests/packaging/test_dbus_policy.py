#!/usr/bin/python3
"""The shipped D-Bus policy files, enforced by a real dbus-daemon.

The test bus is configured like Debian's system bus: its configuration is Debian's own
/usr/share/dbus-1/system.conf (default-deny for method calls and name ownership) with the
machine-specific parts removed, and the include order of the real bus:
  1. <includedir> standing for /usr/share/dbus-1/system.d: packaging/dbus/org.btfence1.conf
  2. <includedir> standing for /etc/dbus-1/system.d: bluez's bluetooth.conf, as installed
  3. <include> standing for /etc/dbus-1/system-local.conf, which includes the lockdown file
     (only in the "lockdown" bus, the way the admin guide tells admins to enable it).
Stand-ins own org.bluez (as root, like bluetoothd) and org.btfence1. The policy files name the
system user "btfence", which does not exist on a build machine, so the copies used here name
"daemon" instead (a Debian base account, not root, not in group bluetooth); nothing else is
changed. Callers run under setpriv as root, as that stand-in, as "nobody", and as "nobody" in
group "bluetooth" (dbus-daemon 1.14 reads the caller's groups from the socket).

Needs root (to start callers as other users), python3-dbus, python3-gi, dbus and bluez.
Exit code 77 (ctest: skipped) when not root.
"""
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE_ROOT = HERE.parent.parent
BTFENCE_CONF = SOURCE_ROOT / "packaging/dbus/org.btfence1.conf"
LOCKDOWN_CONF = SOURCE_ROOT / "packaging/dbus/org.bluez-btfence-lockdown.conf"
SYSTEM_CONF = Path("/usr/share/dbus-1/system.conf")
BLUEZ_CONF_CANDIDATES = [Path("/etc/dbus-1/system.d/bluetooth.conf"),
                         Path("/usr/share/dbus-1/system.d/bluetooth.conf")]
PYTHON = "/usr/bin/python3"  # Debian's, which has the dbus and gi modules
STUBS = HERE / "dbus_stub_services.py"
CALL = HERE / "dbus_call.py"

BTFENCE_STANDIN = "daemon"
DENIED = "org.freedesktop.DBus.Error.AccessDenied"
STARTUP_DEADLINE_S = 20

ROOT = ["--reuid=root", "--regid=root", "--clear-groups"]
STANDIN = [f"--reuid={BTFENCE_STANDIN}", f"--regid={BTFENCE_STANDIN}", "--clear-groups"]
NOBODY = ["--reuid=nobody", "--regid=nogroup", "--clear-groups"]
NOBODY_IN_BLUETOOTH = ["--reuid=nobody", "--regid=nogroup", "--groups=bluetooth"]

ADAPTER = "/org/bluez/hci0"
DEVICE = "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF"
AGENT = "/org/btfence/agent"
# Test-only probe name, owned by a third stand-in: a policy in the bus config allows group
# "bluetooth" to call it, so a successful call proves that the bus sees a setpriv'd caller's
# supplementary group (and so that the group="bluetooth" cases test what they claim).
GROUP_PROBE = "org.btfence.test.GroupProbe"


def bluez_conf():
    for candidate in BLUEZ_CONF_CANDIDATES:
        if candidate.is_file():
            return candidate
    raise RuntimeError("bluez's D-Bus policy bluetooth.conf is missing: apt-get install bluez")


def with_standin_user(source, destination):
    text = source.read_text()
    count = text.count('user="btfence"')
    if count == 0:
        raise RuntimeError(f'{source} no longer names user="btfence"; update this test')
    destination.write_text(text.replace('user="btfence"', f'user="{BTFENCE_STANDIN}"'))


def test_bus_config(directory, with_lockdown):
    """Debian's system.conf, minus what ties it to the machine, plus our include order."""
    usr_dir = directory / "usr-share-system.d"
    etc_dir = directory / "etc-system.d"
    usr_dir.mkdir()
    etc_dir.mkdir()
    with_standin_user(BTFENCE_CONF, usr_dir / "org.btfence1.conf")
    shutil.copy(bluez_conf(), etc_dir / "bluetooth.conf")
    local = directory / "system-local.conf"
    includes = ""
    if with_lockdown:
        lockdown = directory / "org.bluez-btfence-lockdown.conf"
        with_standin_user(LOCKDOWN_CONF, lockdown)
        includes = f'<include ignore_missing="yes">{lockdown}</include>'
    local.write_text(f"<busconfig>{includes}</busconfig>\n")

    tree = ET.parse(SYSTEM_CONF)
    root = tree.getroot()
    machine_specific = {"user", "fork", "pidfile", "syslog", "servicehelper",
                        "standard_system_servicedirs", "listen", "include", "includedir"}
    for element in list(root):
        if element.tag in machine_specific:
            root.remove(element)
    socket = directory / "bus.socket"
    ET.SubElement(root, "listen").text = f"unix:path={socket}"
    probe = ET.SubElement(root, "policy", {"group": "bluetooth"})
    ET.SubElement(probe, "allow", {"send_destination": GROUP_PROBE})
    probe_owner = ET.SubElement(root, "policy", {"user": "root"})
    ET.SubElement(probe_owner, "allow", {"own": GROUP_PROBE})
    ET.SubElement(root, "includedir").text = str(usr_dir)
    ET.SubElement(root, "includedir").text = str(etc_dir)
    ET.SubElement(root, "include").text = str(local)
    config = directory / "bus.conf"
    tree.write(config)
    return config, f"unix:path={socket}"


def read_line(process, what):
    """First stdout line of a child, or an error naming what did not start."""
    deadline = time.monotonic() + STARTUP_DEADLINE_S
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if selector.select(timeout=deadline - time.monotonic()):
                line = process.stdout.readline()
                if line:
                    return line.strip()
                break
    raise RuntimeError(f"{what} did not start (exit {process.poll()})")


class TestBus:
    """A dbus-daemon with the test config and the two stand-in services."""

    def __init__(self, with_lockdown):
        self.directory = Path(tempfile.mkdtemp(prefix="btfence-dbus-policy-"))
        os.chmod(self.directory, 0o755)  # the socket must be reachable for "nobody"
        self.processes = []
        config, self.address = test_bus_config(self.directory, with_lockdown)
        daemon = self._spawn(["dbus-daemon", f"--config-file={config}", "--nofork",
                              "--print-address=1"])
        read_line(daemon, "dbus-daemon")
        bluez = self._spawn(["setpriv", *ROOT, PYTHON, str(STUBS), "bluez", self.address])
        self._expect_ready(bluez, "org.bluez stand-in")
        btfence = self._spawn(["setpriv", *STANDIN, PYTHON, str(STUBS), "btfence",
                               self.address])
        self._expect_ready(btfence, "org.btfence1 stand-in")
        # btfenced serves Agent1 on a second connection that owns no name.
        agent = self._spawn(["setpriv", *STANDIN, PYTHON, str(STUBS), "agent", self.address])
        self.agent_name = self._expect_ready(agent, "agent connection stand-in")
        probe = self._spawn(["setpriv", *ROOT, PYTHON, str(STUBS), "named", self.address,
                             GROUP_PROBE])
        self._expect_ready(probe, "group probe")

    def _spawn(self, argv):
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                   text=True, cwd=self.directory)
        self.processes.append(process)
        return process

    @staticmethod
    def _expect_ready(process, what):
        """Returns the unique name the stand-in printed."""
        line = read_line(process, what)
        if not line.startswith("READY"):
            raise RuntimeError(f"{what}: {line}")
        return line.split()[1]

    def call(self, who, destination, path, interface, member, signature="", args="[]"):
        result = subprocess.run(
            ["setpriv", *who, PYTHON, str(CALL), self.address, destination, path, interface,
             member, signature, args],
            capture_output=True, text=True, timeout=30, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"dbus_call.py failed: {result.stderr}")
        return result.stdout.strip()

    def close(self):
        for process in reversed(self.processes):
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


# Calls, as (destination, path, interface, member, signature, JSON args).
REQUEST_DEFAULT_AGENT = ("org.bluez", "/org/bluez", "org.bluez.AgentManager1",
                         "RequestDefaultAgent", "o", f'["{AGENT}"]')
REQUEST_DEFAULT_AGENT_NO_INTERFACE = ("org.bluez", "/org/bluez", "-",
                                      "RequestDefaultAgent", "o", f'["{AGENT}"]')
REGISTER_AGENT = ("org.bluez", "/org/bluez", "org.bluez.AgentManager1", "RegisterAgent", "os",
                  f'["{AGENT}", "NoInputNoOutput"]')
SET_SERVICE_ALLOW_LIST = ("org.bluez", ADAPTER, "org.bluez.AdminPolicySet1",
                          "SetServiceAllowList", "as", '["0000fffd-0000-1000-8000-00805f9b34fb"]')
SET_TRUSTED = ("org.bluez", DEVICE, "org.freedesktop.DBus.Properties", "Set", "ssv",
               '["org.bluez.Device1", "Trusted", true]')
SET_BLOCKED = ("org.bluez", DEVICE, "org.freedesktop.DBus.Properties", "Set", "ssv",
               '["org.bluez.Device1", "Blocked", true]')
SET_POWERED = ("org.bluez", ADAPTER, "org.freedesktop.DBus.Properties", "Set", "ssv",
               '["org.bluez.Adapter1", "Powered", false]')
GET_POWERED = ("org.bluez", ADAPTER, "org.freedesktop.DBus.Properties", "Get", "ss",
               '["org.bluez.Adapter1", "Powered"]')
START_DISCOVERY = ("org.bluez", ADAPTER, "org.bluez.Adapter1", "StartDiscovery", "", "[]")
PAIR = ("org.bluez", DEVICE, "org.bluez.Device1", "Pair", "", "[]")
REMOVE_DEVICE = ("org.bluez", ADAPTER, "org.bluez.Adapter1", "RemoveDevice", "o",
                 f'["{DEVICE}"]')

STATUS = ("org.btfence1", "/org/btfence1", "org.btfence1.Manager1", "Status", "", "[]")
STATUS_NO_INTERFACE = ("org.btfence1", "/org/btfence1", "-", "Status", "", "[]")
STATUS_PROPERTY = ("org.btfence1", "/org/btfence1", "org.freedesktop.DBus.Properties", "Get",
                   "ss", '["org.btfence1.Manager1", "ApiVersion"]')
STATUS_PROPERTIES = ("org.btfence1", "/org/btfence1", "org.freedesktop.DBus.Properties",
                     "GetAll", "s", '["org.btfence1.Manager1"]')
SET_MODE = ("org.btfence1", "/org/btfence1", "org.freedesktop.DBus.Properties", "Set", "ssv",
            '["org.btfence1.Manager1", "ApiVersion", 2]')
INTROSPECT = ("org.btfence1", "/org/btfence1", "org.freedesktop.DBus.Introspectable",
              "Introspect", "", "[]")
PING = ("org.btfence1", "/org/btfence1", "org.freedesktop.DBus.Peer", "Ping", "", "[]")
RELOAD = ("org.btfence1", "/org/btfence1", "org.btfence1.Manager1", "Reload", "", "[]")
ADD_EXEMPTION = ("org.btfence1", "/org/btfence1", "org.btfence1.Manager1", "AddExemption",
                 "sa{sv}s", '["AA:BB:CC:DD:EE:FF", {}, "INC-1"]')
# Another interface on btfenced's connection that is not the control API.
OTHER_INTERFACE = ("org.btfence1", "/org/btfence1", "org.btfence1.Debug1", "Dump", "", "[]")
AGENT_REQUEST = ("org.btfence1", AGENT, "org.bluez.Agent1", "RequestAuthorization", "o",
                 f'["{DEVICE}"]')
OWN_BTFENCE1 = ("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                "RequestName", "su", '["org.btfence1", 4]')
PROBE_GROUP = (GROUP_PROBE, "/", "org.freedesktop.DBus.Peer", "Ping", "", "[]")


class PolicyCase(unittest.TestCase):
    bus = None

    def agent_request(self):
        """RequestAuthorization to the agent on its own connection, addressed by unique name."""
        return (self.bus.agent_name,) + AGENT_REQUEST[1:]

    def check_only_root_may_call_the_agents_own_connection(self):
        self.assertAllowed(ROOT, self.agent_request())  # bluetoothd
        for who in (NOBODY, NOBODY_IN_BLUETOOTH, STANDIN):
            self.assertDenied(who, self.agent_request())

    def assertAllowed(self, who, call):
        outcome = self.bus.call(who, *call)
        self.assertEqual(outcome, "OK", f"{call[3]}.{call[4]} as {who[0]}")

    def assertDenied(self, who, call):
        outcome = self.bus.call(who, *call)
        self.assertEqual(outcome, DENIED, f"{call[3]}.{call[4]} as {who[0]}")


class DefaultInstall(PolicyCase):
    """The package installed, lockdown not enabled: org.btfence1.conf plus bluez's policy."""

    @classmethod
    def setUpClass(cls):
        cls.bus = TestBus(with_lockdown=False)

    @classmethod
    def tearDownClass(cls):
        cls.bus.close()

    def test_only_the_daemon_user_and_root_may_own_org_btfence1(self):
        self.assertDenied(NOBODY, OWN_BTFENCE1)
        self.assertDenied(NOBODY_IN_BLUETOOTH, OWN_BTFENCE1)
        # Allowed callers get a RequestName reply (EXISTS: the stand-in owns it already).
        self.assertAllowed(ROOT, OWN_BTFENCE1)
        self.assertAllowed(STANDIN, OWN_BTFENCE1)

    def test_any_user_may_read_status_properties_and_introspection(self):
        for call in (STATUS, STATUS_PROPERTY, STATUS_PROPERTIES, INTROSPECT, PING):
            self.assertAllowed(NOBODY, call)

    def test_any_user_may_call_the_control_api_where_polkit_decides(self):
        # The bus lets the call through; btfenced asks polkit (tests/integration covers that).
        for call in (RELOAD, ADD_EXEMPTION):
            self.assertAllowed(NOBODY, call)
            self.assertAllowed(NOBODY_IN_BLUETOOTH, call)

    def test_other_users_may_not_set_properties_or_reach_other_interfaces(self):
        for call in (SET_MODE, STATUS_NO_INTERFACE, OTHER_INTERFACE):
            self.assertDenied(NOBODY, call)
            self.assertDenied(NOBODY_IN_BLUETOOTH, call)

    def test_other_users_may_not_call_btfenced_agent(self):
        self.assertDenied(NOBODY, AGENT_REQUEST)
        self.assertDenied(NOBODY_IN_BLUETOOTH, AGENT_REQUEST)

    def test_only_root_may_call_the_agent_on_its_own_connection(self):
        self.check_only_root_may_call_the_agents_own_connection()

    def test_root_may_call_everything_on_btfenced_including_bluetoothds_agent_calls(self):
        for call in (RELOAD, SET_MODE, AGENT_REQUEST, STATUS):
            self.assertAllowed(ROOT, call)

    def test_daemon_user_may_register_its_agent_and_enforce_on_org_bluez(self):
        for call in (REGISTER_AGENT, REQUEST_DEFAULT_AGENT, REMOVE_DEVICE, SET_BLOCKED,
                     SET_SERVICE_ALLOW_LIST):
            self.assertAllowed(STANDIN, call)

    def test_without_lockdown_any_user_may_take_the_default_agent(self):
        # The gap the lockdown closes (bluez >= 5.51 opens org.bluez to every user).
        self.assertAllowed(NOBODY, REQUEST_DEFAULT_AGENT)
        self.assertAllowed(NOBODY, SET_TRUSTED)


class LockdownEnabled(PolicyCase):
    """The lockdown included from system-local.conf, as the admin guide describes."""

    @classmethod
    def setUpClass(cls):
        cls.bus = TestBus(with_lockdown=True)

    @classmethod
    def tearDownClass(cls):
        cls.bus.close()

    def test_the_bus_sees_a_callers_bluetooth_group(self):
        self.assertAllowed(NOBODY_IN_BLUETOOTH, PROBE_GROUP)
        self.assertDenied(NOBODY, PROBE_GROUP)

    def test_other_users_may_not_take_the_default_agent(self):
        for who in (NOBODY, NOBODY_IN_BLUETOOTH):
            self.assertDenied(who, REQUEST_DEFAULT_AGENT)
            self.assertDenied(who, REQUEST_DEFAULT_AGENT_NO_INTERFACE)

    def test_other_users_may_not_change_the_service_allowlist(self):
        self.assertDenied(NOBODY, SET_SERVICE_ALLOW_LIST)
        self.assertDenied(NOBODY_IN_BLUETOOTH, SET_SERVICE_ALLOW_LIST)

    def test_other_users_may_not_set_any_bluez_property(self):
        for call in (SET_TRUSTED, SET_BLOCKED, SET_POWERED):
            self.assertDenied(NOBODY, call)
            self.assertDenied(NOBODY_IN_BLUETOOTH, call)

    def test_other_users_keep_reading_discovering_and_pairing(self):
        for call in (GET_POWERED, START_DISCOVERY, REGISTER_AGENT, PAIR):
            self.assertAllowed(NOBODY, call)
            self.assertAllowed(NOBODY_IN_BLUETOOTH, call)

    def test_daemon_user_keeps_what_btfenced_needs(self):
        for call in (REGISTER_AGENT, REQUEST_DEFAULT_AGENT, SET_SERVICE_ALLOW_LIST, SET_BLOCKED,
                     REMOVE_DEVICE, GET_POWERED):
            self.assertAllowed(STANDIN, call)

    def test_only_root_may_call_the_agent_on_its_own_connection(self):
        self.check_only_root_may_call_the_agents_own_connection()

    def test_root_keeps_everything(self):
        for call in (REQUEST_DEFAULT_AGENT, REQUEST_DEFAULT_AGENT_NO_INTERFACE,
                     SET_SERVICE_ALLOW_LIST, SET_TRUSTED, SET_POWERED, AGENT_REQUEST):
            self.assertAllowed(ROOT, call)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: needs root to run callers as other users")
        sys.exit(77)
    unittest.main(verbosity=2)
