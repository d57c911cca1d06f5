#include "pairing/agent1_object.hpp"

#include <sdbus-c++/MethodResult.h>

#include "bluez/names.hpp"

namespace btfence::pairing {
namespace {

// The reply of a method whose answer may come later: sdbus::Result is move-only, a Reply is a
// std::function (copyable), so the Result lives behind a shared_ptr.
Agent1Object::Reply empty_reply(sdbus::Result<>&& result) {
    auto shared = std::make_shared<sdbus::Result<>>(std::move(result));
    return [shared](const GateAnswer& answer) {
        if (answer.accept) {
            shared->returnResults();
        } else {
            shared->returnError(sdbus::Error(answer.error_name, answer.error_message));
        }
    };
}

// RequestPasskey and RequestPinCode: the only answer btfenced ever gives is Rejected. There is
// deliberately no code path that returns a passkey or PIN: a made-up code would be a yes on a
// person's behalf (the gate refuses these requests in every mode, pairing_gate.cpp).
template <typename Value>
Agent1Object::Reply rejection_only(sdbus::Result<Value>&& result) {
    auto shared = std::make_shared<sdbus::Result<Value>>(std::move(result));
    return [shared](const GateAnswer& answer) {
        shared->returnError(sdbus::Error(
            answer.accept ? std::string(bluez::kRejectedError) : answer.error_name,
            answer.error_message.empty() ? "btfence policy: refused" : answer.error_message));
    };
}

constexpr std::string_view kAccessDenied = "org.freedesktop.DBus.Error.AccessDenied";
constexpr std::string_view kNotBluetoothd =
    "only bluetoothd (the owner of org.bluez) may call this agent";

sdbus::Error access_denied() {
    return {std::string(kAccessDenied), std::string(kNotBluetoothd)};
}

void reply_access_denied(const Agent1Object::Reply& reply) {
    GateAnswer refusal;
    refusal.error_name = std::string(kAccessDenied);
    refusal.error_message = std::string(kNotBluetoothd);
    reply(refusal);
}

}  // namespace

Agent1Object::Agent1Object(sdbus::IConnection& connection, const PairingGate& gate,
                           Agent1Hooks hooks)
    : gate_(gate),
      hooks_(std::move(hooks)),
      object_(sdbus::createObject(connection, std::string(kAgentPath))) {
    const std::string interface(bluez::kAgentInterface);
    object_->registerMethod("Release").onInterface(interface).implementedAs([this]() {
        if (!from_bluetoothd("Release")) {
            throw access_denied();
        }
        if (hooks_.on_release) {
            hooks_.on_release();
        }
    });
    object_->registerMethod("RequestAuthorization")
        .onInterface(interface)
        .withInputParamNames("device")
        .implementedAs([this](sdbus::Result<>&& result, const sdbus::ObjectPath& device) {
            answer(AgentRequest::RequestAuthorization, device, {}, empty_reply(std::move(result)));
        });
    object_->registerMethod("RequestConfirmation")
        .onInterface(interface)
        .withInputParamNames("device", "passkey")
        .implementedAs([this](sdbus::Result<>&& result, const sdbus::ObjectPath& device,
                              std::uint32_t /*passkey*/) {
            answer(AgentRequest::RequestConfirmation, device, {}, empty_reply(std::move(result)));
        });
    object_->registerMethod("AuthorizeService")
        .onInterface(interface)
        .withInputParamNames("device", "uuid")
        .implementedAs([this](sdbus::Result<>&& result, const sdbus::ObjectPath& device,
                              const std::string& uuid) {
            answer(AgentRequest::AuthorizeService, device, uuid, empty_reply(std::move(result)));
        });
    object_->registerMethod("RequestPasskey")
        .onInterface(interface)
        .withInputParamNames("device")
        .withOutputParamNames("passkey")
        .implementedAs(
            [this](sdbus::Result<std::uint32_t>&& result, const sdbus::ObjectPath& device) {
                answer(AgentRequest::RequestPasskey, device, {}, rejection_only(std::move(result)));
            });
    object_->registerMethod("RequestPinCode")
        .onInterface(interface)
        .withInputParamNames("device")
        .withOutputParamNames("pincode")
        .implementedAs(
            [this](sdbus::Result<std::string>&& result, const sdbus::ObjectPath& device) {
                answer(AgentRequest::RequestPinCode, device, {}, rejection_only(std::move(result)));
            });
    object_->registerMethod("DisplayPasskey")
        .onInterface(interface)
        .withInputParamNames("device", "passkey", "entered")
        .implementedAs([this](sdbus::Result<>&& result, const sdbus::ObjectPath& device,
                              std::uint32_t /*passkey*/, std::uint16_t /*entered*/) {
            answer(AgentRequest::DisplayPasskey, device, {}, empty_reply(std::move(result)));
        });
    object_->registerMethod("DisplayPinCode")
        .onInterface(interface)
        .withInputParamNames("device", "pincode")
        .implementedAs([this](sdbus::Result<>&& result, const sdbus::ObjectPath& device,
                              const std::string& /*pincode*/) {
            answer(AgentRequest::DisplayPinCode, device, {}, empty_reply(std::move(result)));
        });
    object_->registerMethod("Cancel").onInterface(interface).implementedAs([this]() {
        if (!from_bluetoothd("Cancel")) {
            throw access_denied();
        }
        hooks_.emit_later(gate_.cancelled());
    });
    object_->finishRegistration();
}

bool Agent1Object::from_bluetoothd(std::string_view method) const {
    const sdbus::Message* message = object_->getCurrentlyProcessedMessage();
    const std::string sender = message != nullptr ? message->getSender() : std::string();
    if (hooks_.is_bluetoothd && hooks_.is_bluetoothd(sender)) {
        return true;
    }
    if (hooks_.on_foreign_call) {
        hooks_.on_foreign_call(std::string(method), sender);
    }
    return false;
}

void Agent1Object::answer(AgentRequest request, const sdbus::ObjectPath& device, std::string detail,
                          Reply reply) {
    if (!from_bluetoothd(to_string(request))) {
        reply_access_denied(reply);
        return;
    }
    // The callback runs on the event loop, from a GetAll reply or DeviceLookup::reset(); the
    // Daemon owns this object and the lookup alike and keeps both until it is destroyed.
    hooks_.ensure_known(device, [this, request, path = std::string(device),
                                 detail = std::move(detail), reply = std::move(reply)]() {
        GateAnswer result = gate_.decide(request, path, detail);
        reply(result);
        hooks_.emit_later(std::move(result.event));
    });
}

}  // namespace btfence::pairing
