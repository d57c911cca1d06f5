#include "btfence/policy/decision.hpp"

#include <fnmatch.h>

#include <algorithm>

namespace btfence::policy {
namespace {

template <typename T>
bool contains(const std::vector<T>& list, const T& value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

// Every matcher except the time window. All that a rule gives must hold.
bool matches_ignoring_time(const Rule& rule, const DeviceFacts& device, DeviceClass cls) {
    if (!rule.classes.empty() && !contains(rule.classes, cls)) {
        return false;
    }
    if (!rule.addresses.empty() && !contains(rule.addresses, device.address)) {
        return false;
    }
    if (!rule.ouis.empty()) {
        // A random (resolvable or static) address has no OUI: its top bytes are random.
        if (device.address_type == "random" || device.address.size() < 8 ||
            !contains(rule.ouis, device.address.substr(0, 8))) {
            return false;
        }
    }
    if (rule.name_glob && fnmatch(rule.name_glob->c_str(), device.display_name().c_str(), 0) != 0) {
        return false;
    }
    if (!rule.adapters.empty() && !contains(rule.adapters, device.adapter) &&
        (device.adapter_address.empty() || !contains(rule.adapters, device.adapter_address))) {
        return false;
    }
    const bool verified = device.verification.has_value() && device.verification->passed;
    if (rule.verified && *rule.verified != verified) {
        return false;
    }
    if (!rule.aaguids.empty() &&
        (!verified || !contains(rule.aaguids, device.verification->aaguid))) {
        return false;
    }
    return true;
}

bool within_window(const Rule& rule, TimePoint now) {
    return (!rule.not_before || now >= *rule.not_before) && (!rule.expires || now < *rule.expires);
}

std::optional<TimePoint> earliest(std::optional<TimePoint> a, std::optional<TimePoint> b) {
    if (!a) {
        return b;
    }
    if (!b) {
        return a;
    }
    return std::min(*a, *b);
}

std::optional<TimePoint> boundary_after(const Rule& rule, TimePoint now) {
    std::optional<TimePoint> next;
    if (rule.not_before && *rule.not_before > now) {
        next = rule.not_before;
    }
    if (rule.expires && *rule.expires > now) {
        next = earliest(next, rule.expires);
    }
    return next;
}

}  // namespace

Decision decide(const Policy& policy, const DeviceFacts& device, TimePoint now) {
    Decision decision;
    decision.mode = policy.mode;
    decision.classification = classify(device);
    const DeviceClass cls = decision.classification.device_class;

    if (!policy.manages_adapter(device.adapter, device.adapter_address)) {
        decision.verdict = Verdict::Allow;
        decision.managed = false;
        decision.rule_id = kUnmanagedRuleId;
        decision.reason = "adapter " + device.adapter + " is not managed by this policy";
        return decision;
    }

    for (const auto& rule : policy.rules) {
        if (!matches_ignoring_time(rule, device, cls)) {
            continue;
        }
        // A rule that fits the device but is outside its window can start or stop mattering later.
        decision.next_change = earliest(decision.next_change, boundary_after(rule, now));
        if (!within_window(rule, now)) {
            continue;
        }
        decision.verdict = rule.verdict;
        decision.rule_id = rule.id;
        decision.rule_reason = rule.reason;
        decision.reason = "rule '" + rule.id + "' (" + std::string(to_string(rule.verdict)) +
                          ") matched this " + std::string(to_string(cls)) +
                          " device: " + decision.classification.reason;
        return decision;
    }

    decision.verdict = policy.default_verdict;
    decision.rule_id = kDefaultRuleId;
    decision.reason = "no rule matched this " + std::string(to_string(cls)) + " device (" +
                      decision.classification.reason + "); default is " +
                      std::string(to_string(policy.default_verdict));
    return decision;
}

}  // namespace btfence::policy
