#include "btfence/policy/decision.hpp"

#include <fnmatch.h>

#include <algorithm>

#include "btfence/policy/time_format.hpp"

namespace btfence::policy {
namespace {

template <typename T>
bool contains(const std::vector<T>& list, const T& value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

// The matchers about who the device is: class, address, OUI, name, adapter.
bool matches_identity(const Rule& rule, const DeviceFacts& device, DeviceClass cls) {
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
    return true;
}

// The matchers about what the CTAP probe proved: `verified`, `aaguid`. Only a passed probe
// counts; the AAGUID a failed probe reported is not trusted. A device counts as verified only
// with `fido.verify` on and only while it is fido-ble: btfenced probes nothing else, a result
// kept from an earlier policy with verify on proves nothing the admin asked for now, and a
// key that passed and then serves more (HID) is no verified key (docs/policy.md, "Verified
// keys and AAGUIDs"). This is what lets `btfencectl check` say such rules never match.
bool matches_verification(const Policy& policy, const Rule& rule, const DeviceFacts& device,
                          DeviceClass cls) {
    const bool verified = policy.fido.verify && cls == DeviceClass::FidoBle &&
                          device.verification.has_value() && device.verification->passed();
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
    return rule.in_window(now);
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

// For a device whose probe has not answered yet: the id of what would allow it if the probe
// passed with an AAGUID not known yet ("default" when the default would), or nullopt when no
// passed probe could allow it. A rule listing AAGUIDs may or may not match then, so it allows
// "possibly" and the search goes on only when it denies.
std::optional<std::string> allowed_if_verified(const Policy& policy, const DeviceFacts& device,
                                               DeviceClass cls, TimePoint now) {
    for (const auto& rule : policy.rules) {
        if (!matches_identity(rule, device, cls) || !within_window(rule, now) ||
            (rule.verified && !*rule.verified)) {
            continue;
        }
        if (!rule.aaguids.empty()) {
            if (rule.verdict == Verdict::Allow) {
                return rule.id;
            }
            continue;  // a key with another AAGUID would go on to the next rule
        }
        return rule.verdict == Verdict::Allow ? std::optional(rule.id) : std::nullopt;
    }
    return policy.default_verdict == Verdict::Allow ? std::optional(std::string(kDefaultRuleId))
                                                    : std::nullopt;
}

Decision evaluate_rules(const Policy& policy, const DeviceFacts& device, TimePoint now,
                        std::span<const Exemption> exemptions) {
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

    // The policy is the ceiling: exemptions count only while it allows them (the daemon also
    // revokes them when a reload disallows them).
    for (const auto& exemption :
         policy.exemptions.allowed ? exemptions : std::span<const Exemption>{}) {
        if (!exemption.matches(device)) {
            continue;
        }
        // An AAGUID names a verified key, and a device counts as verified only as the rules'
        // `aaguid` says (matches_verification): fido.verify on and fido-ble now. A key that
        // passed and then serves HID is no longer the model the helpdesk let in.
        if (exemption.kind == ExemptionTarget::Aaguid &&
            (!policy.fido.verify || cls != DeviceClass::FidoBle)) {
            continue;
        }
        if (!exemption.active_at(now)) {
            if (exemption.granted_at > now) {
                decision.next_change = earliest(decision.next_change, exemption.granted_at);
            }
            continue;
        }
        decision.next_change = earliest(decision.next_change, exemption.expires);
        decision.verdict = Verdict::Allow;
        decision.rule_id = exemption.rule_id();
        decision.rule_reason = exemption.reason;
        decision.reason =
            "runtime exemption " + exemption.id + " for " + std::string(to_string(exemption.kind)) +
            " " + exemption.target + " (granted by " + exemption.granted_by + ", until " +
            format_rfc3339(exemption.expires) + ") matched this " + std::string(to_string(cls)) +
            " device: " + decision.classification.reason;
        return decision;
    }

    for (const auto& rule : policy.rules) {
        if (!matches_identity(rule, device, cls) ||
            !matches_verification(policy, rule, device, cls)) {
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
        decision.services = rule.services;
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

void deny_overriding(Decision& decision, std::string_view rule_id, std::string reason) {
    decision.verdict = Verdict::Deny;
    decision.rule_id = rule_id;
    decision.rule_reason.clear();
    decision.reason = std::move(reason);
    decision.next_change.reset();
    decision.pending_verification = false;
}

std::string joined(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& part : parts) {
        out += (out.empty() ? "" : "; ") + part;
    }
    return out;
}

}  // namespace

bool Decision::authorizes_service(std::string_view canonical_uuid) const {
    return allowed() && managed &&
           std::find(services.begin(), services.end(), canonical_uuid) != services.end();
}

bool verification_pending(const Policy& policy, const DeviceFacts& device) {
    if (!policy.fido.verify ||
        (device.verification && device.verification->state != VerificationState::Pending)) {
        return false;
    }
    return classify(device).device_class == DeviceClass::FidoBle &&
           policy.manages_adapter(device.adapter, device.adapter_address);
}

Decision decide(const Policy& policy, const DeviceFacts& device, TimePoint now) {
    return decide(policy, device, DecisionContext{now, {}, {}});
}

Decision decide(const Policy& policy, const DeviceFacts& device, const DecisionContext& context) {
    Decision decision = evaluate_rules(policy, device, context.now, context.exemptions);
    if (!decision.managed) {
        return decision;
    }
    if (policy.fido.verify && device.verification) {
        const auto& verification = *device.verification;
        if (verification.state == VerificationState::Failed) {
            // A device that claims FIDO and answers like something else is a suspected spoof.
            deny_overriding(decision, kVerificationFailedRuleId,
                            "failed the CTAP authenticatorGetInfo probe (" + verification.detail +
                                "); denied as a suspected spoof");
            return decision;
        }
        if (verification.state == VerificationState::Inconclusive) {
            // Fail closed: btfenced could not tell, so the device does not keep its bond.
            deny_overriding(
                decision, kVerificationInconclusiveRuleId,
                "could not be verified (" + verification.detail + "); denied to fail closed");
            return decision;
        }
    }
    if (!context.unreadable_properties.empty()) {
        // Fail closed: facts we could not read may be the ones that would deny the device.
        deny_overriding(decision, kMalformedRuleId,
                        "BlueZ sent properties btfenced cannot read (" +
                            joined(context.unreadable_properties) + "); denied to fail closed");
        return decision;
    }
    if (!verification_pending(policy, device)) {
        return decision;
    }
    const std::string why_pending =
        device.verification && !device.verification->detail.empty()
            ? "CTAP verification is pending (" + device.verification->detail + ")"
            : "CTAP verification is pending";
    if (decision.allowed()) {
        decision.pending_verification = true;  // a failed probe would still deny it
        decision.reason += "; " + why_pending;
        return decision;
    }
    const auto allowing =
        allowed_if_verified(policy, device, decision.classification.device_class, context.now);
    if (!allowing) {
        return decision;  // no probe result could change the verdict
    }
    decision.pending_verification = true;
    decision.verdict = Verdict::Allow;
    decision.rule_id = kVerificationPendingRuleId;
    decision.rule_reason.clear();
    decision.reason =
        (*allowing == kDefaultRuleId ? std::string("the default") : "rule '" + *allowing + "'") +
        " would allow this fido-ble device once it passes CTAP verification; " + why_pending +
        ", so it keeps its bond until the result (without it: " + decision.reason + ")";
    return decision;
}

}  // namespace btfence::policy
