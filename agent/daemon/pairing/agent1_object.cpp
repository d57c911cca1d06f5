#include "pairing/agent1_object.hpp"

#include "bluez/names.hpp"

namespace btfence::pairing {

Agent1Object::Agent1Object(sdbus::IConnection& connection, const PairingGate& gate,
                           EmitLater emit_later, std::function<void()> on_release)
    : gate_(gate),
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
        .implementedAs([this](const sdbus::ObjectPath& device) {
            answer(AgentRequest::RequestAuthorization, device);
        });
    object_->registerMethod("RequestConfirmation")
        .onInterface(interface)
        .withInputParamNames("device", "passkey")
        .implementedAs([this](const sdbus::ObjectPath& device, std::uint32_t /*passkey*/) {
            answer(AgentRequest::RequestConfirmation, device);
        });
    object_->registerMethod("AuthorizeService")
        .onInterface(interface)
        .withInputParamNames("device", "uuid")
        .implementedAs([this](const sdbus::ObjectPath& device, const std::string& uuid) {
            answer(AgentRequest::AuthorizeService, device, uuid);
        });
    object_->registerMethod("RequestPasskey")
        .onInterface(interface)
        .withInputParamNames("device")
        .withOutputParamNames("passkey")
        .implementedAs([this](const sdbus::ObjectPath& device) -> std::uint32_t {
            answer(AgentRequest::RequestPasskey, device);
            return 0;  // reached only in audit mode, where the gate accepts
        });
    object_->registerMethod("RequestPinCode")
        .onInterface(interface)
        .withInputParamNames("device")
        .withOutputParamNames("pincode")
        .implementedAs([this](const sdbus::ObjectPath& device) -> std::string {
            answer(AgentRequest::RequestPinCode, device);
            return "0000";  // reached only in audit mode, where the gate accepts
        });
    object_->registerMethod("DisplayPasskey")
        .onInterface(interface)
        .withInputParamNames("device", "passkey", "entered")
        .implementedAs(
            [this](const sdbus::ObjectPath& device, std::uint32_t /*passkey*/,
                   std::uint16_t /*entered*/) { answer(AgentRequest::DisplayPasskey, device); });
    object_->registerMethod("DisplayPinCode")
        .onInterface(interface)
        .withInputParamNames("device", "pincode")
        .implementedAs([this](const sdbus::ObjectPath& device, const std::string& /*pincode*/) {
            answer(AgentRequest::DisplayPinCode, device);
        });
    object_->registerMethod("Cancel").onInterface(interface).implementedAs(
        [this]() { emit_later_(gate_.cancelled()); });
    object_->finishRegistration();
}

void Agent1Object::answer(AgentRequest request, const sdbus::ObjectPath& device,
                          const std::string& detail) {
    GateAnswer result = gate_.decide(request, device, detail);
    emit_later_(std::move(result.event));
    if (!result.accept) {
        throw sdbus::Error(std::string(bluez::kRejectedError), result.error_message);
    }
}

}  // namespace btfence::pairing
