#include "pairing/pairing_gate.hpp"

#include <optional>

#include "btfence/policy/uuid.hpp"
#include "decision_events.hpp"

namespace btfence::pairing {
namespace {

bool is_display_only(AgentRequest request) {
    return request == AgentRequest::DisplayPasskey || request == AgentRequest::DisplayPinCode;
}

bool needs_typed_input(AgentRequest request) {
    return request == AgentRequest::RequestPasskey || request == AgentRequest::RequestPinCode;
}

audit::Action action_for(AgentRequest request, bool accept) {
    if (is_display_only(request)) {
        return audit::Action::PasskeyDisplayed;
    }
    if (request == AgentRequest::AuthorizeService) {
        return accept ? audit::Action::ServiceAuthorized : audit::Action::ServiceDenied;
    }
    return accept ? audit::Action::PairingAllowed : audit::Action::PairingDenied;
}

std::string device_label(const bluez::DeviceState& device) {
    const auto& name = device.facts.display_name();
    return (name.empty() ? std::string("unnamed device") : "'" + name + "'") + " (" +
           device.facts.address + ")";
}

}  // namespace

std::string_view to_string(AgentRequest request) {
    switch (request) {
        case AgentRequest::RequestAuthorization:
            return "RequestAuthorization";
        case AgentRequest::RequestConfirmation:
            return "RequestConfirmation";
        case AgentRequest::AuthorizeService:
            return "AuthorizeService";
        case AgentRequest::RequestPasskey:
            return "RequestPasskey";
        case AgentRequest::RequestPinCode:
            return "RequestPinCode";
        case AgentRequest::DisplayPasskey:
            return "DisplayPasskey";
        case AgentRequest::DisplayPinCode:
            return "DisplayPinCode";
    }
    return "unknown";
}

namespace {

// Why a request that is not display-only is refused, or nullopt when it is accepted. The
// order matters: the first reason that applies is the one the audit event gives.
std::optional<std::string> refusal_of(AgentRequest request, const policy::Decision& decision,
                                      const policy::Policy& policy, const std::string& service) {
    if (!decision.managed) {
        // Not ours to decide: answer as bluetoothd does when it has no agent to ask.
        return decision.reason + "; refused as bluetoothd refuses when no agent is registered";
    }
    if (needs_typed_input(request)) {
        // A daemon has no person to type a passkey or PIN, and a made-up one would be a yes
        // on a person's behalf: refused for every device, allowed or not, in every mode.
        return "btfenced never enters a passkey or PIN for a person; " + decision.reason;
    }
    if (policy.mode == policy::Mode::Audit) {
        // Audit mode observes only. btfenced does not register its agent then; a request that
        // still reaches it (the agent was being withdrawn) is refused as with no agent.
        return "audit mode: btfenced does not answer pairing requests; refused as bluetoothd "
               "refuses when no agent is registered (" +
               decision.reason + ")";
    }
    if (!decision.allowed()) {
        return decision.reason;
    }
    if (request == AgentRequest::AuthorizeService && !decision.authorizes_service(service)) {
        return "rule '" + decision.rule_id + "' allows the device but does not list service " +
               policy::describe_uuid(service) + " in its services";
    }
    return std::nullopt;
}

}  // namespace

GateAnswer PairingGate::decide(AgentRequest request, const std::string& device_path,
                               const std::string& detail) const {
    if (!mirror_.loaded()) {
        return not_loaded(request, device_path);
    }
    const bluez::DeviceState* device = mirror_.device(device_path);
    if (device == nullptr) {
        return unknown_device(request, device_path);
    }
    const policy::Policy& policy = policies_.current();
    policy::Decision decision =
        decide_device(policy, *device, clock_.now(), policies_.exemptions(), spoofs_);
    const std::string trigger(to_string(request));
    const std::string service = request == AgentRequest::AuthorizeService
                                    ? policy::normalize_uuid(detail).value_or(detail)
                                    : std::string();
    const std::string service_note =
        service.empty() ? std::string() : " for service " + policy::describe_uuid(service);
    const policy::Verdict policy_verdict = decision.verdict;

    GateAnswer answer;
    std::optional<std::string> refusal;
    if (is_display_only(request)) {
        // Nothing to refuse: the remote side already chose passkey entry. Post-hoc
        // enforcement removes the bond if policy denies the device.
        answer.accept = true;
    } else {
        refusal = refusal_of(request, decision, policy, service);
        answer.accept = !refusal.has_value();
    }
    if (refusal) {
        // The event's verdict is this request's: refused, whatever the device's rule says.
        decision.verdict = policy::Verdict::Deny;
        decision.reason = *refusal;
    }

    answer.event = device_event(action_for(request, answer.accept || is_display_only(request)),
                                *device, decision, policy, trigger);
    answer.event.outcome = audit::Outcome::Success;
    if (!service.empty()) {
        answer.event.service = service;
    }
    std::string note;
    if (policy.mode == policy::Mode::Audit && decision.managed) {
        note = policy_verdict == policy::Verdict::Allow ? " (audit mode: enforcement would allow)"
                                                        : " (audit mode: would refuse)";
    }
    answer.event.message = std::string(answer.accept ? "Accepted " : "Refused ") + trigger +
                           service_note + " from " + device_label(*device) + " by rule " +
                           decision.rule_id + note;
    if (!answer.accept) {
        answer.error_message = "btfence policy: " + decision.reason;
    }
    return answer;
}

GateAnswer PairingGate::not_loaded(AgentRequest request, const std::string& device_path) const {
    // bluetoothd's objects are not loaded yet (GetManagedObjects failed and is being retried,
    // bluez::BluezWatch): what btfenced knows of the device may be half of it. Fail closed.
    GateAnswer answer = unknown_device(request, device_path);
    answer.error_message = "btfence: bluetoothd's devices are not loaded yet";
    answer.event.rule_id = "bluez-not-loaded";
    answer.event.reason =
        "bluetoothd's objects are not loaded yet (GetManagedObjects has not succeeded); refused "
        "to fail closed";
    answer.event.message = std::string(answer.accept ? "Accepted " : "Refused ") +
                           std::string(to_string(request)) + " for " + device_path +
                           ": bluetoothd's devices are not loaded yet";
    return answer;
}

GateAnswer PairingGate::unknown_device(AgentRequest request, const std::string& device_path) const {
    // Reached only after bluez::DeviceLookup asked bluetoothd for the device and did not get
    // it (unknown to bluetoothd, no answer, or bluetoothd left): nothing to decide on, so
    // refuse (fail closed).
    GateAnswer answer;
    const policy::Policy& policy = policies_.current();
    answer.accept = is_display_only(request);
    answer.error_message = "btfence policy: unknown device";
    answer.event =
        policy_event(action_for(request, answer.accept), &policy,
                     std::string(answer.accept ? "Accepted " : "Refused ") +
                         std::string(to_string(request)) + " for unknown device " + device_path);
    answer.event.outcome = audit::Outcome::Success;
    answer.event.rule_id = "unknown-device";
    answer.event.verdict = policy::Verdict::Deny;
    answer.event.reason =
        "device object not known to btfenced, and bluetoothd did not provide it (unknown to it, "
        "no answer, or it left the bus); refused to fail closed";
    answer.event.trigger = std::string(to_string(request));
    audit::DeviceInfo info;
    info.object_path = device_path;
    answer.event.device = info;
    return answer;
}

audit::Event PairingGate::cancelled() const {
    audit::Event event = policy_event(audit::Action::PairingCancelled,
                                      policies_.has_policy() ? &policies_.current() : nullptr,
                                      "bluetoothd cancelled the pending agent request");
    event.outcome = audit::Outcome::Success;
    event.trigger = "Cancel";
    return event;
}

}  // namespace btfence::pairing
