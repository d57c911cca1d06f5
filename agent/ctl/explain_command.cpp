#include "explain_command.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "btfence/policy/decision.hpp"
#include "btfence/policy/time_format.hpp"
#include "device_json.hpp"
#include "policy_file.hpp"

namespace btfence::ctl {
namespace {

constexpr int kBadInput = 2;

// ordered_json: keys in the order an admin reads them, verdict first.
nlohmann::ordered_json to_json(const policy::Decision& decision, policy::TimePoint at,
                               const policy::Policy& policy, const policy::DeviceFacts& device) {
    nlohmann::ordered_json out = {
        {"verdict", policy::to_string(decision.verdict)},
        {"rule", decision.rule_id},
        {"class", policy::to_string(decision.classification.device_class)},
        {"reason", decision.reason},
        {"class_reason", decision.classification.reason},
        {"rule_reason", decision.rule_reason},
        {"mode", policy::to_string(decision.mode)},
        {"managed", decision.managed},
        // What btfenced would do: refuse and remove (true), or let it be (false, also in audit).
        {"enforced", decision.enforce_denial()},
        // The CTAP verification facts decided on: what the device's Verification said, and
        // whether the verdict may still change with a probe result (btfenced keeps the bond
        // until then).
        {"verification", device.verification
                             ? nlohmann::ordered_json(policy::to_string(device.verification->state))
                             : nlohmann::ordered_json(nullptr)},
        {"pending_verification", decision.pending_verification},
        {"at", policy::format_rfc3339(at)},
        {"next_change", decision.next_change
                            ? nlohmann::ordered_json(policy::format_rfc3339(*decision.next_change))
                            : nlohmann::ordered_json(nullptr)},
        {"policy_sha256", policy.sha256},
    };
    return out;
}

}  // namespace

int run_explain(const ExplainOptions& options) {
    // The CLI may read the clock; the policy library never does: the instant is a parameter.
    policy::TimePoint now =
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    if (options.at) {
        const auto at = policy::parse_rfc3339(*options.at);
        if (!at) {
            std::cerr << "--at: not an RFC 3339 date-time with offset (e.g. "
                         "2026-12-08T16:59:59Z): "
                      << *options.at << '\n';
            return kBadInput;
        }
        now = *at;
    }

    const auto loaded = load_policy_file(options.policy_path, options.check_permissions);
    if (!loaded.ok()) {
        for (const auto& error : loaded.errors) {
            std::cerr << error.to_string() << '\n';
        }
        return kBadInput;
    }

    std::ifstream file(options.device_path, std::ios::binary);
    if (!file) {
        std::cerr << options.device_path << ": cannot read: " << std::strerror(errno) << '\n';
        return kBadInput;
    }
    std::ostringstream text;
    text << file.rdbuf();
    auto parsed = parse_device_json(text.str());
    if (const auto* error = std::get_if<std::string>(&parsed)) {
        std::cerr << options.device_path << ": " << *error << '\n';
        return kBadInput;
    }

    const auto& device = std::get<policy::DeviceFacts>(parsed);
    // The very function btfenced decides with (overrides and pending verification included).
    const auto decision = policy::decide(*loaded.policy, device, policy::DecisionContext{now, {}});
    std::cout << to_json(decision, now, *loaded.policy, device).dump(2) << '\n';
    return 0;
}

}  // namespace btfence::ctl
