#pragma once
// Builds audit events from decisions, so the pairing gate and the enforcer describe devices,
// verdicts and policies the same way.
#include <span>
#include <string>

#include "audit/event.hpp"
#include "bluez/mirror.hpp"
#include "btfence/policy/decision.hpp"

namespace btfence {

/// An event about `device` decided by `decision` under `policy`. Outcome is left at Failure:
/// the caller states what really happened.
audit::Event device_event(audit::Action action, const bluez::DeviceState& device,
                          const policy::Decision& decision, const policy::Policy& policy,
                          std::string trigger);

/// An event with no device (policy, daemon, adapter events).
audit::Event policy_event(audit::Action action, const policy::Policy* policy, std::string message);

/// policy-loaded for `policy` (outcome Success), with `message`. Every rule that can never
/// decide a device from `now` on (policy::rule_warnings: what `btfencectl check` warns about)
/// goes into `reason`, so that a rule the admin relies on but that does nothing reaches the
/// SIEM and the journal, not only a console that ran `check`. `reason` stays empty otherwise.
audit::Event policy_loaded_event(const policy::Policy& policy, std::string message,
                                 policy::TimePoint now);

namespace enforce {
class SuspectedSpoofs;
}

/// policy::decide() for a device of the mirror: its facts, its unreadable properties, now, and
/// the runtime exemptions in force (PolicyStore::exemptions()); plus the one input the policy
/// library cannot have: a remembered suspected spoof (`spoofs`, when given) is denied with rule
/// `suspected-spoof`, even under a runtime exemption.
policy::Decision decide_device(const policy::Policy& policy, const bluez::DeviceState& device,
                               policy::TimePoint now,
                               std::span<const policy::Exemption> exemptions = {},
                               const enforce::SuspectedSpoofs* spoofs = nullptr);

/// Rule id reported for a device remembered as a suspected spoof (`[fido] spoof_block`).
inline constexpr std::string_view kSuspectedSpoofRuleId = "suspected-spoof";

}  // namespace btfence
