#pragma once
// One audit event, typed. Built by the daemon's logic, serialized by one function per output
// format (ecs_line.hpp, ocsf_line.hpp, journal_fields.hpp, linux_audit_record.hpp). Fail-closed
// habit: outcome starts as Failure and must be set.
//
// Adding a field: add the member to Event (or DeviceInfo) and one line to for_each_field()
// below, with its name in each format. Every serializer, the schema tests
// (tests/unit/audit/schemas) and docs/audit-events.md pick it up from there.
// Adding an action: one entry in event_catalog.hpp, and its explanation in
// systemd/btfence.catalog (a test keeps the two in step).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

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

/// Set on the summary the aggregator (aggregator.hpp) emits for repeats of an event it held
/// back: how many identical events happened, and when the first and last of them did.
struct Repetition {
    std::uint64_t count = 0;
    std::int64_t first_us = 0;  ///< µs since the Unix epoch, UTC
    std::int64_t last_us = 0;
};

/// Set on `posture` events: bluetoothd's risky settings (agent/common/bluez_posture.hpp),
/// counted by severity for SIEM rules, and listed one per line for people:
/// "high input.conf [General] ClassicBondedOnly=false: <what it reopens> (advice: ...)".
struct Posture {
    std::uint64_t high = 0;
    std::uint64_t medium = 0;
    std::uint64_t low = 0;
    std::string findings;
};

/// Set on audit-events-dropped: what an output lost (background_sink.hpp).
struct Loss {
    std::string output;  ///< "audit file", "journal", "linux audit"
    std::uint64_t count = 0;
};

/// Who asked, for events caused by a call on btfenced's D-Bus API (org.btfence1): taken from
/// the bus (the caller's unique name, its credentials from the bus driver), never from the
/// call's arguments.
struct CallerInfo {
    std::uint32_t uid = 0;
    std::uint32_t pid = 0;
    std::string unit;      ///< its systemd unit ("sshd.service", "session-4.scope"); may be empty
    std::string bus_name;  ///< ":1.42"
};

/// The runtime exemption an event is about (granted, revoked, shortened, expired).
struct ExemptionInfo {
    std::string id;
    std::string target;        ///< normalised address or AAGUID
    std::string target_kind;   ///< "address" | "aaguid"
    std::int64_t expires = 0;  ///< Unix seconds
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
    std::string service;  ///< AuthorizeService: the canonical UUID of the service asked for
    std::optional<Repetition> repetition;
    std::optional<Loss> loss;
    std::optional<Posture> posture;
    std::optional<CallerInfo> caller;        ///< set for events caused by an org.btfence1 call
    std::optional<ExemptionInfo> exemption;  ///< set for events about a runtime exemption
    // Filled by the Auditor when it emits:
    std::uint64_t sequence = 0;
    std::int64_t timestamp_us = 0;  ///< µs since the Unix epoch, UTC
    std::string host_name;
};

/// A field's name in each output format.
///  - ecs:     dotted path in the ECS JSON line. Outside `btfence.*` it must be an ECS 9.4 field
///             of a matching type (tests/unit/audit/schemas checks ecs_flat.yml).
///  - journal: the journald field, "BTFENCE_…" (an interface: never renamed).
///  - description: one line for the field reference, docs/audit-events.md.
///  - ocsf:    dotted path in the OCSF JSON line; outside `unmapped.` it must resolve in the
///             event's OCSF class (tests/unit/audit/schemas resolves the published schema).
///             Empty: the OCSF serializer maps the value itself (see ocsf_line.cpp).
struct FieldName {
    std::string_view ecs;
    std::string_view journal;
    std::string_view ocsf;
    std::string_view description;  ///< for docs/audit-events.md (generated from this table)
};

/// An instant, µs since the Unix epoch, UTC: RFC 3339 text in ECS and journald, epoch
/// milliseconds in OCSF.
struct Timestamp {
    std::int64_t us = 0;
};

/// A field's value: text, a count, or an instant.
using FieldValue = std::variant<std::string_view, std::uint64_t, Timestamp>;

/// Calls `visit(const FieldName&, FieldValue)` for every field the event carries, in this
/// order, skipping optional fields that are empty or absent. The event's core (time, action,
/// outcome, host, sequence) is not here: each format places it in its own way.
template <class Visitor>
void for_each_field(const Event& event, Visitor&& visit) {
    const auto text = [&](const FieldName& name, std::string_view value) {
        if (!value.empty()) {
            visit(name, FieldValue{value});
        }
    };
    // Every event carries rule.id; events no rule decided say "none" (docs/audit-events.md,
    // "Fields").
    visit(FieldName{"rule.id", "BTFENCE_RULE_ID", "unmapped.btfence.rule.id",
                    "the rule that decided: its id, \"default\", or \"none\" (no decision)"},
          FieldValue{event.rule_id.empty() ? kNoRuleId : std::string_view{event.rule_id}});
    text({"btfence.rule.reason", "BTFENCE_RULE_REASON", "unmapped.btfence.rule.reason",
          "the deciding rule's `reason` (free text from the policy)"},
         event.rule_reason);
    text({"event.reason", "BTFENCE_REASON", "status_detail",
          "why: the decision's reason, or the error"},
         event.reason);
    visit(FieldName{"btfence.mode", "BTFENCE_MODE", "unmapped.btfence.mode",
                    "the policy's mode: enforce, or audit (report only)"},
          FieldValue{policy::to_string(event.mode)});
    if (event.verdict) {
        visit(FieldName{"btfence.verdict", "BTFENCE_VERDICT", "unmapped.btfence.verdict",
                        "the policy's verdict on the device: allow or deny"},
              FieldValue{policy::to_string(*event.verdict)});
    }
    text({"btfence.trigger", "BTFENCE_TRIGGER", "unmapped.btfence.trigger",
          "what made btfenced decide: the Agent1 request, the property that changed, a sweep"},
         event.trigger);
    text({"btfence.service", "BTFENCE_SERVICE", "unmapped.btfence.service",
          "AuthorizeService: the service (canonical UUID) the device asked for"},
         event.service);
    text({"btfence.policy.sha256", "BTFENCE_POLICY_SHA256", "policy.uid",
          "SHA-256 of the policy file in force"},
         event.policy_sha256);
    text({"btfence.policy.path", "BTFENCE_POLICY_PATH", "policy.name", "the policy file"},
         event.policy_path);
    if (event.device) {
        // Address, name and class are always present on a device event, even when empty.
        const DeviceInfo& device = *event.device;
        visit(FieldName{"btfence.adapter", "BTFENCE_ADAPTER", "unmapped.btfence.adapter",
                        "the local adapter (hci0)"},
              FieldValue{std::string_view{device.adapter}});
        visit(FieldName{"btfence.device.address", "BTFENCE_DEVICE_ADDRESS", "peripheral_device.uid",
                        "the device's Bluetooth address"},
              FieldValue{std::string_view{device.address}});
        visit(FieldName{"btfence.device.name", "BTFENCE_DEVICE_NAME", "peripheral_device.name",
                        "the name the device gives itself (untrusted; may be empty)"},
              FieldValue{std::string_view{device.name}});
        visit(FieldName{"btfence.device.class", "BTFENCE_DEVICE_CLASS", "peripheral_device.class",
                        "btfence's class: fido-ble, hybrid or other"},
              FieldValue{std::string_view{device.device_class}});
        text({"btfence.device.class_reason", "BTFENCE_DEVICE_CLASS_REASON",
              "unmapped.btfence.device.class_reason", "why the device has that class"},
             device.class_reason);
        text({"btfence.device.path", "BTFENCE_DEVICE_PATH", "unmapped.btfence.device.path",
              "BlueZ's object path of the device"},
             device.object_path);
        text({"btfence.device.aaguid", "BTFENCE_DEVICE_AAGUID", "peripheral_device.model",
              "the authenticator's AAGUID (its model), once verified over CTAP"},
             device.aaguid);
    }
    if (event.repetition) {
        const Repetition& repetition = *event.repetition;
        visit(FieldName{"btfence.repeat.count", "BTFENCE_REPEAT_COUNT", "count",
                        "a summary of repeats: how many identical events it stands for"},
              FieldValue{repetition.count});
        visit(FieldName{"event.start", "BTFENCE_REPEAT_FIRST", "start_time",
                        "a summary of repeats: when the first of them happened"},
              FieldValue{Timestamp{repetition.first_us}});
        visit(FieldName{"event.end", "BTFENCE_REPEAT_LAST", "end_time",
                        "a summary of repeats: when the last of them happened"},
              FieldValue{Timestamp{repetition.last_us}});
    }
    if (event.caller) {
        const CallerInfo& caller = *event.caller;
        visit(FieldName{"btfence.caller.uid", "BTFENCE_CALLER_UID", "unmapped.btfence.caller.uid",
                        "a control call's caller: its uid, from the bus driver"},
              FieldValue{std::uint64_t{caller.uid}});
        visit(FieldName{"btfence.caller.pid", "BTFENCE_CALLER_PID", "unmapped.btfence.caller.pid",
                        "a control call's caller: its pid, from the bus driver"},
              FieldValue{std::uint64_t{caller.pid}});
        text({"btfence.caller.unit", "BTFENCE_CALLER_UNIT", "unmapped.btfence.caller.unit",
              "a control call's caller: its systemd unit (e.g. a session scope)"},
             caller.unit);
        text({"btfence.caller.bus_name", "BTFENCE_CALLER_BUS_NAME",
              "unmapped.btfence.caller.bus_name", "a control call's caller: its unique bus name"},
             caller.bus_name);
    }
    if (event.exemption) {
        const ExemptionInfo& exemption = *event.exemption;
        text({"btfence.exemption.id", "BTFENCE_EXEMPTION_ID", "unmapped.btfence.exemption.id",
              "a runtime exemption's id (its rule is exemption:<id>)"},
             exemption.id);
        text({"btfence.exemption.target", "BTFENCE_EXEMPTION_TARGET",
              "unmapped.btfence.exemption.target",
              "what a runtime exemption lets pair: a Bluetooth address or an AAGUID"},
             exemption.target);
        text({"btfence.exemption.target_kind", "BTFENCE_EXEMPTION_TARGET_KIND",
              "unmapped.btfence.exemption.target_kind", "address or aaguid"},
             exemption.target_kind);
        visit(FieldName{"btfence.exemption.expires", "BTFENCE_EXEMPTION_EXPIRES",
                        "unmapped.btfence.exemption.expires", "when a runtime exemption ends"},
              FieldValue{Timestamp{exemption.expires * 1'000'000}});
    }
    if (event.loss) {
        visit(
            FieldName{"btfence.loss.output", "BTFENCE_LOSS_OUTPUT", "unmapped.btfence.loss.output",
                      "the output that lost events: audit file, OCSF file, journal"},
            FieldValue{std::string_view{event.loss->output}});
        visit(FieldName{"btfence.loss.count", "BTFENCE_LOSS_COUNT", "unmapped.btfence.loss.count",
                        "how many events that output lost"},
              FieldValue{event.loss->count});
    }
    if (event.posture) {
        const Posture& posture = *event.posture;
        visit(FieldName{"btfence.posture.high", "BTFENCE_POSTURE_HIGH",
                        "unmapped.btfence.posture.high",
                        "bluetoothd's posture: how many settings are rated high"},
              FieldValue{posture.high});
        visit(FieldName{"btfence.posture.medium", "BTFENCE_POSTURE_MEDIUM",
                        "unmapped.btfence.posture.medium",
                        "bluetoothd's posture: how many settings are rated medium"},
              FieldValue{posture.medium});
        visit(
            FieldName{"btfence.posture.low", "BTFENCE_POSTURE_LOW", "unmapped.btfence.posture.low",
                      "bluetoothd's posture: how many settings are rated low"},
            FieldValue{posture.low});
        text({"btfence.posture.findings", "BTFENCE_POSTURE_FINDINGS",
              "unmapped.btfence.posture.findings",
              "bluetoothd's posture: each finding as severity setting=value"},
             posture.findings);
    }
}

}  // namespace btfence::audit
