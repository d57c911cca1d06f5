#pragma once
// The org.bluez.Agent1 object bluetoothd calls. Each method is answered asynchronously: first
// `ensure_known` makes sure the mirror holds the device (a crowded room can have pushed it
// out; bluetoothd is then asked for its properties), then the PairingGate decides, the reply
// (empty or org.bluez.Error.Rejected) is sent, and the audit event goes to `emit_later`,
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
    /// Runs the callback once the mirror holds the device, or once bluetoothd could not
    /// provide it (unknown to it, no answer, or gone: bluez::DeviceLookup::ensure_known).
    using EnsureKnown =
        std::function<void(const std::string& device_path, std::function<void()> then)>;
    /// Sends the D-Bus reply for one answer: the method's results, or Rejected.
    using Reply = std::function<void(const GateAnswer& answer)>;

    Agent1Object(sdbus::IConnection& connection, const PairingGate& gate, EnsureKnown ensure_known,
                 EmitLater emit_later, std::function<void()> on_release);

  private:
    void answer(AgentRequest request, const sdbus::ObjectPath& device, std::string detail,
                Reply reply);

    const PairingGate& gate_;
    EnsureKnown ensure_known_;
    EmitLater emit_later_;
    std::function<void()> on_release_;
    std::unique_ptr<sdbus::IObject> object_;
};

}  // namespace btfence::pairing
