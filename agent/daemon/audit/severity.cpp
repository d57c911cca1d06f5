#include "audit/severity.hpp"

#include <syslog.h>

namespace btfence::audit {

int journal_priority(const Event& event) {
    if (event.action == Action::AgentRegistered && event.outcome == Outcome::Failure) {
        return LOG_ERR;  // the pairing gate is not in place
    }
    switch (event.action) {
        case Action::AuditLogError:
        case Action::AuditEventsDropped:
        case Action::StateFileError:
            return LOG_ERR;
        case Action::TamperDetected:
        case Action::VerificationFailed:
        case Action::SuspectedSpoof:
        case Action::PolicyRejected:
        case Action::AgentReleased:
        case Action::BluezLost:
        case Action::ControlDenied:
            return LOG_WARNING;
        default:
            break;
    }
    if (event.outcome == Outcome::Failure) {
        return LOG_WARNING;
    }
    if (event.action == Action::Posture && event.posture) {
        return event.posture->high > 0     ? LOG_WARNING
               : event.posture->medium > 0 ? LOG_NOTICE
                                           : LOG_INFO;
    }
    switch (event.action) {
        case Action::PairingDenied:
        case Action::ServiceDenied:
        case Action::DeviceRemoved:
        case Action::ExemptionExpired:
        case Action::ExemptionGranted:
        case Action::ExemptionRevoked:
        case Action::ExemptionShortened:
        case Action::DaemonStopping:
            return LOG_NOTICE;
        default:
            return LOG_INFO;
    }
}

std::uint8_t severity_id(const Event& event) {
    switch (journal_priority(event)) {
        case LOG_EMERG:
        case LOG_ALERT:
        case LOG_CRIT:
        case LOG_ERR:
            return 4;  // High
        case LOG_WARNING:
            return 3;  // Medium
        case LOG_NOTICE:
            return 2;  // Low
        default:
            return 1;  // Informational
    }
}

}  // namespace btfence::audit
