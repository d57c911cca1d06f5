#pragma once
// Profile lockdown without AdminPolicySet1 (issue 10 item 5): a bluetooth.service drop-in
// that starts bluetoothd without the profile plugins a policy can never allow
// (`--noplugin=input,hog,...`). Debian 12's bluetoothd has no admin plugin, so this is the
// only way to make "a key that reveals HID after bonding" find no HID profile at all, instead
// of relying on btfenced removing it fast enough. `btfencectl lockdown` prints it.
//
// Which plugins: bluez 5.66's profile plugins (BLUETOOTH_PLUGIN_DEFINE in profiles/ and
// plugins/), each tied to the services it implements. A FIDO key ("fido-ble": 0xFFFD plus
// GAP, GATT, Device Information, Battery) and a hybrid phone (never pairs) need none of them;
// every listed plugin serves only devices of class "other". So a plugin is kept when some
// rule (or the default verdict) can allow a device of class "other", or when
// `[bluez] extra_services` names one of its services; otherwise it is left out.
// Pure: a policy in, a plan and its text out.
#include <string>
#include <string_view>
#include <vector>

#include "btfence/policy/policy.hpp"

namespace btfence::lockdown {

struct ProfilePlugin {
    std::string_view name;                   ///< bluetoothd's plugin name, as --noplugin takes it
    std::string_view serves;                 ///< what it implements
    std::string_view costs;                  ///< what stops working without it
    std::vector<std::string_view> services;  ///< 16-bit UUIDs it implements ("0x1124")
};

/// Every profile plugin the drop-in may leave out, in the order it lists them.
const std::vector<ProfilePlugin>& profile_plugins();

struct KeptPlugin {
    const ProfilePlugin* plugin = nullptr;
    std::string because;  ///< "rule \"keyboards\" allows class \"other\"", ...
};

struct LockdownPlan {
    std::vector<const ProfilePlugin*> disabled;
    std::vector<KeptPlugin> kept;
    std::vector<std::string> notes;  ///< audit mode, unmanaged adapters: what the admin must know
};

/// The plugins `policy` can never need. Conservative: any rule that might allow a device of
/// class "other" (whatever its other matchers) keeps every plugin; only an unconditional deny
/// of class "other" earlier in the file shadows later allow rules.
LockdownPlan plan_lockdown(const policy::Policy& policy);

/// The drop-in file: comments explaining the plan and how to install and remove it, then
/// `[Service]` with `ExecStart=` reset and bluetoothd started with --noplugin. Empty when
/// the plan disables nothing (there is then no drop-in to install).
std::string render_drop_in(const LockdownPlan& plan, const policy::Policy& policy,
                           std::string_view bluetoothd_path);

/// Where the admin guide installs it.
inline constexpr std::string_view kDropInPath =
    "/etc/systemd/system/bluetooth.service.d/btfence-lockdown.conf";

}  // namespace btfence::lockdown
