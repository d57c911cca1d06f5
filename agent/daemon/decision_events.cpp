#include "decision_events.hpp"

#include "btfence/policy/rule_warnings.hpp"
#include "btfence/policy/time_format.hpp"
#include "enforce/suspected_spoofs.hpp"

namespace btfence {

policy::Decision decide_device(const policy::Policy& policy, const bluez::DeviceState& device,
                               policy::TimePoint now, std::span<const policy::Exemption> exemptions,
                               const enforce::SuspectedSpoofs* spoofs) {
    policy::Decision decision = policy::decide(
        policy, device.facts, policy::DecisionContext{now, device.problems, exemptions});
    if (spoofs != nullptr && decision.managed) {
        if (const auto* record = spoofs->find(device.facts.address, now)) {
            // It lied about being a FIDO authenticator before: refused until the block ends,
            // whatever it claims now, and whatever runtime exemption names it (fail closed:
            // an exemption is a helpdesk's yes to a device, not to one that lied). Daemon
            // state, so not in the policy library: the offline explain cannot know it.
            decision.verdict = policy::Verdict::Deny;
            decision.rule_id = kSuspectedSpoofRuleId;
            decision.rule_reason.clear();
            decision.services.clear();
            decision.pending_verification = false;
            decision.reason = "suspected spoof until " + policy::format_rfc3339(record->until) +
                              ": " + record->reason;
        }
    }
    return decision;
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

audit::Event policy_loaded_event(const policy::Policy& policy, std::string message,
                                 policy::TimePoint now) {
    audit::Event event = policy_event(audit::Action::PolicyLoaded, &policy, std::move(message));
    event.outcome = audit::Outcome::Success;
    const auto warnings = policy::rule_warnings(policy, now);
    if (!warnings.empty()) {
        event.reason = std::to_string(warnings.size()) +
                       (warnings.size() == 1 ? " rule can" : " rules can") +
                       " never decide a device (btfencectl check):";
        for (const auto& warning : warnings) {
            event.reason += " line " + std::to_string(warning.line) + ": " + warning.message + ";";
        }
        event.reason.pop_back();
    }
    return event;
}

}  // namespace btfence
