#pragma once
// Maps an audit event to journald fields: the structured copy of the audit trail that
// `journalctl MESSAGE_ID=…` and `journalctl BTFENCE_ACTION=…` queries rely on. The BTFENCE_*
// names of the event's fields are defined with the fields (event.hpp, for_each_field); the
// ones below are the event's core. All are an interface, like the MESSAGE_IDs in
// event_catalog.hpp: never renamed.
#include <string>
#include <string_view>
#include <vector>

#include "audit/event.hpp"
#include "audit/severity.hpp"

namespace btfence::audit {

namespace journal_field {
// journald's own fields.
inline constexpr std::string_view kMessage = "MESSAGE";
inline constexpr std::string_view kMessageId = "MESSAGE_ID";
inline constexpr std::string_view kPriority = "PRIORITY";
inline constexpr std::string_view kSyslogIdentifier = "SYSLOG_IDENTIFIER";
// btfence's core fields.
inline constexpr std::string_view kAction = "BTFENCE_ACTION";      // event.action
inline constexpr std::string_view kOutcome = "BTFENCE_OUTCOME";    // event.outcome
inline constexpr std::string_view kSequence = "BTFENCE_SEQUENCE";  // event.sequence
}  // namespace journal_field

inline constexpr std::string_view kSyslogIdentifier = "btfenced";

/// The journald fields of an event, each "NAME=value", ready for sd_journal_sendv. Always:
/// MESSAGE, MESSAGE_ID, PRIORITY (journal_priority(), severity.hpp), SYSLOG_IDENTIFIER,
/// BTFENCE_ACTION, BTFENCE_OUTCOME, BTFENCE_SEQUENCE; then every field of for_each_field()
/// (event.hpp) under its journal name. Values are raw bytes: sd_journal_sendv copes with
/// newlines in them. Instants are RFC 3339 text.
std::vector<std::string> to_journal_fields(const Event& event);

}  // namespace btfence::audit
