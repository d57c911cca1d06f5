#include "control/manager_object.hpp"

#include <memory>

#include "btfence/policy/address.hpp"
#include "decision_events.hpp"

namespace btfence::control {
namespace {

sdbus::Error error(std::string_view name, const std::string& message) {
    return {std::string(name), message};
}

sdbus::Error to_error(const exemptions::Refusal& refusal) {
    using Kind = exemptions::Refusal::Kind;
    switch (refusal.kind) {
        case Kind::InvalidArgument:
            return error(kErrorInvalidArgument, refusal.message);
        case Kind::NotAllowed:
            return error(kErrorNotAllowed, refusal.message);
        case Kind::UnknownId:
            return error(kErrorUnknownExemption, refusal.message);
        case Kind::Unavailable:
            return error(kErrorUnavailable, refusal.message);
    }
    return error(kErrorUnavailable, refusal.message);
}

template <typename T>
T take(exemptions::Result<T>&& result) {
    if (auto* refusal = std::get_if<exemptions::Refusal>(&result)) {
        throw to_error(*refusal);
    }
    return std::get<T>(std::move(result));
}

exemptions::GrantRequest grant_request(std::string target, const Dict& options,
                                       std::string reason) {
    exemptions::GrantRequest request;
    request.target = std::move(target);
    request.reason = std::move(reason);
    for (const auto& [key, value] : options) {
        if (key == "duration" && value.peekValueType() == "t") {
            request.duration = std::chrono::seconds{value.get<std::uint64_t>()};
        } else if (key == "until" && value.peekValueType() == "x") {
            request.until = policy::TimePoint{std::chrono::seconds{value.get<std::int64_t>()}};
        } else {
            throw error(kErrorInvalidArgument,
                        "unknown option \"" + key + "\" of type " + value.peekValueType() +
                            " (expected \"duration\" (t, seconds) or \"until\" (x, Unix "
                            "seconds))");
        }
    }
    if (request.duration && request.duration->count() > std::int64_t{1} << 40) {
        throw error(kErrorInvalidArgument, "duration out of range");
    }
    return request;
}

}  // namespace

ManagerObject::ManagerObject(sdbus::IConnection& connection, Authorizer& authorizer,
                             StatusInputs inputs, const DecisionClock& clock,
                             exemptions::ExemptionService& exemptions, ReloadFn reload, Emit emit)
    : AdaptorInterfaces(connection, std::string(kObjectPath)),
      authorizer_(authorizer),
      inputs_(inputs),
      clock_(clock),
      exemptions_(exemptions),
      reload_(std::move(reload)),
      emit_(std::move(emit)) {
    registerAdaptor();
}

ManagerObject::~ManagerObject() {
    unregisterAdaptor();
}

template <typename... Results, typename Body>
void ManagerObject::authorized(ControlAction action, sdbus::Result<Results...>&& result,
                               Body body) {
    const sdbus::Message* message = getObject().getCurrentlyProcessedMessage();
    const std::string sender = message != nullptr ? message->getSender() : std::string();
    // sdbus::Result is move-only; the authorization callback is a std::function.
    auto reply = std::make_shared<sdbus::Result<Results...>>(std::move(result));
    authorizer_.authorize(
        sender, action, [this, action, reply, body = std::move(body)](const Authorization& auth) {
            if (!auth.allowed) {
                if (is_mutating(action)) {
                    audit::Event refused =
                        policy_event(audit::Action::ControlDenied, &inputs_.policies.current(),
                                     "Refused " + std::string(polkit_action_id(action)) + " to " +
                                         exemptions::describe(auth.caller));
                    refused.outcome = audit::Outcome::Success;
                    refused.reason = auth.refusal;
                    refused.caller = auth.caller;
                    emit_(std::move(refused));
                }
                reply->returnError(error(kErrorNotAuthorized, auth.refusal));
                return;
            }
            try {
                body(*reply, auth.caller);
            } catch (const sdbus::Error& e) {
                reply->returnError(e);
            }
        });
}

Dict ManagerObject::describe(const bluez::DeviceState& device) const {
    const policy::Policy& policy = inputs_.policies.current();
    const policy::TimePoint now = clock_.now();
    // The very decision the pairing gate and the enforcer make for this device now.
    const policy::Decision decision =
        decide_device(policy, device, now, inputs_.policies.exemptions(), inputs_.spoofs);
    return device_report(device, decision, policy, inputs_.board, now);
}

void ManagerObject::Status(sdbus::Result<Dict>&& result) {
    authorized(ControlAction::Read, std::move(result),
               [this](const sdbus::Result<Dict>& reply, const audit::CallerInfo& /*caller*/) {
                   reply.returnResults(status_report(inputs_));
               });
}

void ManagerObject::Devices(sdbus::Result<std::vector<Dict>>&& result) {
    authorized(
        ControlAction::Read, std::move(result),
        [this](const sdbus::Result<std::vector<Dict>>& reply, const audit::CallerInfo& /*caller*/) {
            std::vector<Dict> devices;
            for (const auto& path : inputs_.mirror.device_paths()) {
                if (const auto* device = inputs_.mirror.device(path)) {
                    devices.push_back(describe(*device));
                }
            }
            reply.returnResults(devices);
        });
}

void ManagerObject::Explain(sdbus::Result<std::vector<Dict>>&& result, std::string address) {
    authorized(ControlAction::Read, std::move(result),
               [this, address = std::move(address)](const sdbus::Result<std::vector<Dict>>& reply,
                                                    const audit::CallerInfo& /*caller*/) {
                   const auto normalized = policy::normalize_address(address);
                   if (!normalized) {
                       throw error(
                           kErrorInvalidArgument,
                           "not a Bluetooth address (AA:BB:CC:DD:EE:FF): \"" + address + "\"");
                   }
                   std::vector<Dict> decisions;
                   for (const auto& path : inputs_.mirror.device_paths()) {
                       const auto* device = inputs_.mirror.device(path);
                       if (device != nullptr && device->facts.address == *normalized) {
                           decisions.push_back(describe(*device));
                       }
                   }
                   if (decisions.empty()) {
                       throw error(kErrorUnknownDevice,
                                   "btfenced holds no device " + *normalized +
                                       " (bluetoothd has not reported it, or it was forgotten)");
                   }
                   reply.returnResults(decisions);
               });
}

void ManagerObject::Reload(sdbus::Result<Dict>&& result) {
    authorized(ControlAction::Reload, std::move(result),
               [this](const sdbus::Result<Dict>& reply, const audit::CallerInfo& caller) {
                   const ReloadOutcome outcome = reload_(caller);
                   const char* kind = outcome.kind == ReloadOutcome::Kind::Loaded      ? "loaded"
                                      : outcome.kind == ReloadOutcome::Kind::Unchanged ? "unchanged"
                                                                                       : "rejected";
                   reply.returnResults(Dict{{"outcome", sdbus::Variant(std::string(kind))},
                                            {"policy_sha256", sdbus::Variant(outcome.sha256)},
                                            {"errors", sdbus::Variant(outcome.errors)}});
               });
}

void ManagerObject::AddExemption(sdbus::Result<Dict>&& result, std::string target, Dict options,
                                 std::string reason) {
    authorized(ControlAction::Exempt, std::move(result),
               [this, target = std::move(target), options = std::move(options),
                reason = std::move(reason)](const sdbus::Result<Dict>& reply,
                                            const audit::CallerInfo& caller) {
                   const auto request = grant_request(target, options, reason);
                   reply.returnResults(exemption_report(take(exemptions_.grant(request, caller))));
               });
}

void ManagerObject::RemoveExemption(sdbus::Result<Dict>&& result, std::string id) {
    authorized(ControlAction::Exempt, std::move(result),
               [this, id = std::move(id)](const sdbus::Result<Dict>& reply,
                                          const audit::CallerInfo& caller) {
                   reply.returnResults(exemption_report(take(exemptions_.revoke(id, caller))));
               });
}

void ManagerObject::Exemptions(sdbus::Result<std::vector<Dict>>&& result) {
    authorized(
        ControlAction::Read, std::move(result),
        [this](const sdbus::Result<std::vector<Dict>>& reply, const audit::CallerInfo& /*caller*/) {
            std::vector<Dict> out;
            for (const auto& exemption : exemptions_.in_force()) {
                out.push_back(exemption_report(exemption));
            }
            reply.returnResults(out);
        });
}

void ManagerObject::event_emitted(const audit::Event& event) {
    try {
        if (auto decision = decision_signal(event)) {
            emitDecisionMade(*decision);
        } else if (auto policy = policy_signal(event)) {
            emitPolicyLoaded(*policy);
        }
    } catch (const sdbus::Error& e) {
        // A signal that cannot be sent must not cost the audit event or the decision.
        (void)e;
    }
}

}  // namespace btfence::control
