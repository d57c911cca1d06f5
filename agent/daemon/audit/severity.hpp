#pragma once
// How serious an event is, decided once and shown by every format: the syslog priority it is
// journaled with, and the OCSF severity_id / ECS event.severity derived from it.
#include <cstdint>

#include "audit/event.hpp"

namespace btfence::audit {

/// The syslog priority (<syslog.h> LOG_*) an event is journaled with, so that
/// `journalctl -p notice` shows what an admin should look at and `-p warning` what needs
/// action:
///   LOG_ERR     audit-log-error, audit-events-dropped — the audit trail itself is broken;
///               state-file-error — what a state file protects fails closed
///   LOG_WARNING tamper-detected, verification-failed (suspected spoof), policy-rejected,
///               agent-released and bluez-lost (the pairing gate is down),
///               control-denied (someone not authorized tried to change btfenced), and any
///               event whose outcome is Failure (e.g. a removal that did
///               not happen)
///   LOG_NOTICE  pairing-denied, service-denied, device-removed, exemption-expired,
///               exemption-granted/-revoked/-shortened, daemon-stopping — the fence doing its
///               job, or a hole made in it on purpose, worth seeing
///   posture     LOG_WARNING with a finding rated high, LOG_NOTICE with one rated medium
///   LOG_INFO    everything else (allowed pairings, kept bonds, loads, registrations)
int journal_priority(const Event& event);

/// OCSF severity_id (also ECS event.severity): 4 High for LOG_ERR, 3 Medium for LOG_WARNING,
/// 2 Low for LOG_NOTICE, 1 Informational for LOG_INFO.
std::uint8_t severity_id(const Event& event);

}  // namespace btfence::audit
