"""Group "bluez": what the real bluetoothd 5.66 and the kernel do that btfenced's design rests
on (docs/bluez-facts.md), shown with the peer tooling and no btfenced running. They also
prove the peer tooling itself: each role is advertised, discovered, connected and paired.

The laptop is hci0, the peers play on hci1. One bluetoothd serves both, so an agent made
default here answers for the responder side of BOTH adapters."""
import dbus

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
