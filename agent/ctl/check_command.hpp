#pragma once
// `btfencectl check [PATH]`: is this policy file valid (and safe to deploy)?
#include <string>

namespace btfence::ctl {

struct CheckOptions {
    std::string policy_path = "/etc/btfence/policy.toml";
    bool check_permissions = true;
    bool strict = false;  ///< a warning (a rule that never matches) fails the check too
};

/// Prints every warning as PATH:LINE: warning: message (standard error) and a one-line
/// summary (exit 0, or 1 with `strict` and a warning), or every error as
/// PATH:LINE:COLUMN: message (exit 1).
int run_check(const CheckOptions& options);

}  // namespace btfence::ctl
