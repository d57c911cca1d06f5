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
/// KeyboardOnly is the one capability with which every pairing a remote device starts, over
/// BR/EDR and LE, ends in a request this agent can refuse (RequestAuthorization,
/// RequestConfirmation, RequestPasskey; AuthorizeService for profiles). bluetoothd gives the
/// kernel the default agent's capability for both transports: with NoInputNoOutput the kernel
/// accepts a classic SSP pairing without asking anyone; with a display a remote keyboard can
/// choose LE passkey entry, which only reaches DisplayPasskey, whose reply refuses nothing.
/// Both measured in the VM (docs/security.md, "BR/EDR"; tests/e2e/scenarios/classic.py and
/// le_capability.py).
inline constexpr std::string_view kAgentCapability = "KeyboardOnly";

/// What the Agent1 object needs from the rest of btfenced.
struct Agent1Hooks {
    /// Runs the callback once the mirror holds the device, or once bluetoothd could not
    /// provide it (unknown to it, no answer, or gone: bluez::DeviceLookup::ensure_known).
    std::function<void(const std::string& device_path, std::function<void()> then)> ensure_known;
    /// Emits an audit event after the reply has left.
    std::function<void(audit::Event)> emit_later;
    /// bluetoothd called Release.
    std::function<void()> on_release;
    /// Whether a D-Bus sender is bluetoothd: the current unique owner of org.bluez.
    std::function<bool(const std::string& sender)> is_bluetoothd;
    /// Someone else called an Agent1 method (refused with AccessDenied, nothing changed).
    std::function<void(const std::string& method, const std::string& sender)> on_foreign_call;
};

/// Only bluetoothd may call the agent: the system bus lets any local process call any object
/// (the bus policy of org.btfence1 does not protect a unique name). A local user who calls
/// Release or Cancel, or asks for a decision, gets org.freedesktop.DBus.Error.AccessDenied
/// and changes nothing.
class Agent1Object {
  public:
    /// Sends the D-Bus reply for one answer: the method's results, or Rejected.
    using Reply = std::function<void(const GateAnswer& answer)>;

    Agent1Object(sdbus::IConnection& connection, const PairingGate& gate, Agent1Hooks hooks);

  private:
    void answer(AgentRequest request, const sdbus::ObjectPath& device, std::string detail,
                Reply reply);
    /// Whether the message being handled comes from bluetoothd; reports it when not.
    [[nodiscard]] bool from_bluetoothd(std::string_view method) const;

    const PairingGate& gate_;
    Agent1Hooks hooks_;
    std::unique_ptr<sdbus::IObject> object_;
};

}  // namespace btfence::pairing
