"""Integration-test harness: a private system-like bus, the fake bluetoothd, the real btfenced.

Per test (IntegrationTest.setUp):
  1. a temporary directory with a generated dbus-daemon config (unix socket inside it; any
     user may connect, root may own org.bluez, org.btfence1 and the fake's control name) and `dbus-daemon --nofork
     --print-address` — the harness reads the printed address, no sleeps;
  2. fake_bluez.py on that bus, waited for until it owns its names;
  3. the adapters of ADAPTERS, then the `prepare()` hook (devices that exist before start);
  4. the policy file (0644, in its own directory, as /etc/btfence), and btfenced from $BTFENCED
     with DBUS_SYSTEM_BUS_ADDRESS and NOTIFY_SOCKET set; READY=1 is read from the datagram
     socket with a deadline.
tearDown stops btfenced with SIGTERM and asserts exit code 0 (a crash anywhere in the test is a
failure), then stops the fake and the bus.

Every wait here is "until a condition holds, or fail at a deadline": D-Bus signals from the
fake (CallRecorded) are dispatched by iterating the GLib main context; files (audit log,
stderr) and the notify socket are re-checked on each wake, with a short wake-up interval.
"""

import hashlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3"
FAKE = os.path.join(HERE, "fake_bluez.py")

CONTROL_NAME = "org.btfence.test.FakeBluez"
CONTROL_PATH = "/org/btfence/test"
CONTROL_IFACE = "org.btfence.test.FakeBluez1"
AGENT_PATH = "/org/btfence/agent"

FIDO = "0000fffd-0000-1000-8000-00805f9b34fb"
HID = "00001812-0000-1000-8000-00805f9b34fb"
HYBRID = "0000fff9-0000-1000-8000-00805f9b34fb"
GAP = "00001800-0000-1000-8000-00805f9b34fb"
GATT = "00001801-0000-1000-8000-00805f9b34fb"
DEVICE_INFORMATION = "0000180a-0000-1000-8000-00805f9b34fb"
BATTERY = "0000180f-0000-1000-8000-00805f9b34fb"

REJECTED = "org.bluez.Error.Rejected"
ACCEPTED = "accepted"

WAKE_INTERVAL_MS = 20
DEFAULT_TIMEOUT = 10.0

dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus"/>{extra_default_policy}
  </policy>
  <policy user="root">
    <allow own="org.bluez"/>
    <allow own="org.btfence1"/>
    <allow own="org.btfence.test.FakeBluez"/>
    <allow own="org.freedesktop.PolicyKit1"/>
    <allow own="org.freedesktop.systemd1"/>
    <allow send_type="method_call"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
{extra}
</busconfig>
"""

# With OTHER_USERS: any local user may connect, and call btfenced's control API, as
# packaging/dbus/org.btfence1.conf lets them (polkit decides, here fake_polkit.py).
OTHER_USERS_CONFIG = """
  <policy context="default">
    <allow user="*"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.btfence1" send_interface="org.btfence1.Manager1"/>
    <allow send_destination="org.btfence1" send_interface="org.freedesktop.DBus.Introspectable"/>
  </policy>
"""


# ---- policy files ---------------------------------------------------------------------------

FIDO_RULE = {"id": "fido-keys", "verdict": "allow", "class": ["fido-ble"]}


def toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, RawToml):
        return value.text
    return json.dumps(str(value))


class RawToml:
    """A TOML value written as is (offset date-times are bare, not strings)."""

    def __init__(self, text):
        self.text = text


def rfc3339(epoch_seconds):
    return RawToml(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_seconds)))


def make_policy(mode="enforce", default="deny", existing_bonds="enforce", adapters=(),
                service_allowlist="auto", extra_services=(), rules=(FIDO_RULE,), verify=False):
    """A policy file as docs/policy.md ("Keys") writes it. [fido] verify is off unless asked for: the fake
    serves no GATT, so a CTAP probe could only fail."""
    lines = ["[policy]", "version = 1", "mode = %s" % toml_value(mode),
             "default = %s" % toml_value(default),
             "existing_bonds = %s" % toml_value(existing_bonds),
             "adapters = %s" % toml_value(list(adapters)), "",
             "[fido]", "verify = %s" % toml_value(verify), "",
             "[bluez]", "service_allowlist = %s" % toml_value(service_allowlist),
             "extra_services = %s" % toml_value(list(extra_services))]
    for rule in rules:
        lines += ["", "[[rule]]"]
        lines += ["%s = %s" % (key, toml_value(value)) for key, value in rule.items()]
    return "\n".join(lines) + "\n"


# ---- small utilities ------------------------------------------------------------------------

def field(event, dotted):
    """event["a"]["b"]["c"] for "a.b.c" ("@timestamp" is a plain key); None when absent."""
    value = event
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def tail(text, lines=60):
    return "\n".join(text.splitlines()[-lines:])


def read_text(path):
    try:
        with open(path, "r", encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except FileNotFoundError:
        return ""


def terminate(process, grace=5.0):
    """SIGTERM to a helper process the test started, SIGKILL if it outlives `grace` seconds;
    returns once it has exited."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Waiter:
    """Iterates the GLib main context (dispatching D-Bus signals) until a condition holds."""

    def __init__(self, on_wake=None):
        self.on_wake = on_wake or (lambda: None)

    def until(self, condition, timeout, describe):
        context = GLib.MainContext.default()
        deadline = time.monotonic() + timeout
        while True:
            while context.pending():
                context.iteration(False)
            self.on_wake()
            result = condition()
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("timed out after %.1f s waiting for %s" % (timeout,
                                                                              describe()))
            fired = []
            source = GLib.timeout_add(min(WAKE_INTERVAL_MS, max(1, int(remaining * 1000))),
                                      lambda: fired.append(True) and False)
            context.iteration(True)
            if not fired:
                GLib.source_remove(source)


# ---- the processes --------------------------------------------------------------------------

class PrivateBus:
    def __init__(self, workdir, extra_default_policy="", other_users=False):
        self.socket = os.path.join(workdir, "system_bus_socket")
        config = os.path.join(workdir, "bus.conf")
        with open(config, "w") as handle:
            handle.write(BUS_CONFIG.format(socket=self.socket,
                                           extra_default_policy=extra_default_policy,
                                           extra=OTHER_USERS_CONFIG if other_users else ""))
        self.log_path = os.path.join(workdir, "dbus-daemon.log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            ["dbus-daemon", "--config-file=" + config, "--nofork", "--nopidfile",
             "--print-address=1"], stdout=subprocess.PIPE, stderr=self.log)
        self.address = self._read_address(deadline=time.monotonic() + 10)

    def _read_address(self, deadline):
        data = b""
        while b"\n" not in data:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.process.poll() is not None:
                raise RuntimeError("dbus-daemon printed no address: " + read_text(self.log_path))
            ready, _, _ = select.select([self.process.stdout], [], [], remaining)
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 4096)
                if not chunk:
                    continue
                data += chunk
        return data.decode().strip()

    def stop(self):
        terminate(self.process)
        self.process.stdout.close()
        self.log.close()


class FakeBluez:
    """The test's handle on fake_bluez.py: its control interface and its call log."""

    def __init__(self, workdir, bus_address, conn, stopped=False):
        self.conn = conn
        self.stderr_path = os.path.join(workdir, "fake_bluez.stderr")
        self.stderr = open(self.stderr_path, "w")
        args = [PYTHON, FAKE, "--bus", bus_address] + (["--stopped"] if stopped else [])
        self.process = subprocess.Popen(args, stdout=self.stderr, stderr=self.stderr,
                                        env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
        self.calls = []          # every CallRecorded, as dicts, in order
        self.flood_finished = []
        self.flood_progress = []
        conn.add_signal_receiver(self._on_call, signal_name="CallRecorded",
                                 dbus_interface=CONTROL_IFACE, path=CONTROL_PATH)
        conn.add_signal_receiver(lambda added, removed: self.flood_finished.append(
            (int(added), int(removed))), signal_name="FloodFinished",
            dbus_interface=CONTROL_IFACE, path=CONTROL_PATH)
        conn.add_signal_receiver(lambda added: self.flood_progress.append(int(added)),
                                 signal_name="FloodProgress", dbus_interface=CONTROL_IFACE,
                                 path=CONTROL_PATH)
        self.control = None

    def attach(self):
        self.control = dbus.Interface(self.conn.get_object(CONTROL_NAME, CONTROL_PATH,
                                                           introspect=False), CONTROL_IFACE)
        # Calls recorded before our match rule existed: none can exist yet (no client but us),
        # but take the log anyway so the list is complete by construction.
        for record in self.control.GetCalls():
            self._on_call(*record)

    def _on_call(self, seq, when, interface, member, path, sender, args_json, result):
        seq = int(seq)
        if self.calls and seq <= self.calls[-1]["seq"]:
            return  # already taken from GetCalls
        self.calls.append({"seq": seq, "time": float(when), "interface": str(interface),
                           "member": str(member), "path": str(path), "sender": str(sender),
                           "args": json.loads(str(args_json)), "result": str(result)})

    def find_calls(self, member, path=None, sender=None, since=0, args=None, result=None):
        found = []
        for call in self.calls:
            if call["seq"] <= since or call["member"] != member:
                continue
            if path is not None and call["path"] != path:
                continue
            if sender is not None and call["sender"] != sender:
                continue
            if args is not None and call["args"][:len(args)] != list(args):
                continue
            if result is not None and call["result"] != result:
                continue
            found.append(call)
        return found

    def last_seq(self):
        return self.calls[-1]["seq"] if self.calls else 0

    # Control methods, typed for the fake.
    def add_adapter(self, name, address, **options):
        return str(self.control.AddAdapter(name, address,
                                           dbus.Dictionary(options, signature="sv")))

    def add_device(self, adapter, address, **props):
        return str(self.control.AddDevice(adapter, address, typed_props(props)))

    def add_device_unannounced(self, adapter, address, **props):
        return str(self.control.AddDeviceUnannounced(adapter, address, typed_props(props)))

    def add_raw_device(self, adapter, address, props):
        return str(self.control.AddRawDevice(adapter, address,
                                             dbus.Dictionary(props, signature="sv")))

    def set_device(self, path, **props):
        self.control.SetDeviceProperties(path, typed_props(props))

    def set_device_unannounced(self, path, **props):
        self.control.SetDevicePropertiesUnannounced(path, typed_props(props))

    def set_properties(self, path, interface, **props):
        self.control.SetProperties(path, interface, typed_props(props))

    def set_raw_device(self, path, props):
        self.control.SetRawDeviceProperties(path, dbus.Dictionary(props, signature="sv"))

    def emit_raw(self, path, interface, member, signature, args):
        self.control.EmitRaw(path, interface, member, signature,
                             dbus.Array(args, signature="v"))

    def simulate_pairing(self, path, method, arg=""):
        return str(self.control.SimulatePairing(path, method, str(arg), timeout=60))

    def ping_peer(self, name):
        """Peer.Ping from org.bluez's connection to `name` (see fake_bluez.ping_peer)."""
        self.control.PingPeer(name, timeout=60)

    def emit_rssi(self, path, count):
        self.control.EmitRssi(path, dbus.UInt32(count), timeout=120)

    def sync_bus(self):
        self.control.SyncBus(timeout=60)

    def bypass_pair(self, path):
        self.control.BypassPair(path)

    def remove_object(self, path):
        self.control.RemoveObject(path)

    def add_interface(self, path, interface, **props):
        self.control.AddInterface(path, interface, typed_props(props))

    def remove_interfaces(self, path, *interfaces):
        self.control.RemoveInterfaces(path, dbus.Array(list(interfaces), signature="s"))

    def inject_fault(self, member, kind, path="", count=1, **options):
        """fake_bluez.py InjectFault: `kind` "error" (name=, message=), "delay" (seconds=),
        "drop" or "hold" (answered at release_held()); count 0 = until clear_faults(). Calls
        of this test's own connection are never faulted."""
        typed = dbus.Dictionary({}, signature="sv")
        for key, value in options.items():
            typed[key] = dbus.Double(value) if isinstance(value, float) else dbus.String(value)
        self.control.InjectFault(member, path, kind, dbus.UInt32(count), typed)

    def clear_faults(self):
        self.control.ClearFaults()

    def release_held(self, member):
        """Carries out and answers the calls of `member` a "hold" fault kept; how many."""
        return int(self.control.ReleaseHeld(member))

    def flood(self, count, window):
        self.control.Flood(dbus.UInt32(count), dbus.UInt32(window))

    def stop_bluez(self, release_agents=True):
        self.control.StopBluez(release_agents)

    def start_bluez(self):
        self.control.StartBluez()

    def agents(self):
        return [(str(o), str(p), str(c), bool(d)) for o, p, c, d in self.control.GetAgents()]

    def object_exists(self, path):
        objects = self.conn.get_object("org.bluez", "/", introspect=False).GetManagedObjects(
            dbus_interface="org.freedesktop.DBus.ObjectManager")
        return dbus.ObjectPath(path) in objects

    def device_property(self, path, name):
        return self.conn.get_object("org.bluez", path, introspect=False).Get(
            "org.bluez.Device1", name, dbus_interface="org.freedesktop.DBus.Properties")

    def adapter_property(self, path, interface, name):
        return self.conn.get_object("org.bluez", path, introspect=False).Get(
            interface, name, dbus_interface="org.freedesktop.DBus.Properties")

    def stop(self):
        terminate(self.process)
        self.stderr.close()


def typed_props(props):
    """Plain Python test values -> a{sv}; the fake coerces them to bluez's exact types."""
    out = dbus.Dictionary({}, signature="sv")
    for key, value in props.items():
        if isinstance(value, dict):
            value = dbus.Dictionary({str(k): dbus.Array(list(v), signature="y")
                                     for k, v in value.items()}, signature="sv")
        elif isinstance(value, (list, tuple)):
            value = dbus.Array([str(v) for v in value], signature="s")
        out[key] = value
    return out


class PersonsAgent(dbus.service.Object):
    """A person's own agent, as a desktop runs one (GNOME, KDE, `bluetoothctl agent on`): on its
    own bus connection, it says yes to everything (the person clicked "Pair") and records what
    it was asked. Its calls are served while the test waits (Waiter iterates the GLib loop), so
    drive pairings with IntegrationTest.simulate_pairing_async, not the blocking call."""

    PATH = "/test/persons_agent"

    def __init__(self, bus_address, capability="KeyboardDisplay"):
        self.own_bus = dbus.bus.BusConnection(bus_address)
        super().__init__(self.own_bus, self.PATH)
        self.capability = capability
        self.calls = []
        self.manager = dbus.Interface(self.own_bus.get_object("org.bluez", "/org/bluez",
                                                              introspect=False),
                                      "org.bluez.AgentManager1")

    def register(self, default=True):
        self.manager.RegisterAgent(dbus.ObjectPath(self.PATH), self.capability)
        if default:
            self.manager.RequestDefaultAgent(dbus.ObjectPath(self.PATH))

    def unique_name(self):
        return self.own_bus.get_unique_name()

    def close(self):
        self.remove_from_connection()
        self.own_bus.close()

    @dbus.service.method("org.bluez.Agent1", in_signature="o", out_signature="")
    def RequestAuthorization(self, device):
        self.calls.append(("RequestAuthorization", str(device)))

    @dbus.service.method("org.bluez.Agent1", in_signature="ou", out_signature="")
    def RequestConfirmation(self, device, passkey):
        self.calls.append(("RequestConfirmation", str(device)))

    @dbus.service.method("org.bluez.Agent1", in_signature="os", out_signature="")
    def AuthorizeService(self, device, uuid):
        self.calls.append(("AuthorizeService", str(device)))

    @dbus.service.method("org.bluez.Agent1", in_signature="o", out_signature="u")
    def RequestPasskey(self, device):
        self.calls.append(("RequestPasskey", str(device)))
        return dbus.UInt32(123456)  # what the person typed

    @dbus.service.method("org.bluez.Agent1", in_signature="o", out_signature="s")
    def RequestPinCode(self, device):
        self.calls.append(("RequestPinCode", str(device)))
        return "1234"

    @dbus.service.method("org.bluez.Agent1", in_signature="ouq", out_signature="")
    def DisplayPasskey(self, device, passkey, entered):
        self.calls.append(("DisplayPasskey", str(device)))

    @dbus.service.method("org.bluez.Agent1", in_signature="", out_signature="")
    def Cancel(self):
        self.calls.append(("Cancel", ""))

    @dbus.service.method("org.bluez.Agent1", in_signature="", out_signature="")
    def Release(self):
        self.calls.append(("Release", ""))


class FakePolkit:
    """fake_polkit.py: answers CheckAuthorization per action; logs each question to stdout."""

    def __init__(self, workdir, bus_address, answers, options=()):
        self.log_path = os.path.join(workdir, "fake_polkit.log")
        self.log = open(self.log_path, "w")
        args = [PYTHON, os.path.join(HERE, "fake_polkit.py"), "--bus", bus_address]
        for action, answer in answers.items():
            args += ["--answer", "%s=%s" % (action, answer)]
        self.process = subprocess.Popen(args + list(options), stdout=self.log,
                                        stderr=subprocess.STDOUT,
                                        env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))

    def questions(self):
        """Every CheckAuthorization so far, as dicts, in order."""
        out = []
        for line in read_text(self.log_path).splitlines():
            if line.startswith("{"):
                out.append(json.loads(line))
        return out

    def stop(self):
        terminate(self.process)
        self.log.close()


class Btfenced:
    """The real daemon under test."""

    def __init__(self, workdir, bus_address, policy_path, audit_path, extra_env=None,
                 extra_args=()):
        self.binary = os.environ.get("BTFENCED")
        if not self.binary or not os.access(self.binary, os.X_OK):
            raise unittest.SkipTest("BTFENCED is not set to an executable btfenced")
        self.notify_path = os.path.join(workdir, "notify")
        if os.path.exists(self.notify_path):  # an earlier btfenced of the same test
            os.unlink(self.notify_path)
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(self.notify_path)
        self.notify.setblocking(False)
        self.notifications = []  # every sd_notify datagram, split into lines
        self.stderr_path = os.path.join(workdir, "btfenced.stderr")
        self.stderr = open(self.stderr_path, "w")
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=bus_address,
                   NOTIFY_SOCKET=self.notify_path)
        env.pop("WATCHDOG_USEC", None)
        env.pop("WATCHDOG_PID", None)
        env.update(extra_env or {})
        self.state_dir = os.path.join(workdir, "state")  # as /var/lib/btfence
        os.makedirs(self.state_dir, exist_ok=True)
        # bluetoothd's configuration as btfenced audits it (posture), as /etc/bluetooth; a
        # test writes main.conf/input.conf there (IntegrationTest.bluetooth_config_dir).
        self.bluetooth_config_dir = os.path.join(workdir, "bluetooth")
        os.makedirs(self.bluetooth_config_dir, exist_ok=True)
        self.args = [self.binary, "--policy", policy_path, "--audit-log", audit_path,
                     "--state-dir", self.state_dir, "--no-permission-check", "--log-level", "info",
                     "--bluetooth-config-dir", self.bluetooth_config_dir]
        self.args += list(extra_args)
        self.process = subprocess.Popen(self.args, stdout=self.stderr, stderr=self.stderr,
                                        env=env)
        self.returncode = None

    def read_notify(self):
        while True:
            try:
                data = self.notify.recv(4096)
            except BlockingIOError:
                return
            self.notifications.extend(data.decode(errors="replace").splitlines())

    def alive(self):
        return self.process.poll() is None

    def stderr_text(self):
        self.stderr.flush()
        return read_text(self.stderr_path)

    def signal(self, signum):
        self.process.send_signal(signum)

    def wait_exit(self, timeout):
        try:
            self.returncode = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError("btfenced did not exit within %.0f s:\n%s" %
                                 (timeout, tail(self.stderr_text())))
        return self.returncode

    def close(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.notify.close()
        self.stderr.close()


class AuditLog:
    """The daemon's JSON-lines audit file; every line must be one JSON object."""

    def __init__(self, path):
        self.path = path
        self.events = []
        self._offset = 0
        self._partial = b""

    def refresh(self):
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self._offset)
                data = handle.read()
        except FileNotFoundError:
            return
        self._offset += len(data)
        data = self._partial + data
        lines = data.split(b"\n")
        self._partial = lines.pop()
        for line in lines:
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except ValueError as error:
                raise AssertionError("audit line is not JSON (%s): %r" % (error, line))
            if not isinstance(event, dict):
                raise AssertionError("audit line is not a JSON object: %r" % line)
            self.events.append(event)

    def mark(self):
        self.refresh()
        return len(self.events)

    def matching(self, action, since=0, **where):
        """Events with event.action == action whose dotted fields (a__b__c) equal the values."""
        self.refresh()
        found = []
        for event in self.events[since:]:
            if field(event, "event.action") != action:
                continue
            if all(field(event, key.replace("__", ".")) == value for key, value in where.items()):
                found.append(event)
        return found

    def summary(self, last=25):
        return "\n".join("  %s %s %s %s" % (field(e, "event.action"), field(e, "event.outcome"),
                                            field(e, "btfence.device.address") or "",
                                            field(e, "rule.id") or "")
                         for e in self.events[-last:])


# ---- the test case --------------------------------------------------------------------------

class IntegrationTest(unittest.TestCase):
    """Base class: override POLICY, ADAPTERS, BLUEZ_RUNNING and prepare() per scenario."""

    POLICY = make_policy()
    # (name, address, options for AddAdapter)
    ADAPTERS = (("hci0", "00:AA:01:00:00:00", {}),)
    BLUEZ_RUNNING = True
    BARRIER_ADAPTER = "hci0"
    START_TIMEOUT = 15.0
    START_DAEMON = True  # False: the fake alone (its own self-test)
    DAEMON_ENV = {}      # more environment for btfenced (e.g. WATCHDOG_USEC)
    DAEMON_ARGS = ()     # more command-line arguments for btfenced (e.g. --probe PATH, the hidden
                         # --bluez-call-timeout-ms)
    # More <allow>/<deny> rules for non-root users (the default context), e.g. a bus policy
    # that lets every user call btfenced, to show that its safety does not rest on it.
    EXTRA_BUS_POLICY = ""
    # Not None: fake_polkit.py runs on the bus with these {action: "yes"|"no"|"challenge"}
    # answers (and plays systemd's GetUnitByPID), and other users may connect (OTHER_USERS).
    POLKIT_ANSWERS = None
    POLKIT_OPTIONS = ()  # more fake_polkit.py options (e.g. "--broken")

    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="btfence-integ-")
        self.addCleanup(self._cleanup)
        self.daemon = None
        self.fake = None
        self.polkit = None
        if self.POLKIT_ANSWERS is not None:
            os.chmod(self.workdir, 0o711)  # other users reach the bus socket, nothing else
        self.bus = PrivateBus(self.workdir, self.EXTRA_BUS_POLICY,
                              other_users=self.POLKIT_ANSWERS is not None)
        self.conn = dbus.bus.BusConnection(self.bus.address)
        self.waiter = Waiter(on_wake=self._on_wake)
        self.fake = FakeBluez(self.workdir, self.bus.address, self.conn,
                              stopped=not self.BLUEZ_RUNNING)
        self.wait_for_name(CONTROL_NAME, timeout=10, process=self.fake.process)
        if self.BLUEZ_RUNNING:
            self.wait_for_name("org.bluez", timeout=10, process=self.fake.process)
        self.fake.attach()
        if self.POLKIT_ANSWERS is not None:
            self.polkit = FakePolkit(self.workdir, self.bus.address, self.POLKIT_ANSWERS,
                                     self.POLKIT_OPTIONS)
            self.wait_for_name("org.freedesktop.PolicyKit1", timeout=10,
                               process=self.polkit.process)
        self.adapters = {}
        if self.BLUEZ_RUNNING:
            for name, address, options in self.ADAPTERS:
                self.adapters[name] = self.fake.add_adapter(name, address, **options)
        self.etc = os.path.join(self.workdir, "etc")
        self.logdir = os.path.join(self.workdir, "log")
        os.mkdir(self.etc)
        os.mkdir(self.logdir)
        self.policy_path = os.path.join(self.etc, "policy.toml")
        self.audit_path = self.audit_log_path()
        self.audit = AuditLog(self.audit_path)
        self.write_policy(self.POLICY, atomic=False)
        self._barriers = 0
        self.daemon_sender = None  # btfenced's main connection: the watch, the calls, org.btfence1
        self.agent_sender = None   # its Agent1 connection, which registers the agent
        self.prepare()
        if self.START_DAEMON:
            self.start_daemon()

    def prepare(self):
        """Hook: the world as it is before btfenced starts (devices, bonds...)."""

    def audit_log_path(self):
        """Hook: where btfenced is told to write its audit log (as /var/log/btfence)."""
        return os.path.join(self.logdir, "audit.jsonl")

    # ---- lifecycle ----

    def start_daemon(self, expect_ready=True):
        # A restart within a test: only this btfenced's calls count.
        since = self.fake.last_seq() if self.BLUEZ_RUNNING else 0
        self.daemon = Btfenced(self.workdir, self.bus.address, self.policy_path,
                               self.audit_path, self.DAEMON_ENV, self.DAEMON_ARGS)
        if not expect_ready:
            return
        self.wait_for_notify("READY=1", timeout=self.START_TIMEOUT)
        # Taken at once: READY=1 promises the agent is registered and default by now (in
        # enforce mode; audit mode registers none).
        self.agents_at_ready = self.fake.agents() if self.BLUEZ_RUNNING else []
        if self.BLUEZ_RUNNING and self.policy_registers_agent():
            call = self.wait_for_call("RequestDefaultAgent", result="ok", since=since)
            self.agent_sender = call["sender"]
        # btfenced's main connection owns org.btfence1. In audit mode no agent is registered,
        # so agent_sender stays unknown until a reload registers one (agent_connection()).
        self.daemon_sender = self.conn.get_name_owner("org.btfence1")

    def policy_registers_agent(self):
        """Whether btfenced holds an agent under the policy in force: not in audit mode."""
        return 'mode = "audit"' not in self.policy_text

    def unique_names_of(self, pid):
        """The unique bus names of the connections that process `pid` opened (at least one)."""
        bus = dbus.Interface(self.conn.get_object("org.freedesktop.DBus",
                                                  "/org/freedesktop/DBus", introspect=False),
                             "org.freedesktop.DBus")

        def find():
            names = []
            for name in bus.ListNames():
                if not name.startswith(":"):
                    continue
                try:
                    if int(bus.GetConnectionUnixProcessID(name)) == pid:
                        names.append(str(name))
                except dbus.DBusException:
                    continue  # gone meanwhile
            return sorted(names) or None
        return self.wait(find, DEFAULT_TIMEOUT, lambda: "a bus connection of pid %d" % pid)

    def agent_connection(self):
        """btfenced's Agent1 connection: its connection other than the main one (it opens
        both before READY=1, whether or not an agent is registered)."""
        names = [n for n in self.unique_names_of(self.daemon.process.pid)
                 if n != self.daemon_sender]
        self.assertEqual(len(names), 1, "btfenced's connections: %r" % names)
        return names[0]

    def write_policy(self, text, atomic=True):
        """Writes the policy file 0644; atomic = write a temporary file and rename it in place
        (what config management does). The temporary file lives outside the policy's
        directory so that the only change there is the rename."""
        target = self.policy_path
        self.policy_text = text
        temp = os.path.join(self.workdir, "policy.toml.new") if atomic else target
        with open(temp, "w") as handle:
            handle.write(text)
        os.chmod(temp, 0o644)
        if atomic:
            os.replace(temp, target)
        return hashlib.sha256(text.encode()).hexdigest()

    def stop_daemon(self):
        """SIGTERM; asserts exit code 0."""
        self.daemon.signal(signal.SIGTERM)
        code = self.daemon.wait_exit(timeout=15)
        self.assertEqual(code, 0, "btfenced exited with %s on SIGTERM:\n%s" %
                         (code, tail(self.daemon.stderr_text())))
        return code

    def _on_wake(self):
        if self.daemon is not None:
            self.daemon.read_notify()

    def _test_failed(self):
        outcome = getattr(self, "_outcome", None)
        result = getattr(outcome, "result", None)
        if result is None:
            return False
        return any(test is self for test, _ in list(result.errors) + list(result.failures))

    def _cleanup(self):
        try:
            if self.daemon is not None:
                if self.daemon.alive() and not self._test_failed():
                    # A daemon that crashed during the test, or does not exit 0 on SIGTERM,
                    # fails the test here.
                    self.stop_daemon()
                elif not self.daemon.alive() and self.daemon.returncode is None and \
                        not self._test_failed() and not getattr(self, "EXPECT_EXIT", False):
                    self.fail("btfenced died during the test (exit %s):\n%s" %
                              (self.daemon.process.returncode,
                               tail(self.daemon.stderr_text())))
        finally:
            if self._test_failed() or os.environ.get("BTFENCE_INTEG_VERBOSE"):
                self._dump_diagnostics()
            if self.daemon is not None:
                self.daemon.close()
            if self.fake is not None:
                self.fake.stop()
            if self.polkit is not None:
                self.polkit.stop()
            try:
                self.conn.close()
            except Exception:
                pass
            self.bus.stop()
            if os.environ.get("BTFENCE_INTEG_KEEP"):
                sys.stderr.write("kept %s\n" % self.workdir)
            else:
                shutil.rmtree(self.workdir, ignore_errors=True)

    def _dump_diagnostics(self):
        out = ["", "==== %s diagnostics ====" % self.id()]
        if self.daemon is not None:
            out += ["-- btfenced %s" % " ".join(self.daemon.args),
                    "-- btfenced stderr (tail):", tail(self.daemon.stderr_text(), 80),
                    "-- notifications: %s" % self.daemon.notifications]
        try:
            self.audit.refresh()
        except AssertionError as error:
            out.append("-- audit log unreadable: %s" % error)
        out += ["-- audit events (last 25):", self.audit.summary()]
        if self.fake is not None:
            out += ["-- fake calls (last 25):"] + [
                "  #%d %s %s %s %s -> %s" % (c["seq"], c["member"], c["path"], c["sender"],
                                             json.dumps(c["args"]), c["result"])
                for c in self.fake.calls[-25:]]
            out += ["-- fake stderr (tail):", tail(read_text(self.fake.stderr_path), 30)]
        sys.stderr.write("\n".join(out) + "\n")

    # ---- waiting ----

    def _check_daemon_alive(self):
        if self.daemon is not None and not self.daemon.alive() and \
                self.daemon.returncode is None:
            raise AssertionError("btfenced exited (code %s) while the test waited:\n%s" %
                                 (self.daemon.process.returncode,
                                  tail(self.daemon.stderr_text())))

    def wait(self, condition, timeout, describe, allow_daemon_exit=False):
        def checked():
            if not allow_daemon_exit:
                self._check_daemon_alive()
            return condition()
        try:
            return self.waiter.until(checked, timeout, describe)
        except TimeoutError as error:
            raise AssertionError(str(error)) from None

    def wait_for_name(self, name, timeout, process):
        def owned():
            if process.poll() is not None:
                raise AssertionError("process exited before owning %s" % name)
            return self.conn.name_has_owner(name)
        self.wait(owned, timeout, lambda: "%s on the bus" % name)

    def wait_for_notify(self, line, timeout=DEFAULT_TIMEOUT, since=0):
        def seen():
            if not self.daemon.alive():
                raise AssertionError("btfenced exited (code %s) before %s:\n%s" % (
                    self.daemon.process.returncode, line, tail(self.daemon.stderr_text())))
            return line in self.daemon.notifications[since:]
        self.wait(seen, timeout, lambda: "sd_notify %s (got %s)" % (
            line, self.daemon.notifications), allow_daemon_exit=True)

    def wait_for_audit(self, action, timeout=DEFAULT_TIMEOUT, since=0, predicate=None,
                       **where):
        """The first audit event `action` after index `since` whose dotted fields
        (btfence__device__address=...) match and for which predicate(event) holds."""
        def found():
            events = [e for e in self.audit.matching(action, since, **where)
                      if predicate is None or predicate(e)]
            return events[0] if events else None
        return self.wait(found, timeout, lambda: "audit %s %s; last events:\n%s" % (
            action, where, self.audit.summary()))

    def wait_for_call(self, member, timeout=DEFAULT_TIMEOUT, **criteria):
        """The first call btfenced (or anyone) made on the fake matching the criteria
        (path, sender, since, args prefix, result)."""
        def found():
            calls = self.fake.find_calls(member, **criteria)
            return calls[0] if calls else None
        return self.wait(found, timeout, lambda: "fake call %s %s; calls so far: %s" % (
            member, criteria, [(c["member"], c["path"], c["result"])
                               for c in self.fake.calls[-15:]]))

    def barrier(self):
        """Returns once btfenced has handled everything the fake sent before this point.
        A sentinel keyboard asks the agent (which answers on a connection of its own), then
        org.bluez's connection pings btfenced's main connection: D-Bus keeps one sender's
        messages to one receiver in order, and that connection handles them in order, so the
        ping's answer means every earlier signal was handled (and any call it caused was sent,
        and recorded by the fake before the answer)."""
        self._barriers += 1
        if not self.policy_registers_agent():
            # No agent to ask (audit mode): the ping alone orders everything before it.
            self.fake.ping_peer(self.daemon_sender)
            return
        adapter = self.adapters[self.BARRIER_ADAPTER]
        address = "BA:22:1E:00:%02X:%02X" % (self._barriers >> 8, self._barriers & 0xFF)
        path = self.fake.add_device(adapter, address, Name="barrier", UUIDs=["1812"])
        answer = self.fake.simulate_pairing(path, "justworks")
        self.assertIn(answer, (ACCEPTED, REJECTED), "barrier pairing got " + answer)
        self.fake.remove_object(path)
        self.fake.ping_peer(self.daemon_sender)

    # ---- devices ----

    def add_fido_key(self, address="C0:FF:EE:00:00:01", adapter="hci0", **props):
        props.setdefault("Name", "FIDO key")
        props.setdefault("AddressType", "random")
        props.setdefault("UUIDs", ["fffd"])
        return self.fake.add_device(self.adapters[adapter], address, **props)

    def add_keyboard(self, address="AA:BB:CC:DD:EE:01", adapter="hci0", **props):
        props.setdefault("Name", "Keyboard")
        props.setdefault("UUIDs", ["1812"])
        return self.fake.add_device(self.adapters[adapter], address, **props)

    def assert_not_removed(self, path, since=0):
        """After a barrier: btfenced neither disconnected nor removed the device."""
        self.assertEqual(self.fake.find_calls("RemoveDevice", args=[path], since=since), [],
                         "RemoveDevice was called for " + path)
        self.assertEqual(self.fake.find_calls("Disconnect", path=path, since=since), [],
                         "Disconnect was called for " + path)
        self.assertTrue(self.fake.object_exists(path), path + " no longer exists")

    def simulate_pairing_async(self, path, method, arg=""):
        """SimulatePairing without blocking the test's loop, for agents that live in the test
        (PersonsAgent); returns "accepted" or the D-Bus error name the agent answered."""
        answer = []
        self.fake.control.SimulatePairing(path, method, str(arg), reply_handler=answer.append,
                                          error_handler=lambda e: answer.append(
                                              "error:" + str(e.get_dbus_name())), timeout=60)
        return str(self.wait(lambda: answer[0] if answer else None, 30,
                             lambda: "the answer to %s %s" % (method, path)))

    def persons_agent(self, default=True, capability="KeyboardDisplay"):
        """A PersonsAgent registered with the fake (and made default), closed at cleanup."""
        agent = PersonsAgent(self.bus.address, capability)
        agent.register(default=default)
        self.addCleanup(agent.close)
        return agent

    def run_forger(self, *actions):
        """Runs forger.py as user nobody (a local user without privileges) on the test's
        bus with these actions; returns its output lines (JSON), the last one {"done": ...}
        once the bus has routed everything it sent."""
        os.chmod(self.workdir, 0o755)  # let nobody reach the bus socket
        result = subprocess.run(
            ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", PYTHON,
             os.path.join(HERE, "forger.py"), self.bus.address] +
            [json.dumps(action) for action in actions],
            capture_output=True, timeout=60,
            env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
        self.assertEqual(result.returncode, 0, "forger failed:\n" + result.stderr.decode())
        lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
        self.assertTrue(lines and lines[-1].get("done"), lines)
        return lines

    def assert_removed(self, path, since=0, adapter="hci0"):
        """btfenced called Disconnect (if connected) and RemoveDevice on the device's adapter
        (in that order), and the device is gone."""
        removal = self.wait_for_call("RemoveDevice", path=self.adapters[adapter], args=[path],
                                     since=since)
        self.assertEqual(removal["result"], "ok")
        self.assertEqual(removal["sender"], self.daemon_sender)
        self.assertFalse(self.fake.object_exists(path))
        return removal
