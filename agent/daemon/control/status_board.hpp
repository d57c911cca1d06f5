#pragma once
// What `Status` reports beyond the policy and the devices: facts owned by other parts of the
// daemon, each plugged in as one small accessor where it is known. An accessor left empty is
// reported as "unknown" — never guessed — so a compliance tool can tell "no" from "not known
// by this build".
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "btfence/policy/policy.hpp"
#include "lockdown_state.hpp"

namespace btfence::control {

struct StatusBoard {
    policy::TimePoint started_at{};
    policy::TimePoint policy_loaded_at{};
    /// org.bluez is on the bus.
    std::function<bool()> bluez_present;
    /// btfenced's agent is bluetoothd's default agent (the pairing gate is in place).
    std::function<std::optional<bool>()> holds_default_agent;
    /// The org.bluez D-Bus lockdown and the profile lockdown (`btfencectl lockdown`'s
    /// drop-in), as configured in their files: both read at once.
    std::function<std::optional<lockdown::LockdownState>()> lockdowns;
    /// The device's Bluetooth posture summary.
    std::function<std::optional<std::string>()> posture;
    /// Audit events that did not reach the audit file (queue full, disk errors).
    std::function<std::optional<std::uint64_t>()> audit_dropped;
    /// Repeats the audit trail's aggregation held back since the start (Auditor::repeats_held):
    /// each is, or will be at its window's end, counted in a summary event.
    std::function<std::optional<std::uint64_t>()> audit_aggregated;
    /// A CTAP probe of this device (object path) is running.
    std::function<bool(const std::string& path)> probe_running;
};

}  // namespace btfence::control
