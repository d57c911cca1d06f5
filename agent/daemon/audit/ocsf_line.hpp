#pragma once
// The OCSF format: one audit event as one OCSF JSON object on one line (an optional second
// audit file, `--ocsf-log`). Device decisions are Peripheral Activity (class_uid 1010) with the
// security_control profile's action_id Allowed/Denied (Observed in audit mode) and
// `peripheral_device` filled from the device; the audit trail's own life (daemon start/stop,
// lost events) is Event Log Activity (1008); policy and bluetoothd state, which no System class
// describes, are Base Events (0). Every class, attribute and enum value used is checked
// against the published schema in tests (tests/unit/audit/schemas). btfence-specific fields
// go under `unmapped.btfence`. Field reference: docs/audit-events.md.
#include <string>
#include <string_view>

#include "audit/chain_link.hpp"
#include "audit/event.hpp"

namespace btfence::audit {

/// The OCSF schema version the events are validated against (../shared/schemas/ocsf).
inline constexpr std::string_view kOcsfVersion = "1.9.0-dev";

/// The event as OCSF JSON, without the trailing newline; same guarantees as to_ecs_line (one
/// line, valid UTF-8). When `chain` is given it becomes `unmapped.btfence.chain {prev, hmac}`,
/// and `hmac` the line's last member (chain.hpp).
std::string to_ocsf_line(const Event& event, const ChainLink* chain = nullptr);

}  // namespace btfence::audit
