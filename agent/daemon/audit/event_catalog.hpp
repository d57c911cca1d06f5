#pragma once
// The audit event types: their `event.action` names and journald MESSAGE_IDs. SIEM rules and
// `journalctl MESSAGE_ID=...` queries depend on these; they are defined here and only here.
// Never renumber: add new entries with fresh IDs (generated with `systemd-id128 new`).
#include <array>
#include <string_view>

namespace btfence::audit {

enum class Action {
    DaemonStarted,                ///< btfenced started, policy loaded, first sweep done
    DaemonStopping,               ///< SIGTERM received
    PolicyLoaded,                 ///< a policy was loaded (start or reload)
    PolicyRejected,               ///< a new policy was invalid; the running one stays
    AgentRegistered,              ///< Agent1 registered and made default
    AgentReleased,                ///< bluetoothd called Agent1.Release or registration failed
    BluezFound,                   ///< org.bluez appeared on the bus
    BluezLost,                    ///< org.bluez vanished (bluetoothd stopped or crashed)
    PairingAllowed,               ///< an Agent1 request for a device was accepted
    PairingDenied,                ///< an Agent1 request for a device was refused
    ServiceAuthorized,            ///< AuthorizeService accepted
    ServiceDenied,                ///< AuthorizeService refused
    PasskeyDisplayed,             ///< DisplayPasskey/DisplayPinCode: informational
    PairingCancelled,             ///< Agent1.Cancel
    DeviceRemoved,                ///< a denied device was disconnected and removed (or would be)
    BondKept,                     ///< a bonded device was checked and policy allows it
    ExemptionExpired,             ///< a rule's `expires` passed; devices re-decided
    ExemptionStarted,             ///< a rule's `not_before` passed; devices re-decided
    ServiceAllowlistApplied,      ///< AdminPolicySet1.SetServiceAllowList done
    ServiceAllowlistUnavailable,  ///< adapter has no AdminPolicySet1
    TamperDetected,               ///< someone changed BlueZ state btfence controls
    VerificationPassed,           ///< CTAP probe succeeded
    VerificationFailed,           ///< CTAP probe failed: suspected spoof
    AuditLogError,                ///< the audit file could not be written (journald only)
};

struct ActionInfo {
    Action action;
    std::string_view name;        ///< `event.action`
    std::string_view message_id;  ///< journald MESSAGE_ID (128-bit, hex, no dashes)
    std::string_view category;    ///< ECS `event.category`
};

inline constexpr std::array kActions = {
    ActionInfo{Action::DaemonStarted, "daemon-started", "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a01",
               "process"},
    ActionInfo{Action::DaemonStopping, "daemon-stopping", "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a02",
               "process"},
    ActionInfo{Action::PolicyLoaded, "policy-loaded", "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a03",
               "configuration"},
    ActionInfo{Action::PolicyRejected, "policy-rejected", "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a04",
               "configuration"},
    ActionInfo{Action::AgentRegistered, "agent-registered", "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a05",
               "configuration"},
    ActionInfo{Action::AgentReleased, "agent-released", "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a06",
               "configuration"},
    ActionInfo{Action::BluezFound, "bluez-found", "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a07", "host"},
    ActionInfo{Action::BluezLost, "bluez-lost", "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a08", "host"},
    ActionInfo{Action::PairingAllowed, "pairing-allowed", "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a09",
               "authentication"},
    ActionInfo{Action::PairingDenied, "pairing-denied", "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a0a",
               "authentication"},
    ActionInfo{Action::ServiceAuthorized, "service-authorized", "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a0b",
               "authentication"},
    ActionInfo{Action::ServiceDenied, "service-denied", "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a0c",
               "authentication"},
    ActionInfo{Action::PasskeyDisplayed, "passkey-displayed", "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a0d",
               "authentication"},
    ActionInfo{Action::PairingCancelled, "pairing-cancelled", "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a0e",
               "authentication"},
    ActionInfo{Action::DeviceRemoved, "device-removed", "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a0f", "host"},
    ActionInfo{Action::BondKept, "bond-kept", "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a10", "host"},
    ActionInfo{Action::ExemptionExpired, "exemption-expired", "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a11",
               "configuration"},
    ActionInfo{Action::ExemptionStarted, "exemption-started", "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a12",
               "configuration"},
    ActionInfo{Action::ServiceAllowlistApplied, "service-allowlist-applied",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a13", "configuration"},
    ActionInfo{Action::ServiceAllowlistUnavailable, "service-allowlist-unavailable",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a14", "configuration"},
    ActionInfo{Action::TamperDetected, "tamper-detected", "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a15",
               "configuration"},
    ActionInfo{Action::VerificationPassed, "verification-passed",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a16", "authentication"},
    ActionInfo{Action::VerificationFailed, "verification-failed",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a17", "authentication"},
    ActionInfo{Action::AuditLogError, "audit-log-error", "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a18",
               "process"},
};

constexpr const ActionInfo& info(Action action) {
    for (const auto& entry : kActions) {
        if (entry.action == action) {
            return entry;
        }
    }
    return kActions.front();  // unreachable: every Action has an entry (checked in tests)
}

}  // namespace btfence::audit
