#include "pairing/pairing_gate.hpp"

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
    policy::Decision decision = decide_device(policy, *device, clock_.now());
    const std::string trigger(to_string(request));
    const std::string service =
        detail.empty() ? std::string() : " for service " + policy::describe_uuid(detail);

    GateAnswer answer;
    if (is_display_only(request)) {
        // Nothing to refuse: the remote side already chose passkey entry. Post-hoc
        // enforcement removes the bond if policy denies the device.
        answer.accept = true;
    } else if (needs_typed_input(request) && decision.managed) {
        // A daemon has no person to type a passkey; refusing is the only safe answer even for
        // allowed devices (they pair from a desktop agent, or by numeric comparison).
        answer.accept = policy.mode == policy::Mode::Audit;
        decision.reason = "btfenced cannot enter a passkey or PIN for the user; " + decision.reason;
        if (decision.verdict == policy::Verdict::Allow) {
            decision.verdict = policy::Verdict::Deny;
        }
    } else {
        answer.accept = decision.allowed() || !decision.enforce_denial();
    }

    answer.event = device_event(action_for(request, answer.accept || is_display_only(request)),
                                *device, decision, policy, trigger);
    answer.event.reason = decision.reason + (service.empty() ? "" : ";" + service);
    answer.event.outcome = audit::Outcome::Success;
    const std::string mode_note = policy.mode == policy::Mode::Audit && !decision.allowed()
                                      ? " (audit mode: would refuse)"
                                      : "";
    answer.event.message = std::string(answer.accept ? "Accepted " : "Refused ") + trigger +
                           service + " from " + device_label(*device) + " by rule " +
                           decision.rule_id + mode_note;
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
    answer.accept = is_display_only(request) || policy.mode == policy::Mode::Audit;
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
