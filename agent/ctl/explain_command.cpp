#include "explain_command.hpp"

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "btfence/policy/decision.hpp"
#include "btfence/policy/time_format.hpp"
#include "device_json.hpp"
#include "policy_file.hpp"

namespace btfence::ctl {

int run_explain(const ExplainOptions& options) {
    const auto loaded = load_policy_file(options.policy_path, options.check_permissions);
    if (!loaded.ok()) {
        for (const auto& error : loaded.errors) {
            std::cerr << error.to_string() << '\n';
        }
        return 2;
    }
    std::ifstream file(options.device_path);
    if (!file) {
        std::cerr << options.device_path << ": cannot read\n";
        return 2;
    }
    std::ostringstream text;
    text << file.rdbuf();
    auto parsed = parse_device_json(text.str());
    if (const auto* error = std::get_if<std::string>(&parsed)) {
        std::cerr << options.device_path << ": " << *error << '\n';
        return 2;
    }
    const auto& device = std::get<policy::DeviceFacts>(parsed);

    policy::TimePoint now =
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    if (options.at) {
        const auto at = policy::parse_rfc3339(*options.at);
        if (!at) {
            std::cerr << "--at: not an RFC 3339 date-time with offset: " << *options.at << '\n';
            return 2;
        }
        now = *at;
    }
    const auto decision = policy::decide(*loaded.policy, device, now);
    nlohmann::json out = {
        {"verdict", policy::to_string(decision.verdict)},
        {"rule", decision.rule_id},
        {"class", policy::to_string(decision.classification.device_class)},
        {"reason", decision.reason},
        {"class_reason", decision.classification.reason},
        {"mode", policy::to_string(decision.mode)},
        {"managed", decision.managed},
        {"enforced", decision.enforce_denial()},
        {"at", policy::format_rfc3339(now)},
        {"next_change", decision.next_change
                            ? nlohmann::json(policy::format_rfc3339(*decision.next_change))
                            : nlohmann::json(nullptr)},
        {"policy_sha256", loaded.policy->sha256},
    };
    if (!decision.rule_reason.empty()) {
        out["rule_reason"] = decision.rule_reason;
    }
    std::cout << out.dump(2) << '\n';
    return 0;
}

}  // namespace btfence::ctl
