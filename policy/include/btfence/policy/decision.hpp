#pragma once
// The decision: which verdict policy gives a device at an instant, and why.
#include <optional>
#include <string>

#include "btfence/policy/classification.hpp"
#include "btfence/policy/device_facts.hpp"
#include "btfence/policy/policy.hpp"

namespace btfence::policy {

struct Decision {
    Verdict verdict = Verdict::Deny;
    std::string rule_id;      ///< matching rule's id, or "default"
    std::string rule_reason;  ///< the rule's free-text `reason`, may be empty
    Classification classification;
    std::string reason;  ///< human-readable: why this verdict for this device
    Mode mode = Mode::Enforce;
    bool managed = true;  ///< false: the device's adapter is outside `policy.adapters`
    /// Next instant at which this device's decision could change (an exemption that would
    /// match it starting or expiring). nullopt = not time-dependent.
    std::optional<TimePoint> next_change;

    [[nodiscard]] bool allowed() const { return verdict == Verdict::Allow; }
    /// Whether btfenced should act (refuse/remove): denied, managed, and enforce mode.
    [[nodiscard]] bool enforce_denial() const {
        return verdict == Verdict::Deny && managed && mode == Mode::Enforce;
    }
};

/// Evaluates rules in file order; first match wins; no match gives `policy.default`.
/// A device on an unmanaged adapter is allowed with rule "unmanaged-adapter".
Decision decide(const Policy& policy, const DeviceFacts& device, TimePoint now);

/// The rule id used for devices on adapters the policy does not manage.
inline constexpr std::string_view kUnmanagedRuleId = "unmanaged-adapter";
inline constexpr std::string_view kDefaultRuleId = "default";

}  // namespace btfence::policy
