#include "pairing/agent1_object.hpp"

#include <sdbus-c++/MethodResult.h>

#include "bluez/names.hpp"

namespace btfence::pairing {
namespace {

// The reply of a method whose answer may come later: sdbus::Result is move-only, a Reply is a
// std::function (copyable), so the Result lives behind a shared_ptr. `on_accept` sends the
// method's results (RequestPasskey and RequestPinCode must return a value).
template <typename... Results, typename OnAccept>
Agent1Object::Reply reply_with(sdbus::Result<Results...>&& result, OnAccept on_accept) {
    auto shared = std::make_shared<sdbus::Result<Results...>>(std::move(result));
    return [shared, on_accept](const GateAnswer& answer) {
        if (answer.accept) {
            on_accept(*shared);
        } else {
            shared->returnError(
                sdbus::Error(std::string(bluez::kRejectedError), answer.error_message));
        }
    };
}

Agent1Object::Reply empty_reply(sdbus::Result<>&& result) {
    return reply_with(std::move(result), [](const sdbus::Result<>& r) { r.returnResults(); });
}

}  // namespace

Agent1Object::Agent1Object(sdbus::IConnection& connection, const PairingGate& gate,
                           EnsureKnown ensure_known, EmitLater emit_later,
                           std::function<void()> on_release)
    : gate_(gate),
      ensure_known_(std::move(ensure_known)),
      emit_later_(std::move(emit_later)),
      on_release_(std::move(on_release)),
      object_(sdbus::createObject(connection, std::string(kAgentPath))) {
    const std::string interface(bluez::kAgentInterface);
    object_->registerMethod("Release").onInterface(interface).implementedAs([this]() {
        if (on_release_) {
            on_release_();
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
        .implementedAs([this](sdbus::Result<std::uint32_t>&& result,
                              const sdbus::ObjectPath& device) {
            // Accepted only in audit mode, where the gate lets everything through.
            answer(AgentRequest::RequestPasskey, device, {},
                   reply_with(std::move(result),
                              [](const sdbus::Result<std::uint32_t>& r) { r.returnResults(0); }));
        });
    object_->registerMethod("RequestPinCode")
        .onInterface(interface)
        .withInputParamNames("device")
        .withOutputParamNames("pincode")
        .implementedAs(
            [this](sdbus::Result<std::string>&& result, const sdbus::ObjectPath& device) {
                // Accepted only in audit mode, where the gate lets everything through.
                answer(AgentRequest::RequestPinCode, device, {},
                       reply_with(std::move(result), [](const sdbus::Result<std::string>& r) {
                           r.returnResults("0000");
                       }));
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
    object_->registerMethod("Cancel").onInterface(interface).implementedAs(
        [this]() { emit_later_(gate_.cancelled()); });
    object_->finishRegistration();
}

void Agent1Object::answer(AgentRequest request, const sdbus::ObjectPath& device, std::string detail,
                          Reply reply) {
    // The callback runs on the event loop, from a GetAll reply or DeviceLookup::reset(); the
    // Daemon owns this object and the lookup alike and keeps both until it is destroyed.
    ensure_known_(device, [this, request, path = std::string(device), detail = std::move(detail),
                           reply = std::move(reply)]() {
        GateAnswer result = gate_.decide(request, path, detail);
        reply(result);
        emit_later_(std::move(result.event));
    });
}

}  // namespace btfence::pairing
