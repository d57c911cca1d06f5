"""Group "admin": btfenced's profile lockdown through org.bluez.AdminPolicySet1, against a
bluetoothd built with the admin plugin (tests/e2e/build-bluetoothd-admin.sh; Debian's has no
such plugin).

bluez 5.66's admin plugin keeps ONE policy for the whole daemon: each adapter it probes frees
the previous adapter's data while that adapter keeps its D-Bus interface, so calling any but
the last probed adapter's AdminPolicySet1 touches freed memory. `bluetoothctl admin.allow`
calls whichever adapter it saw last. This group therefore runs in a VM with ONE controller,
where every caller reaches the same, valid interface."""
import subprocess

import dbus

import btpeer
from btpeer import HID
from framework import expect, scenario


def service_allowlist(ctx):
    props = dbus.Interface(ctx.bus.get_object("org.bluez", btpeer.adapter_path(ctx.laptop)), btpeer.PROPERTIES)
    return sorted(str(u) for u in props.Get("org.bluez.AdminPolicyStatus1", "ServiceAllowList"))


@scenario("admin")
def btfenced_sets_the_service_allowlist_where_bluetoothd_has_admin_policy(ctx):
    """At start btfenced calls SetServiceAllowList: 0xFFFD, GAP, GATT, DIS and Battery; HID over GATT is not allowed."""
    applied = ctx.daemon.wait_for("service-allowlist-applied", since=0)
    expect(applied["event"]["outcome"] == "success", "applying failed: %s" % applied["event"]["reason"])
    # What a fido-ble device may offer (docs/policy.md, "Device classes"), and no extra_services.
    expected = sorted(btpeer.uuid128(u) for u in ("fffd", "1800", "1801", "180a", "180f"))
    allowed = btpeer.wait_until(lambda: service_allowlist(ctx), 10, "AdminPolicyStatus1.ServiceAllowList")
    expect(allowed == expected, "the allowlist is %s, not %s" % (allowed, expected))
    expect(HID not in allowed, "HID over GATT is in the allowlist %s" % allowed)
    expect(ctx.daemon.find("service-allowlist-unavailable") is None, "btfenced said the allowlist is unavailable")


@scenario("admin")
def btfenced_restores_the_allowlist_after_bluetoothctl_admin_allow_clear(ctx):
    """Someone runs `bluetoothctl admin.allow clear`: tamper-detected, and the allowlist is set again."""
    wanted = btpeer.wait_until(lambda: service_allowlist(ctx), 30, "btfenced's allowlist to be in place")
    since = ctx.daemon.mark()
    ctx.say("someone clears the allowlist with bluetoothctl")
    result = subprocess.run(["bluetoothctl", "--timeout", "5", "admin.allow", "clear"],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    expect("Set allowed service successfully" in result.stdout,
           "bluetoothctl did not clear the allowlist: %r %r" % (result.stdout[-300:], result.stderr[-300:]))
    tamper = ctx.daemon.wait_for("tamper-detected", since=since)
    expect(tamper["btfence"].get("adapter", ctx.laptop) == ctx.laptop, "tamper-detected on %s" % tamper["btfence"])
    btpeer.wait_until(lambda: ctx.daemon.find_all("service-allowlist-applied", since=since), 30,
                      "service-allowlist-applied after the tampering")
    btpeer.wait_until(lambda: service_allowlist(ctx) == wanted, 30, "the allowlist %s to be back" % wanted)
