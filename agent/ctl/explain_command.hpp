#pragma once
// `btfencectl explain --policy PATH [--at RFC3339] DEVICE.json`: the offline dry run an admin
// uses to test a policy change before shipping it to the fleet.
#include <optional>
#include <string>

namespace btfence::ctl {

struct ExplainOptions {
    std::string policy_path = "/etc/btfence/policy.toml";
    std::string device_path;
    std::optional<std::string> at;  ///< RFC 3339; default: now
    bool check_permissions = true;
};

/// Prints one JSON object {verdict, rule, class, reason, class_reason, rule_reason, mode,
/// managed, enforced, at, next_change, policy_sha256}; exit 0, or 2 on bad input (invalid
/// policy, unreadable or invalid DEVICE.json, malformed --at) with the reason on stderr.
int run_explain(const ExplainOptions& options);

}  // namespace btfence::ctl
