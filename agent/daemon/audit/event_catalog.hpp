#pragma once
// The audit event types: their `event.action` names, journald MESSAGE_IDs, and how each format
// classifies them. SIEM rules and `journalctl MESSAGE_ID=...` queries depend on these; they are
// defined here and only here. Never renumber: add new entries with fresh IDs (generated with
// `systemd-id128 new`), and explain each new MESSAGE_ID in systemd/btfence.catalog (a unit test
// checks that every ID here has a catalog entry and vice versa).
#include <array>
#include <cstdint>
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
    AuditEventsDropped,  ///< an audit output fell behind or was unreachable and lost events;
                         ///< counted
    /// A CTAP probe was cut short (the key disconnected, the link dropped): retried at the
    /// key's next connection, or, after the last allowed attempt, the key is denied.
    VerificationInconclusive,
    /// A file of the state directory (--state-dir) could not be read or written: what it
    /// protects fails closed (e.g. no bond is grandfathered), never a silent reset.
    StateFileError,
    Posture,             ///< bluetoothd's configuration, and what its risky settings reopen
    AgentUnregistered,   ///< the agent is not (or no longer) registered: audit mode
    SuspectedSpoof,      ///< claimed FIDO, turned out otherwise: remembered, blocked
    DeviceBlocked,       ///< Device1.Blocked set (a suspected spoof seen again)
    DeviceUnblocked,     ///< a suspected spoof's block ended
    ExemptionGranted,    ///< a runtime exemption was granted over D-Bus
    ExemptionRevoked,    ///< a runtime exemption was removed before its end
    ExemptionShortened,  ///< a reload lowered max_duration: an exemption ends earlier
    ControlDenied,       ///< polkit refused a mutating org.btfence1 call
};

/// ECS classification (ecs_flat.yml, ECS 9.4): `event.kind`, `event.category` and
/// `event.type` (each type expected for one of the categories). Empty slots are unused.
struct EcsClassification {
    std::string_view kind;
    std::array<std::string_view, 2> categories;
    std::array<std::string_view, 2> types;
};

/// OCSF classification. An event with a device is Peripheral Activity (class_uid 1010) with
/// `peripheral_activity` as its activity_id; an event without one is `class_uid` (1008 Event
/// Log Activity: btfence's audit trail itself starting, stopping, losing events; 0 Base Event:
/// policy and bluetoothd state, which no System class describes) with `activity_id`.
struct OcsfClassification {
    std::uint8_t peripheral_activity;  ///< 1 Connect, 2 Disconnect, 3 Enable, 99 Other
    std::uint16_t class_uid;
    std::uint8_t activity_id;
};

inline constexpr std::uint16_t kOcsfPeripheralActivity = 1010;
inline constexpr std::uint16_t kOcsfEventLogActivity = 1008;
inline constexpr std::uint16_t kOcsfBaseEvent = 0;

struct ActionInfo {
    Action action;
    std::string_view name;        ///< `event.action`
    std::string_view message_id;  ///< journald MESSAGE_ID (128-bit, hex, no dashes)
    EcsClassification ecs;
    OcsfClassification ocsf;
};

inline constexpr std::array kActions = {
    ActionInfo{Action::DaemonStarted,
               "daemon-started",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a01",
               {"event", {"process"}, {"start"}},
               {99, 1008, 6}},
    ActionInfo{Action::DaemonStopping,
               "daemon-stopping",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a02",
               {"event", {"process"}, {"end"}},
               {99, 1008, 7}},
    ActionInfo{Action::PolicyLoaded,
               "policy-loaded",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a03",
               {"event", {"configuration"}, {"change"}},
               {99, 0, 99}},
    ActionInfo{Action::PolicyRejected,
               "policy-rejected",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a04",
               {"event", {"configuration"}, {"change"}},
               {99, 0, 99}},
    ActionInfo{Action::AgentRegistered,
               "agent-registered",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a05",
               {"event", {"configuration"}, {"change"}},
               {99, 0, 99}},
    ActionInfo{Action::AgentReleased,
               "agent-released",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a06",
               {"event", {"configuration"}, {"change"}},
               {99, 0, 99}},
    ActionInfo{Action::BluezFound,
               "bluez-found",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a07",
               {"event", {"process"}, {"start"}},
               {99, 0, 99}},
    ActionInfo{Action::BluezLost,
               "bluez-lost",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a08",
               {"event", {"process"}, {"end"}},
               {99, 0, 99}},
    ActionInfo{Action::PairingAllowed,
               "pairing-allowed",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a09",
               {"event", {"authentication", "intrusion_detection"}, {"start", "allowed"}},
               {1, 0, 99}},
    ActionInfo{Action::PairingDenied,
               "pairing-denied",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a0a",
               {"event", {"authentication", "intrusion_detection"}, {"start", "denied"}},
               {1, 0, 99}},
    ActionInfo{Action::ServiceAuthorized,
               "service-authorized",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a0b",
               {"event", {"authentication", "intrusion_detection"}, {"start", "allowed"}},
               {3, 0, 99}},
    ActionInfo{Action::ServiceDenied,
               "service-denied",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a0c",
               {"event", {"authentication", "intrusion_detection"}, {"start", "denied"}},
               {3, 0, 99}},
    ActionInfo{Action::PasskeyDisplayed,
               "passkey-displayed",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a0d",
               {"event", {"authentication"}, {"info"}},
               {99, 0, 99}},
    ActionInfo{Action::PairingCancelled,
               "pairing-cancelled",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a0e",
               {"event", {"authentication"}, {"end"}},
               {99, 0, 99}},
    ActionInfo{Action::DeviceRemoved,
               "device-removed",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a0f",
               {"event", {"intrusion_detection"}, {"denied"}},
               {2, 0, 99}},
    ActionInfo{Action::BondKept,
               "bond-kept",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a10",
               {"event", {"intrusion_detection"}, {"allowed"}},
               {99, 0, 99}},
    ActionInfo{Action::ExemptionExpired,
               "exemption-expired",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a11",
               {"event", {"configuration"}, {"change"}},
               {99, 0, 99}},
    ActionInfo{Action::ExemptionStarted,
               "exemption-started",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a12",
               {"event", {"configuration"}, {"change"}},
               {99, 0, 99}},
    ActionInfo{Action::ServiceAllowlistApplied,
               "service-allowlist-applied",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a13",
               {"event", {"configuration"}, {"change"}},
               {99, 0, 99}},
    ActionInfo{Action::ServiceAllowlistUnavailable,
               "service-allowlist-unavailable",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a14",
               {"event", {"configuration"}, {"info"}},
               {99, 0, 99}},
    ActionInfo{Action::TamperDetected,
               "tamper-detected",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a15",
               {"alert", {"configuration", "intrusion_detection"}, {"change"}},
               {99, 0, 99}},
    ActionInfo{Action::VerificationPassed,
               "verification-passed",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a16",
               {"event", {"authentication"}, {"info"}},
               {99, 0, 99}},
    ActionInfo{Action::VerificationFailed,
               "verification-failed",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a17",
               {"alert", {"authentication", "intrusion_detection"}, {"info", "denied"}},
               {99, 0, 99}},
    ActionInfo{Action::AuditLogError,
               "audit-log-error",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a18",
               {"event", {"process"}, {"info"}},
               {99, 1008, 99}},
    ActionInfo{Action::AuditEventsDropped,
               "audit-events-dropped",
               "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a19",
               {"event", {"process"}, {"info"}},
               {99, 1008, 99}},
    ActionInfo{Action::VerificationInconclusive,
               "verification-inconclusive",
               "1273480b8ba04b35a5152a8bbe1259bd",
               {"event", {"authentication"}, {"info"}},
               {99, 0, 99}},
    ActionInfo{Action::StateFileError,
               "state-file-error",
               "80b442c7ba0041bba9b033f61dc62116",
               // ECS has no "error" type for configuration or file: a file that could not be
               // read or written is file/info with event.outcome failure.
               {"event", {"file"}, {"info"}},
               {99, 0, 99}},
    // ECS kind "state": the configuration as it is at a point in time, not a change.
    ActionInfo{Action::Posture,
               "posture",
               "2624d7cba4cd4689bf148d676e223408",
               {"state", {"configuration"}, {"info"}},
               {99, 0, 99}},
    ActionInfo{Action::AgentUnregistered,
               "agent-unregistered",
               "d46ef1c2ac064c4387928c5d1124d735",
               {"event", {"configuration"}, {"change"}},
               {99, 0, 99}},
    ActionInfo{Action::SuspectedSpoof,
               "suspected-spoof",
               "dd99f8c7111345aa969029f3efabbe65",
               {"alert", {"intrusion_detection"}, {"denied"}},
               {99, 0, 99}},
    ActionInfo{Action::DeviceBlocked,
               "device-blocked",
               "c08c3b6819854005876f56a68ecdf220",
               {"event", {"intrusion_detection"}, {"denied"}},
               {2, 0, 99}},
    ActionInfo{Action::DeviceUnblocked,
               "device-unblocked",
               "3c484f770faf408e9793dc514d3ba985",
               {"event", {"configuration"}, {"change"}},
               {99, 0, 99}},
    ActionInfo{Action::ExemptionGranted,
               "exemption-granted",
               "bd6cfa3bc5b04aca89ac9494a469a9bb",
               {"event", {"configuration"}, {"creation"}},
               {99, 0, 99}},
    ActionInfo{Action::ExemptionRevoked,
               "exemption-revoked",
               "d0e950c9126146398289fa6e589bcc7d",
               {"event", {"configuration"}, {"deletion"}},
               {99, 0, 99}},
    ActionInfo{Action::ExemptionShortened,
               "exemption-shortened",
               "5b1eaa228c3f42c58f83f414be1a64d3",
               {"event", {"configuration"}, {"change"}},
               {99, 0, 99}},
    ActionInfo{Action::ControlDenied,
               "control-denied",
               "7f562fe80014411389ec4c8e46840634",
               {"event", {"configuration", "intrusion_detection"}, {"access", "denied"}},
               {99, 0, 99}},
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
