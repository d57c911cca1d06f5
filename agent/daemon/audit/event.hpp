#pragma once
// One audit event, typed. Built by the daemon's logic, serialized by one function per output
// (JSON line, journald fields). Fail-closed habit: outcome starts as Failure and must be set.
#include <cstdint>
#include <optional>
#include <string>

#include "audit/event_catalog.hpp"
#include "btfence/policy/policy.hpp"

namespace btfence::audit {

/// `rule.id` of events that no rule decided (daemon, policy and adapter events).
inline constexpr std::string_view kNoRuleId = "none";

enum class Outcome { Success, Failure, Unknown };  ///< ECS event.outcome
std::string_view to_string(Outcome outcome);  ///< "success" | "failure" | "unknown" (event.cpp)

/// The device part of an event (absent for daemon/policy events).
struct DeviceInfo {
    std::string adapter;  ///< "hci0"
    std::string address;
    std::string name;
    std::string device_class;  ///< "fido-ble" | "hybrid" | "other"
    std::string class_reason;
    std::string object_path;  ///< BlueZ object path
    std::string aaguid;       ///< when verified
};

struct Event {
    Action action = Action::DaemonStarted;
    Outcome outcome = Outcome::Failure;
    std::string message;  ///< one human sentence, also journald MESSAGE
    std::string rule_id;  ///< id, "default", or empty for non-decision events
    std::string rule_reason;
    std::optional<DeviceInfo> device;  ///< set = a device event: btfence.adapter/device in the
                                       ///< JSON line, BTFENCE_ADAPTER/DEVICE_* in journald
    std::optional<policy::Verdict> verdict;
    policy::Mode mode = policy::Mode::Enforce;
    std::string reason;  ///< why (decision reason, error text)
    std::string policy_sha256;
    std::string policy_path;
    std::string trigger;  ///< what caused it: "RequestConfirmation", "Paired", "sweep", ...
    // Filled by the Auditor when it emits:
    std::uint64_t sequence = 0;
    std::int64_t timestamp_us = 0;  ///< µs since the Unix epoch, UTC
    std::string host_name;
};

}  // namespace btfence::audit
