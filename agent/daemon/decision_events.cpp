#include "decision_events.hpp"

namespace btfence {

policy::Decision decide_device(const policy::Policy& policy, const bluez::DeviceState& device,
                               policy::TimePoint now) {
    return policy::decide(policy, device.facts, policy::DecisionContext{now, device.problems});
}

audit::Event device_event(audit::Action action, const bluez::DeviceState& device,
                          const policy::Decision& decision, const policy::Policy& policy,
                          std::string trigger) {
    audit::Event event;
    event.action = action;
    event.rule_id = decision.rule_id;
    event.rule_reason = decision.rule_reason;
    event.verdict = decision.verdict;
    event.mode = decision.mode;
    event.reason = decision.reason;
    event.policy_sha256 = policy.sha256;
    event.policy_path = policy.source;
    event.trigger = std::move(trigger);
    audit::DeviceInfo info;
    info.adapter = device.facts.adapter;
    info.address = device.facts.address;
    info.name = device.facts.display_name();
    info.device_class = std::string(policy::to_string(decision.classification.device_class));
    info.class_reason = decision.classification.reason;
    info.object_path = device.path;
    if (device.facts.verification) {
        info.aaguid = device.facts.verification->aaguid;
    }
    event.device = std::move(info);
    return event;
}

audit::Event policy_event(audit::Action action, const policy::Policy* policy, std::string message) {
    audit::Event event;
    event.action = action;
    event.message = std::move(message);
    if (policy != nullptr) {
        event.mode = policy->mode;
        event.policy_sha256 = policy->sha256;
        event.policy_path = policy->source;
    }
    return event;
}

}  // namespace btfence
