#pragma once
// `btfencectl lockdown [--policy PATH] [--bluetoothd PATH]`: prints the bluetooth.service
// drop-in that starts bluetoothd without the profile plugins the policy can never allow
// (agent/common/profile_lockdown.hpp). Offline; installing it is the admin's step.
#include <string>

namespace btfence::ctl {

struct LockdownOptions {
    std::string policy_path = "/etc/btfence/policy.toml";
    std::string bluetoothd_path = "/usr/libexec/bluetooth/bluetoothd";  ///< Debian 12's
    bool check_permissions = true;
};

/// Prints the drop-in (exit 0). Exit 1, with the reason on stderr, when the policy can allow
/// every plugin's devices and there is nothing to leave out; 2 on an invalid policy.
int run_lockdown(const LockdownOptions& options);

}  // namespace btfence::ctl
