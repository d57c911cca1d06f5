#pragma once
// The org.bluez.Agent1 object bluetoothd calls. Each method asks the PairingGate, replies at
// once (empty reply or org.bluez.Error.Rejected), and hands the audit event to `emit_later`,
// which the daemon runs after the reply has left: an fdatasync of the audit file must not
// delay a pairing decision.
#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IObject.h>

#include <functional>
#include <memory>
#include <string>

#include "pairing/pairing_gate.hpp"

namespace btfence::pairing {

inline constexpr std::string_view kAgentPath = "/org/btfence/agent";
/// NoInputNoOutput makes every remote-initiated pairing end in a request this agent can
/// refuse (RequestAuthorization for Just Works, AuthorizeService for profiles); with a
/// display capability a remote keyboard could pick passkey entry, which only reaches
/// DisplayPasskey, whose reply refuses nothing. See docs/architecture.md.
inline constexpr std::string_view kAgentCapability = "NoInputNoOutput";

class Agent1Object {
  public:
    using EmitLater = std::function<void(audit::Event)>;

    Agent1Object(sdbus::IConnection& connection, const PairingGate& gate, EmitLater emit_later,
                 std::function<void()> on_release);

  private:
    void answer(AgentRequest request, const sdbus::ObjectPath& device,
                const std::string& detail = {});

    const PairingGate& gate_;
    EmitLater emit_later_;
    std::function<void()> on_release_;
    std::unique_ptr<sdbus::IObject> object_;
};

}  // namespace btfence::pairing
