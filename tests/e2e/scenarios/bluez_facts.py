"""Group "bluez": what the real bluetoothd 5.66 and the kernel do that btfenced's design rests
on (docs/bluez-facts.md), shown with the peer tooling and no btfenced running. They also
prove the peer tooling itself: each role is advertised, discovered, connected and paired.

The laptop is hci0, the peers play on hci1. One bluetoothd serves both, so an agent made
default here answers for the responder side of BOTH adapters."""
import json
import os
import time

import dbus
from gi.repository import GLib

import btpeer
from btpeer import FIDO, HID, HYBRID
from framework import expect, scenario


@scenario("bluez")
def a_fido_keys_advert_carries_the_fido_service_uuid(ctx):
    """Scanning on the laptop, a FIDO key's advert gives a Device1 with UUIDs [0xFFFD] and its name."""
    path = ctx.seen_by(ctx.laptop, ctx.play("fido-key"), uuid=FIDO)
    props = btpeer.device_properties(path)
    expect(btpeer.uuids_of(props) == [FIDO], "UUIDs are %s" % btpeer.uuids_of(props))
    expect(str(props.get("Name", "")) == "FIDO-Key", "Name is %r" % props.get("Name"))


@scenario("bluez")
def a_phones_hybrid_advert_carries_20_bytes_of_service_data(ctx):
    """A non-connectable hybrid advert gives a Device1 with ServiceData 0xFFF9 (20 bytes) and no UUIDs."""
    seen = {}

    def hybrid(props):  # the object goes as soon as discovery stops: keep what was seen
        if HYBRID in [str(k) for k in props.get("ServiceData", {})]:
            seen.update(props)
        return bool(seen)
    ctx.seen_by(ctx.laptop, ctx.play("hybrid-phone"), until=hybrid)
    data = bytes(seen["ServiceData"][HYBRID])
    expect(len(data) == 20, "service data has %d bytes" % len(data))
    expect(btpeer.uuids_of(seen) == [], "UUIDs are %s" % btpeer.uuids_of(seen))


@scenario("bluez")
def after_connecting_the_gatt_services_replace_the_advertised_uuids(ctx):
    """A device advertising 0xFFFD but serving HID: once connected, Device1.UUIDs holds HID, not 0xFFFD."""
    path = ctx.seen_by(ctx.laptop, ctx.play("liar"), uuid=FIDO)
    device = dbus.Interface(ctx.bus.get_object("org.bluez", path), "org.bluez.Device1")
    ok, error = btpeer.call(device.Connect, timeout=30)
    expect(ok, "Connect failed: %s" % error)
    props = btpeer.wait_until(
        lambda: (lambda p: p if p and bool(p.get("ServicesResolved", False)) else None)(
            btpeer.device_properties(path)), 30, "the services to resolve")
    uuids = btpeer.uuids_of(props)
    expect(HID in uuids, "HID is not in the resolved UUIDs %s" % uuids)
    expect(FIDO not in uuids, "0xFFFD is still in the resolved UUIDs %s" % uuids)


@scenario("bluez")
def just_works_started_on_the_laptop_reaches_no_agent_on_the_laptop_side(ctx):
    """The user's own agent that calls Pair() is never asked in Just Works; the other side's default agent is."""
    responder = ctx.agent("NoInputNoOutput", default=True)  # the keyboard's side
    user = ctx.agent("NoInputNoOutput")
    path = ctx.seen_by(ctx.laptop, ctx.play("keyboard"), uuid=HID)
    ok, error = user.pair(path)
    expect(ok, "Pair() failed: %s" % error)
    expect(user.calls == [], "the user's agent was asked: %s" % user.calls)
    laptop_on_peer = btpeer.device_path(ctx.peer, ctx.address(ctx.laptop))
    expect(responder.methods() == ["RequestAuthorization"] and responder.calls[0][1] == laptop_on_peer,
           "the responder's agent saw %s" % responder.calls)
    expect(bool(btpeer.device_properties(path)["Paired"]), "the keyboard is not Paired")


@scenario("bluez")
def numeric_comparison_shows_both_agents_the_same_passkey(ctx):
    """DisplayYesNo on both sides: RequestConfirmation on each agent with the same six digits."""
    key_side = ctx.agent("DisplayYesNo", default=True)
    user = ctx.agent("DisplayYesNo")
    path = ctx.seen_by(ctx.laptop, ctx.play("fido-key"), uuid=FIDO)
    ok, error = user.pair(path)
    expect(ok, "Pair() failed: %s" % error)
    expect(user.methods() == ["RequestConfirmation"], "the user's agent saw %s" % user.calls)
    expect(key_side.methods() == ["RequestConfirmation"], "the key's agent saw %s" % key_side.calls)
    expect(user.calls[0][2] == key_side.calls[0][2],
           "passkeys differ: %s and %s" % (user.calls[0][2], key_side.calls[0][2]))


def _peer_starts_pairing(ctx, peer_agent):
    """The peer discovers the laptop's advert and calls Pair() on it through its own agent.
    Returns (ok, error, the peer's Device1 path on the laptop)."""
    path_on_peer = ctx.seen_by(ctx.peer, ctx.play("laptop", ctx.laptop))
    ok, error = peer_agent.pair(path_on_peer)
    return ok, error, btpeer.device_path(ctx.laptop, ctx.address(ctx.peer))


@scenario("bluez")
def a_pairing_started_by_the_peer_asks_the_default_agent_which_can_refuse_it(ctx):
    """Remote-initiated: RequestAuthorization on the default agent; refusing it fails Pair() with AuthenticationFailed."""
    laptop_default = ctx.agent("NoInputNoOutput", reject=True, default=True)
    ok, error, keyboard = _peer_starts_pairing(ctx, ctx.agent("NoInputNoOutput"))
    expect(not ok and error == "org.bluez.Error.AuthenticationFailed", "Pair() returned %s %s" % (ok, error))
    expect(("RequestAuthorization", keyboard, None) in laptop_default.calls,
           "the default agent saw %s" % laptop_default.calls)
    props = btpeer.device_properties(keyboard)
    expect(props is None or not bool(props["Paired"]), "the laptop paired the keyboard")


@scenario("bluez")
def with_no_agent_registered_a_pairing_from_the_peer_fails(ctx):
    """No agent at all (btfenced down, nobody else registered): the adapter is not Pairable and refuses."""
    expect(not bool(btpeer.adapter_property(ctx.laptop, "Pairable")), "the laptop's adapter is Pairable")
    path_on_peer = ctx.seen_by(ctx.peer, ctx.play("laptop", ctx.laptop))
    device = dbus.Interface(ctx.bus.get_object("org.bluez", path_on_peer), "org.bluez.Device1")
    ok, error = btpeer.call(device.Pair, timeout=60)  # this connection has no agent
    expect(not ok and error == "org.bluez.Error.AuthenticationFailed", "Pair() returned %s %s" % (ok, error))
    keyboard = btpeer.device_path(ctx.laptop, ctx.address(ctx.peer))
    props = btpeer.device_properties(keyboard)
    expect(props is None or not bool(props["Paired"]), "the laptop paired the peer")


@scenario("bluez")
def when_the_default_agent_leaves_any_other_registered_agent_becomes_default(ctx):
    """bluez keeps every registered agent in its default list: a user's agent answers once the default one is gone."""
    gatekeeper = ctx.agent("NoInputNoOutput", reject=True, default=True)  # plays btfenced
    bystander = ctx.agent("NoInputNoOutput")  # plays `bluetoothctl` with its agent on, never made default
    ctx.drop_agent(gatekeeper)
    ok, error, keyboard = _peer_starts_pairing(ctx, ctx.agent("NoInputNoOutput"))
    expect(("RequestAuthorization", keyboard, None) in bystander.calls,
           "the bystander's agent saw %s" % bystander.calls)
    expect(ok, "Pair() failed: %s" % error)


def _input_devices_named(fragment):
    try:
        with open("/proc/bus/input/devices") as f:
            return [line for line in f.read().splitlines()
                    if line.startswith("N: Name=") and fragment in line]
    except OSError:
        return []


def _reveal_and_cut(ctx, how):
    """Pairs the fido-then-hid peer (no btfenced: agents of the test), then makes it serve HID
    and, as soon as the laptop's Device1.UUIDs gains 0x1812, cuts it off `how` ("disconnect":
    Disconnect, then RemoveDevice once answered, as btfenced did before; "block": Blocked =
    true, then RemoveDevice). Returns what was measured."""
    ctx.agent("NoInputNoOutput", default=True)  # the key's side of the pairing
    user = ctx.agent("NoInputNoOutput")
    peer = ctx.play("fido-then-hid")
    path = ctx.seen_by(ctx.laptop, peer, uuid=FIDO)
    ok, error = user.pair(path)
    expect(ok, "Pair() failed: %s" % error)
    btpeer.wait_until(lambda: bool((btpeer.device_properties(path) or {}).get("ServicesResolved")),
                      30, "the key's services to resolve")
    seen = {}
    device = ctx.bus.get_object("org.bluez", path)
    adapter = dbus.Interface(ctx.bus.get_object("org.bluez", btpeer.adapter_path(ctx.laptop)),
                             "org.bluez.Adapter1")

    def remove(*_):
        adapter.RemoveDevice(dbus.ObjectPath(path), reply_handler=lambda: None,
                             error_handler=lambda e: None)

    def on_changed(interface, changed, _invalidated):
        now = time.monotonic()
        if interface != "org.bluez.Device1":
            return
        if HID in [str(u) for u in changed.get("UUIDs", [])] and "hid_uuid" not in seen:
            seen["hid_uuid"] = now
            seen["hid_uuid_wall"] = time.time()
            if how == "block":
                dbus.Interface(device, "org.freedesktop.DBus.Properties").Set(
                    "org.bluez.Device1", "Blocked", dbus.Boolean(True),
                    reply_handler=remove, error_handler=remove)
            else:
                dbus.Interface(device, "org.bluez.Device1").Disconnect(
                    reply_handler=remove, error_handler=remove)
        if "Connected" in changed and not bool(changed["Connected"]):
            seen.setdefault("link_down", now)
    receiver = ctx.bus.add_signal_receiver(on_changed, signal_name="PropertiesChanged",
                                           dbus_interface="org.freedesktop.DBus.Properties",
                                           path=path, bus_name="org.bluez")

    def poll_input():
        if _input_devices_named(peer.role.title):
            seen.setdefault("input_device", time.monotonic())
        return "done" not in seen
    GLib.timeout_add(5, poll_input)
    try:
        peer.reveal()
        btpeer.wait_until(lambda: "link_down" in seen, 30, "the link to go down (%s)" % how)
        btpeer.wait_until(lambda: btpeer.device_properties(path) is None, 20, "the Device1 to go")
    finally:
        seen["done"] = time.monotonic()
        receiver.remove()
        peer.stop()
        # The peer's side keeps the laptop's bond; forget it so that the next run pairs anew.
        on_peer = btpeer.device_path(ctx.peer, ctx.address(ctx.laptop))
        peer_adapter = dbus.Interface(ctx.bus.get_object("org.bluez", btpeer.adapter_path(ctx.peer)),
                                      "org.bluez.Adapter1")
        if btpeer.device_properties(on_peer) is not None:
            btpeer.call(peer_adapter.RemoveDevice, dbus.ObjectPath(on_peer))
    result = {"how": how, "dev_uhid_exists": os.path.exists("/dev/uhid"),
              "window_ms_uuids_to_link_down": round((seen["link_down"] - seen["hid_uuid"]) * 1000),
              "input_device_created": "input_device" in seen,
              "input_device_after_ms": (round((seen["input_device"] - seen["hid_uuid"]) * 1000)
                                        if "input_device" in seen else None),
              "hid_uuid_at": time.strftime("%H:%M:%S", time.gmtime(seen["hid_uuid_wall"]))
              + ".%03d" % (seen["hid_uuid_wall"] % 1 * 1000)}
    with open(os.path.join(ctx.logs, "shapeshifter-window.json"), "a") as f:
        f.write(json.dumps(result) + "\n")
    ctx.say("measured: %s" % json.dumps(result))
    return result


@scenario("bluez")
def a_key_that_reveals_hid_is_cut_off_at_once_by_blocked_and_later_by_disconnect(ctx):
    """fido-then-hid: from UUIDs gaining 0x1812 to the link down, Disconnect vs Blocked = true (measured)."""
    disconnect = _reveal_and_cut(ctx, "disconnect")
    block = _reveal_and_cut(ctx, "block")
    expect(not block["input_device_created"],
           "an input device was created although the link was blocked at once: %s" % block)
    ctx.say("Disconnect: %d ms, input device %s; Blocked: %d ms, input device %s" % (
        disconnect["window_ms_uuids_to_link_down"], disconnect["input_device_created"],
        block["window_ms_uuids_to_link_down"], block["input_device_created"]))
