#include "posture/posture_monitor.hpp"

namespace btfence::posture {

PostureMonitor::PostureMonitor(std::string config_dir, Emit emit)
    : config_dir_(std::move(config_dir)), emit_(std::move(emit)) {}

void PostureMonitor::set_admin_policy(std::optional<bool> present) {
    admin_policy_ = present;
}

void PostureMonitor::check(std::string_view trigger) {
    bluez_config::PostureSources sources = bluez_config::read_posture_files(config_dir_);
    sources.admin_policy = admin_policy_;
    auto findings = bluez_config::assess_posture(sources);
    if (last_ && *last_ == findings) {
        return;
    }
    emit_(posture_event(findings, config_dir_, trigger));
    last_ = std::move(findings);
}

std::optional<std::string> PostureMonitor::summary() const {
    if (!last_) {
        return std::nullopt;
    }
    return bluez_config::summarize(*last_);
}

audit::Event posture_event(const std::vector<bluez_config::PostureFinding>& findings,
                           const std::string& config_dir, std::string_view trigger) {
    audit::Event event;
    event.action = audit::Action::Posture;
    event.outcome = audit::Outcome::Success;
    event.trigger = std::string(trigger);
    event.reason = bluez_config::summarize(findings);
    event.message = "bluetoothd posture (" + config_dir + "): " + event.reason;
    audit::Posture posture;
    for (const auto& finding : findings) {
        switch (finding.severity) {
            case bluez_config::Severity::High:
                ++posture.high;
                break;
            case bluez_config::Severity::Medium:
                ++posture.medium;
                break;
            case bluez_config::Severity::Low:
                ++posture.low;
                break;
            case bluez_config::Severity::Info:
                break;
        }
        posture.findings += (posture.findings.empty() ? "" : "\n") +
                            std::string(bluez_config::to_string(finding.severity)) + " " +
                            finding.setting() + "=" + finding.value + ": " + finding.risk;
        if (!finding.advice.empty()) {
            posture.findings += " (advice: " + finding.advice + ")";
        }
    }
    event.posture = std::move(posture);
    return event;
}

}  // namespace btfence::posture
