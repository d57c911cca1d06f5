"""The real btfenced under test: started with a policy file, READY=1 read from NOTIFY_SOCKET,
its audit JSON lines read as they are written, SIGTERM and exit status 0 checked at stop."""
import json
import os
import signal
import socket
import subprocess
import time

import dbus
from gi.repository import GLib

import btpeer

WORK = "/run/btfence-e2e"  # in the VM's RAM; root-owned like /etc/btfence would be


PEER_SIDE_RULE_ID = "e2e-peer-side"


def peer_side_rule(peer="hci1"):
    """One bluetoothd serves both controllers, so btfenced, the default agent, also answers for
    the peer's side of every pairing. An adapter the policy does not manage is refused as with
    no agent, so the peer's controller is managed and allowed by this rule (first, so that it
    decides every device seen through hci1). It grants no services."""
    return """[[rule]]
id = "%s"
verdict = "allow"
adapter = ["%s"]
reason = "e2e: the peer's controller plays the remote devices"
""" % (PEER_SIDE_RULE_ID, peer)


def policy(laptop, mode="enforce", allowlist="auto", extra="", spoof_block="0"):
    """The policy the scenarios run under: FIDO keys allowed, everything else denied, on the
    laptop's adapter; the peer's adapter is allowed by peer_side_rule()."""
    return """[policy]
version = 1
mode = "%s"
default = "deny"
existing_bonds = "enforce"
adapters = []

[fido]
verify = false   # the simulated keys do not speak CTAP
spoof_block = "%s"  # "0": every peer plays with hci1's one address

[bluez]
service_allowlist = "%s"

%s
[[rule]]
id = "fido-keys"
verdict = "allow"
class = ["fido-ble"]
reason = "FIDO2 BLE security keys"
%s""" % (mode, spoof_block, allowlist, peer_side_rule(), extra)


class DaemonFailed(Exception):
    pass


class Btfenced:
    def __init__(self, binary, logs, on_event=None, probe=None):
        self.binary = binary
        self.probe = probe  # btfence-probe, for policies with [fido] verify = true
        self.audit_path = os.path.join(logs, "audit.jsonl")
        self.stderr_path = os.path.join(logs, "btfenced.log")
        self.on_event = on_event
        self.process = None
        self.events = []
        self._offset = 0
        os.makedirs(WORK, mode=0o755, exist_ok=True)
        self.policy_path = os.path.join(WORK, "policy.toml")
        self.state_dir = os.path.join(WORK, "state")  # as /var/lib/btfence, kept across starts
        os.makedirs(self.state_dir, mode=0o750, exist_ok=True)
        if on_event:  # show events as they are written, whenever the main loop runs
            GLib.timeout_add(100, lambda: self.read_events() or True)

    # -- lifecycle --------------------------------------------------------------------------

    def start(self, policy_text):
        with open(self.policy_path, "w") as f:
            f.write(policy_text)
        os.chmod(self.policy_path, 0o644)
        notify_path = os.path.join(WORK, "notify")
        if os.path.exists(notify_path):
            os.unlink(notify_path)
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind(notify_path)
        notify.setblocking(False)
        stderr = open(self.stderr_path, "a")
        stderr.write("---- %s --policy %s (%s)\n" % (self.binary, self.policy_path, time.strftime("%H:%M:%S")))
        stderr.flush()
        command = [self.binary, "--policy", self.policy_path, "--audit-log", self.audit_path,
                   "--state-dir", self.state_dir, "--log-level", "debug",
                   # Every decision as its own event: scenarios repeat the same device (one
                   # peer address) within seconds and wait for each event, which the default
                   # 60 s aggregation of identical repeats would hold back as a summary.
                   "--aggregate-window", "0"]
        if self.probe:
            command += ["--probe", self.probe]
        self.process = subprocess.Popen(
            command,
            env=dict(os.environ, NOTIFY_SOCKET=notify_path), stdout=stderr, stderr=stderr)
        stderr.close()
        messages = []

        def ready():
            try:
                messages.append(notify.recv(4096).decode())
            except BlockingIOError:
                pass
            if self.process.poll() is not None:
                raise DaemonFailed("btfenced exited with status %d at start (see btfenced.log)"
                                   % self.process.returncode)
            self.read_events()
            return any("READY=1" in m for m in messages)
        try:
            btpeer.wait_until(ready, 30, "READY=1 from btfenced")
        finally:
            notify.close()

    def stop(self):
        """SIGTERM; the daemon must unregister its agent and exit 0."""
        if self.process is None:
            return
        process, self.process = self.process, None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                btpeer.wait_until(lambda: process.poll() is not None, 15, "btfenced to exit on SIGTERM")
            except btpeer.TimedOut:
                process.kill()
                raise DaemonFailed("btfenced did not exit within 15 s of SIGTERM")
        self.read_events()
        if process.returncode != 0:
            raise DaemonFailed("btfenced exited with status %d" % process.returncode)

    def restart(self, policy_text):
        self.stop()
        self.start(policy_text)

    def running(self):
        return self.process is not None and self.process.poll() is None

    # -- the audit trail ----------------------------------------------------------------------

    def read_events(self):
        try:
            with open(self.audit_path, "rb") as f:
                f.seek(self._offset)
                data = f.read()
        except FileNotFoundError:
            return
        complete = data[:data.rfind(b"\n") + 1]
        self._offset += len(complete)
        for line in complete.decode().splitlines():
            event = json.loads(line)
            self.events.append(event)
            if self.on_event:
                self.on_event(event)

    def mark(self):
        """A position in the event list: find()/wait_for() look only at events after it."""
        self.read_events()
        return len(self.events)

    def find_all(self, action, address=None, since=0, **fields):
        self.read_events()
        found = []
        for event in self.events[since:]:
            if event["event"]["action"] != action:
                continue
            b = event.get("btfence", {})
            if address and b.get("device", {}).get("address") != address:
                continue
            if all(b.get(k) == v for k, v in fields.items()):
                found.append(event)
        return found

    def find(self, action, address=None, since=0, **fields):
        found = self.find_all(action, address, since, **fields)
        return found[0] if found else None

    def wait_for(self, action, address=None, since=0, timeout=30, **fields):
        def seen():
            if not self.running():
                raise DaemonFailed("btfenced is not running (exit status %s)"
                                   % (self.process.returncode if self.process else "-"))
            return self.find(action, address, since, **fields)
        return btpeer.wait_until(seen, timeout, "the audit event %s%s%s" % (
            action, " for " + address if address else "",
            "".join(" %s=%s" % kv for kv in fields.items())))

    def barrier(self):
        """Returns once btfenced has handled every message that reached the bus before now
        (signals from bluetoothd included), and bluetoothd has handled every call btfenced made
        while handling them: sd-bus answers Peer.Ping in order with everything else btfenced
        receives, and the bus delivers btfenced's calls to bluetoothd before this process's."""
        bus = btpeer.system_bus()
        owner = bus.get_name_owner("org.btfence1")
        peer = dbus.Interface(bus.get_object(owner, "/", introspect=False), "org.freedesktop.DBus.Peer")
        ok, error = btpeer.call(peer.Ping, timeout=10)
        if not ok:
            raise DaemonFailed("btfenced did not answer Peer.Ping: %s" % error)
        dbus.Interface(bus.get_object("org.bluez", "/", introspect=False),
                       "org.freedesktop.DBus.ObjectManager").GetManagedObjects()
        self.read_events()


def one_line(event):
    """An audit event as one readable line: time, action, verdict, device, rule, reason."""
    e, b = event["event"], event.get("btfence", {})
    device = b.get("device", {})
    when = event.get("@timestamp", "")[11:23]
    verdict = b.get("verdict", "")
    if b.get("mode") == "audit" and verdict:
        verdict += " (audit)"
    if e.get("outcome") == "failure":
        verdict = (verdict + " FAILED").strip()
    who = ""
    if device:
        who = "%s %s [%s] on %s" % (device.get("name") or "?", device.get("address", ""),
                                    device.get("class", "?"), b.get("adapter", "?"))
    rule = event.get("rule", {}).get("id", "")
    reason = e.get("reason") or event.get("message", "")
    parts = ["%s  %-22s %-14s" % (when, e["action"], verdict)]
    if who:
        parts.append(who)
    if rule and rule != "none":
        parts.append("rule=" + rule)
    parts.append("-- " + reason if reason else "")
    return "  ".join(p for p in parts if p)
