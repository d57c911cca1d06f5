#include "check_command.hpp"

#include <chrono>
#include <iostream>

#include "btfence/policy/rule_warnings.hpp"
#include "policy_file.hpp"

namespace btfence::ctl {

int run_check(const CheckOptions& options) {
    const auto result = load_policy_file(options.policy_path, options.check_permissions);
    if (!result.ok()) {
        for (const auto& error : result.errors) {
            std::cerr << error.to_string() << '\n';
        }
        std::cerr << options.policy_path << ": invalid (" << result.errors.size() << " error"
                  << (result.errors.size() == 1 ? "" : "s") << ")\n";
        return 1;
    }
    const auto& policy = *result.policy;
    // Expiry is judged at the instant of the check: an admin checks what the fleet will run now.
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    const auto warnings = policy::rule_warnings(policy, now);
    for (const auto& warning : warnings) {
        std::cerr << options.policy_path << ':' << warning.line << ": warning: " << warning.message
                  << '\n';
    }
    std::cout << options.policy_path << ": valid: " << policy.rules.size() << " rule"
              << (policy.rules.size() == 1 ? "" : "s") << ", mode "
              << policy::to_string(policy.mode) << ", default "
              << policy::to_string(policy.default_verdict) << ", existing_bonds "
              << policy::to_string(policy.existing_bonds) << ", sha256 "
              << policy.sha256.substr(0, 16);
    if (!warnings.empty()) {
        std::cout << ", " << warnings.size() << " warning" << (warnings.size() == 1 ? "" : "s");
    }
    std::cout << '\n';
    return options.strict && !warnings.empty() ? 1 : 0;
}

}  // namespace btfence::ctl
