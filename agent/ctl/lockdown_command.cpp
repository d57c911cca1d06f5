#include "lockdown_command.hpp"

#include <iostream>

#include "policy_file.hpp"
#include "profile_lockdown.hpp"

namespace btfence::ctl {
namespace {
constexpr int kNothingToLeaveOut = 1;
constexpr int kBadPolicy = 2;
}  // namespace

int run_lockdown(const LockdownOptions& options) {
    const auto loaded = load_policy_file(options.policy_path, options.check_permissions);
    if (!loaded.ok()) {
        for (const auto& error : loaded.errors) {
            std::cerr << error.to_string() << '\n';
        }
        return kBadPolicy;
    }
    const auto plan = lockdown::plan_lockdown(*loaded.policy);
    const std::string drop_in =
        lockdown::render_drop_in(plan, *loaded.policy, options.bluetoothd_path);
    if (drop_in.empty()) {
        std::cerr << "btfencectl lockdown: nothing to leave out: "
                  << (plan.kept.empty() ? std::string("no plugin") : plan.kept.front().because)
                  << ", and devices of class \"other\" may need any profile plugin\n";
        return kNothingToLeaveOut;
    }
    std::cout << drop_in;
    return 0;
}

}  // namespace btfence::ctl
