#include "check_command.hpp"

#include <iostream>

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
    std::cout << options.policy_path << ": valid: " << policy.rules.size() << " rule"
              << (policy.rules.size() == 1 ? "" : "s") << ", mode "
              << policy::to_string(policy.mode) << ", default "
              << policy::to_string(policy.default_verdict) << ", existing_bonds "
              << policy::to_string(policy.existing_bonds) << ", sha256 "
              << policy.sha256.substr(0, 16) << '\n';
    return 0;
}

}  // namespace btfence::ctl
