#pragma once
// The decision: which verdict policy gives a device at an instant, and why. One function,
// decide(), used by btfenced (pairing gate, enforcer, verifier) and by `btfencectl explain`,
// so the dry run and the daemon cannot disagree: the fail-closed overrides (unreadable
// properties, failed or inconclusive verification) and pending verification live here too.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "btfence/policy/classification.hpp"
#include "btfence/policy/device_facts.hpp"
#include "btfence/policy/exemption.hpp"
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
    /// The deciding rule's `services` (canonical UUIDs): what AuthorizeService may grant.
    /// Empty for the default verdict and for unmanaged adapters.
    std::vector<std::string> services;
    /// Next instant at which this device's decision could change (an exemption that would
    /// match it starting or expiring). nullopt = not time-dependent.
    std::optional<TimePoint> next_change;
    /// CTAP verification of this fido-ble device is pending and its verdict may still change
    /// with the result: it may pair and keeps its bond until then (rule id
    /// `verification-pending` when only a passed probe would allow it).
    bool pending_verification = false;

    [[nodiscard]] bool allowed() const { return verdict == Verdict::Allow; }
    /// Whether btfenced should act (refuse/remove): denied, managed, and enforce mode.
    [[nodiscard]] bool enforce_denial() const {
        return verdict == Verdict::Deny && managed && mode == Mode::Enforce;
    }
    /// Whether the deciding rule lets an allowed device use the service `canonical_uuid`.
    [[nodiscard]] bool authorizes_service(std::string_view canonical_uuid) const;
};

/// Every input of a decision besides the policy and the device's facts, named, so that each
/// caller (btfenced, `btfencectl explain`, the D-Bus Explain) states the same things.
struct DecisionContext {
    TimePoint now{};  ///< for `not_before`/`expires`; the library never reads a clock
    /// Device properties BlueZ sent that could not be read (wrong D-Bus types). Non-empty:
    /// the device is denied to fail closed, whatever the rules say.
    std::vector<std::string> unreadable_properties;
    /// The runtime exemptions in force (exemption.hpp), granted over btfenced's D-Bus API.
    std::span<const Exemption> exemptions{};
};

/// The decision for `device` under `policy`:
/// 1. a device on an adapter the policy does not manage is allowed (`unmanaged-adapter`);
/// 2. with `fido.verify` on, a failed verification denies (`verification-failed`: a
///    suspected spoof) and so does an inconclusive one (`verification-inconclusive`);
/// 3. unreadable properties deny (`malformed-properties`);
/// 4. a runtime exemption in force that names the device allows it (`exemption:<id>`),
///    while the policy allows exemptions at all (`[exemptions] allowed`);
///    then the rules in file order, first match wins, else `policy.default`; a device counts
///    as verified (`verified`, `aaguid`) only with `fido.verify` on, while it is fido-ble, and
///    after a passed probe;
/// 5. a fido-ble device whose verification is still pending (verify on, no final result)
///    and that only a passed probe would allow is allowed for now (`verification-pending`,
///    `pending_verification`); one the rules allow already is marked pending too.
Decision decide(const Policy& policy, const DeviceFacts& device, const DecisionContext& context);
/// The same with nothing unreadable.
Decision decide(const Policy& policy, const DeviceFacts& device, TimePoint now);

/// Whether CTAP verification of `device` is still to come under `policy`: `fido.verify` on,
/// a fido-ble device on a managed adapter, and no final result (none yet, or pending).
[[nodiscard]] bool verification_pending(const Policy& policy, const DeviceFacts& device);

/// The rule id used for devices on adapters the policy does not manage.
inline constexpr std::string_view kUnmanagedRuleId = "unmanaged-adapter";
inline constexpr std::string_view kDefaultRuleId = "default";
/// Denied because some of its properties were unreadable.
inline constexpr std::string_view kMalformedRuleId = "malformed-properties";
/// Denied because it failed CTAP verification (suspected spoof).
inline constexpr std::string_view kVerificationFailedRuleId = "verification-failed";
/// Denied because it could not be verified within the allowed attempts.
inline constexpr std::string_view kVerificationInconclusiveRuleId = "verification-inconclusive";
/// Allowed for now: only a passed probe would allow it, and its probe is pending.
inline constexpr std::string_view kVerificationPendingRuleId = "verification-pending";

}  // namespace btfence::policy
