#pragma once
// The ECS format: one audit event as one JSON object on one line, the format of the audit file
// (`/var/log/btfence/audit.jsonl`) that SIEMs ingest. ECS 9.4 field names where ECS has them
// (checked against the published ecs_flat.yml in tests), everything btfence-specific under
// `btfence.`. Field reference: docs/audit-events.md.
#include <string>
#include <string_view>

#include "audit/chain_link.hpp"
#include "audit/event.hpp"

namespace btfence::audit {

inline constexpr std::string_view kEcsVersion = "9.4.0";
inline constexpr std::string_view kEventDataset = "btfence.audit";
inline constexpr std::string_view kEventProvider = "btfenced";
inline constexpr std::string_view kEventModule = "btfence";

/// The event as JSON, without the trailing newline. Never contains a raw newline (control
/// characters are escaped) and is always valid UTF-8 (invalid bytes, e.g. in an error text
/// taken from a file name, become U+FFFD instead of making the line unparseable).
///
/// Shape: @timestamp, message, event {kind, category[], type[], action, code, outcome,
/// sequence, severity, dataset, module, provider, reason?, start?, end?}, host {name}, ecs
/// {version}, rule {id}, then every field of for_each_field() (event.hpp) at its ECS path, and
/// `btfence` last. When `chain` is given it becomes `btfence.chain {prev, hmac}`, and `hmac`
/// the line's last member (the tamper-evident chain, chain.hpp, relies on that).
std::string to_ecs_line(const Event& event, const ChainLink* chain = nullptr);

}  // namespace btfence::audit
