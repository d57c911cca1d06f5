#include "posture_command.hpp"

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

#include "bluez_posture.hpp"

namespace btfence::ctl {
namespace {

using bluez_config::PostureFinding;
using bluez_config::Severity;

constexpr int kRisky = 1;

void print_table(const std::vector<PostureFinding>& findings, const std::string& config_dir) {
    std::cout << "bluetoothd posture (" << config_dir << "): " << bluez_config::summarize(findings)
              << '\n';
    if (findings.empty()) {
        return;
    }
    std::size_t width = std::string_view("SETTING").size();
    for (const auto& finding : findings) {
        width = std::max(width, finding.setting().size() + 1 + finding.value.size());
    }
    std::cout << '\n'
              << std::left << std::setw(8) << "SEVERITY" << ' '
              << std::setw(static_cast<int>(width)) << "SETTING" << ' ' << "WHAT IT REOPENS\n";
    for (const auto& finding : findings) {
        std::cout << std::left << std::setw(8) << bluez_config::to_string(finding.severity) << ' '
                  << std::setw(static_cast<int>(width)) << (finding.setting() + "=" + finding.value)
                  << ' ' << finding.risk << '\n';
        if (finding.effective != finding.value) {
            std::cout << std::string(9 + width + 1, ' ') << "in force: " << finding.effective
                      << '\n';
        }
        if (!finding.advice.empty()) {
            std::cout << std::string(9 + width + 1, ' ') << "advice: " << finding.advice << '\n';
        }
    }
}

void print_json(const std::vector<PostureFinding>& findings, const std::string& config_dir) {
    nlohmann::ordered_json out{{"config_dir", config_dir},
                               {"summary", bluez_config::summarize(findings)},
                               {"findings", nlohmann::ordered_json::array()}};
    for (const auto& finding : findings) {
        out["findings"].push_back(nlohmann::ordered_json{
            {"severity", bluez_config::to_string(finding.severity)},
            {"setting", finding.setting()},
            {"file", finding.file},
            {"section", finding.section},
            {"key", finding.key},
            {"value", finding.value},
            {"effective", finding.effective},
            {"risk", finding.risk},
            {"advice", finding.advice},
        });
    }
    std::cout << out.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n';
}

}  // namespace

int run_posture(const PostureOptions& options) {
    const auto findings =
        bluez_config::assess_posture(bluez_config::read_posture_files(options.config_dir));
    if (options.json) {
        print_json(findings, options.config_dir);
    } else {
        print_table(findings, options.config_dir);
    }
    const bool risky = std::any_of(findings.begin(), findings.end(), [](const auto& f) {
        return f.severity == Severity::High || f.severity == Severity::Medium;
    });
    return risky ? kRisky : 0;
}

}  // namespace btfence::ctl
