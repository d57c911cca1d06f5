"""What the e2e scenarios are written with: the scenario registry, expect(), and the Context
that tracks what a scenario registers on the bus so that the runner can reset between them."""
import os

import dbus

import btpeer


class ScenarioFailed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise ScenarioFailed(message)


SCENARIOS = []
GROUP_POLICIES = {}


def scenario(group):
    """Registers a scenario function (ctx) -> None; its docstring's first line says what it
    shows."""
    def register(function):
        SCENARIOS.append((group, function))
        return function
    return register


def group_policy(group):
    """Registers the policy btfenced runs under in a group, a function (laptop) -> TOML text;
    groups without one use btfenced.policy()."""
    def register(function):
        GROUP_POLICIES[group] = function
        return function
    return register


class Context:
    """What a scenario works with: the two adapters, btfenced (in the btfenced groups), and
    helpers that track everything they register so that the runner can withdraw it."""

    def __init__(self, laptop, peer, logs, narrate):
        self.bus = btpeer.system_bus()
        self.laptop, self.peer = laptop, peer
        self.logs = logs
        self.narrate = narrate
        self.daemon = None
        self.base_policy = None
        self.policy_changed = False
        self._peers = []
        self._agents = []

    def address(self, adapter):
        return str(btpeer.adapter_property(adapter, "Address", self.bus))

    def say(self, text):
        if self.narrate:
            print("  * " + text, flush=True)

    def play(self, role, adapter=None):
        """A peer role on the peer's adapter (or the given one); withdrawn after the scenario."""
        peer = btpeer.Peer(role, adapter or self.peer, self.bus)
        self._peers.append(peer)
        return peer

    def track_peer(self, peer):
        """Something else that plays a peer (it has stop()); withdrawn after the scenario."""
        self._peers.append(peer)
        return peer

    def agent(self, capability, reject=False, default=False):
        agent = btpeer.Agent(capability, reject).register(default=default)
        self._agents.append(agent)
        return agent

    def drop_agent(self, agent):
        agent.close()
        self._agents.remove(agent)

    def seen_by(self, scanner, peer, uuid=None, until=None, timeout=30):
        """Discovers `peer` from `scanner` until its Device1 has the UUID (or until(props))."""
        def wanted(props):
            return (uuid is None or uuid in btpeer.uuids_of(props)) and (until is None or until(props))
        return btpeer.discover(scanner, peer, wanted, timeout=timeout)

    def run_daemon_with(self, policy_text):
        """Restarts btfenced with another policy; the runner restores the group's policy after
        the scenario."""
        self.policy_changed = True
        self.daemon.restart(policy_text)

    def cleanup(self):
        # Devices first: withdrawing a GATT application changes the services a connected
        # laptop sees, which btfenced would (rightly) act on.
        forget_all_devices(self.bus)
        for peer in self._peers:
            peer.stop()
        for agent in self._agents:
            agent.close()
        self._peers, self._agents = [], []


def forget_all_devices(bus):
    """Disconnects, then removes, every device on every adapter, and waits until BlueZ has
    no Device1 object left."""
    for path in btpeer.device_paths(bus):
        props = btpeer.device_properties(path, bus)
        if props and bool(props.get("Connected", False)):
            # Not in the middle of GATT discovery: tearing a link down then is when the 6.1
            # kernel has hit its hci_chan_del BUG (see docs/testing.md).
            try:
                btpeer.wait_until(lambda: (lambda p: not p or not p.get("Connected", False) or
                                           p.get("ServicesResolved", False))(btpeer.device_properties(path, bus)),
                                  10, "the services of %s to resolve" % path)
            except btpeer.TimedOut:
                pass  # disconnect anyway
            device = dbus.Interface(bus.get_object("org.bluez", path), "org.bluez.Device1")
            btpeer.call(device.Disconnect, timeout=10)
    for path in btpeer.device_paths(bus):
        adapter = dbus.Interface(bus.get_object("org.bluez", os.path.dirname(path)), "org.bluez.Adapter1")
        btpeer.call(adapter.RemoveDevice, dbus.ObjectPath(path), timeout=10)
    btpeer.wait_until(lambda: not btpeer.device_paths(bus), 20, "BlueZ to forget every device")


def adapters_powered(bus, adapters):
    try:
        return all(bool(btpeer.adapter_property(a, "Powered", bus)) for a in adapters)
    except dbus.DBusException:
        return False
