#pragma once
// Maps an audit event to journald fields: the structured copy of the audit trail that
// `journalctl MESSAGE_ID=…` and `journalctl BTFENCE_ACTION=…` queries rely on. The field names
// are an interface, like the MESSAGE_IDs in event_catalog.hpp: they are defined here and
// only here, and never renamed.
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "audit/event.hpp"

namespace btfence::audit {

namespace journal_field {
// journald's own fields.
inline constexpr std::string_view kMessage = "MESSAGE";
inline constexpr std::string_view kMessageId = "MESSAGE_ID";
inline constexpr std::string_view kPriority = "PRIORITY";
inline constexpr std::string_view kSyslogIdentifier = "SYSLOG_IDENTIFIER";
// btfence's, mirroring the JSON line (json_line.hpp) field for field.
inline constexpr std::string_view kAction = "BTFENCE_ACTION";               // event.action
inline constexpr std::string_view kOutcome = "BTFENCE_OUTCOME";             // event.outcome
inline constexpr std::string_view kSequence = "BTFENCE_SEQUENCE";           // event.sequence
inline constexpr std::string_view kReason = "BTFENCE_REASON";               // event.reason
inline constexpr std::string_view kRuleId = "BTFENCE_RULE_ID";              // rule.id
inline constexpr std::string_view kRuleReason = "BTFENCE_RULE_REASON";      // rule.reason
inline constexpr std::string_view kMode = "BTFENCE_MODE";                   // btfence.mode
inline constexpr std::string_view kVerdict = "BTFENCE_VERDICT";             // btfence.verdict
inline constexpr std::string_view kTrigger = "BTFENCE_TRIGGER";             // btfence.trigger
inline constexpr std::string_view kPolicySha256 = "BTFENCE_POLICY_SHA256";  // btfence.policy.sha256
inline constexpr std::string_view kPolicyPath = "BTFENCE_POLICY_PATH";      // btfence.policy.path
inline constexpr std::string_view kAdapter = "BTFENCE_ADAPTER";             // btfence.adapter
inline constexpr std::string_view kDeviceAddress = "BTFENCE_DEVICE_ADDRESS";
inline constexpr std::string_view kDeviceName = "BTFENCE_DEVICE_NAME";
inline constexpr std::string_view kDeviceClass = "BTFENCE_DEVICE_CLASS";
inline constexpr std::string_view kDeviceClassReason = "BTFENCE_DEVICE_CLASS_REASON";
inline constexpr std::string_view kDevicePath = "BTFENCE_DEVICE_PATH";
inline constexpr std::string_view kDeviceAaguid = "BTFENCE_DEVICE_AAGUID";
}  // namespace journal_field

/// Every field name above, for validation in tests.
inline constexpr std::array kJournalFieldNames = {
    journal_field::kMessage,       journal_field::kMessageId,
    journal_field::kPriority,      journal_field::kSyslogIdentifier,
    journal_field::kAction,        journal_field::kOutcome,
    journal_field::kSequence,      journal_field::kReason,
    journal_field::kRuleId,        journal_field::kRuleReason,
    journal_field::kMode,          journal_field::kVerdict,
    journal_field::kTrigger,       journal_field::kPolicySha256,
    journal_field::kPolicyPath,    journal_field::kAdapter,
    journal_field::kDeviceAddress, journal_field::kDeviceName,
    journal_field::kDeviceClass,   journal_field::kDeviceClassReason,
    journal_field::kDevicePath,    journal_field::kDeviceAaguid,
};

inline constexpr std::string_view kSyslogIdentifier = "btfenced";

/// The syslog priority (<syslog.h> LOG_*) an event is journaled with, so that
/// `journalctl -p notice` shows what an admin should look at and `-p warning` what needs
/// action:
///   LOG_ERR     audit-log-error — the audit trail itself is broken
///   LOG_WARNING tamper-detected, verification-failed (suspected spoof), policy-rejected,
///               agent-released and bluez-lost (the pairing gate is down), and any event whose
///               outcome is Failure (e.g. a removal that did not happen)
///   LOG_NOTICE  pairing-denied, service-denied, device-removed, exemption-expired,
///               daemon-stopping — the fence doing its job, worth seeing
///   LOG_INFO    everything else (allowed pairings, kept bonds, loads, registrations)
int journal_priority(const Event& event);

/// The journald fields of an event, each "NAME=value", ready for sd_journal_sendv. Always:
/// MESSAGE, MESSAGE_ID, PRIORITY, SYSLOG_IDENTIFIER, BTFENCE_ACTION, BTFENCE_OUTCOME,
/// BTFENCE_SEQUENCE, BTFENCE_MODE. For device events (event.device set) always
/// BTFENCE_ADAPTER, BTFENCE_DEVICE_ADDRESS, BTFENCE_DEVICE_NAME, BTFENCE_DEVICE_CLASS.
/// Every other field only when it has a value. Values are raw bytes: sd_journal_sendv
/// copes with newlines in them.
std::vector<std::string> to_journal_fields(const Event& event);

}  // namespace btfence::audit
