#pragma once
// Builds audit events from decisions, so the pairing gate and the enforcer describe devices,
// verdicts and policies the same way.
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

/// policy::decide() for a device of the mirror: its facts, its unreadable properties, now.
/// Only packs the inputs; every rule and override is in the policy library, shared with
/// `btfencectl explain`.
policy::Decision decide_device(const policy::Policy& policy, const bluez::DeviceState& device,
                               policy::TimePoint now);

}  // namespace btfence
