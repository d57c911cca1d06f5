#pragma once
// Serializes an audit event as one JSON object on one line: the format of the audit file
// (`/var/log/btfence/audit.jsonl`) that SIEMs ingest. ECS field names where ECS has them,
// everything btfence-specific under `btfence.`.
#include <string>

#include "audit/event.hpp"

namespace btfence::audit {

inline constexpr std::string_view kEcsVersion = "8.11";
inline constexpr std::string_view kEventDataset = "btfence.audit";
inline constexpr std::string_view kEventProvider = "btfenced";

/// The event as JSON, without the trailing newline. Never contains a raw newline (control
/// characters are escaped) and is always valid UTF-8 (invalid bytes, e.g. in an error text
/// taken from a file name, become U+FFFD instead of making the line unparseable).
///
/// Shape (fields marked ? are omitted when empty / absent):
///   @timestamp, message,
///   event  {kind:"event", category:[…], action, outcome, sequence, reason, dataset, provider}
///   host   {name}
///   rule?  {id, reason?}                   — omitted for events no rule decided
///   btfence{mode, verdict?, trigger?, policy {sha256, path},
///           adapter?, device? {address, name, class, class_reason, path, aaguid?}}
///                                          — adapter and device present iff event.device is
///   ecs    {version}
std::string to_json_line(const Event& event);

}  // namespace btfence::audit
