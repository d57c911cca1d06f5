#pragma once
// Layer 1: answers bluetoothd's Agent1 requests by policy. Knows nothing of D-Bus; the
// Agent1 object (agent1_object.hpp) turns its answers into replies or org.bluez errors.
#include <string>

#include "audit/event.hpp"
#include "bluez/mirror.hpp"
#include "bluez/names.hpp"
#include "clock.hpp"
#include "enforce/suspected_spoofs.hpp"
#include "policy_store.hpp"

namespace btfence::pairing {

enum class AgentRequest {
    RequestAuthorization,
    RequestConfirmation,
    AuthorizeService,
    RequestPasskey,
    RequestPinCode,
    DisplayPasskey,
    DisplayPinCode,
};

std::string_view to_string(AgentRequest request);

struct GateAnswer {
    bool accept = false;
    std::string error_name{bluez::kRejectedError};  ///< D-Bus error of a refusal
    std::string error_message;                      ///< its text, when !accept
    audit::Event event;                             ///< to be emitted after the reply is sent
};

class PairingGate {
  public:
    /// `spoofs`: remembered suspected spoofs, refused whatever they claim (may be nullptr).
    PairingGate(const bluez::BluezMirror& mirror, const PolicyStore& policies,
                const DecisionClock& clock, const enforce::SuspectedSpoofs* spoofs = nullptr)
        : mirror_(mirror), policies_(policies), clock_(clock), spoofs_(spoofs) {}

    /// `detail` is the service UUID of AuthorizeService, named in the event's reason (passkeys
    /// are never logged).
    [[nodiscard]] GateAnswer decide(AgentRequest request, const std::string& device_path,
                                    const std::string& detail = {}) const;

    /// Agent1.Cancel: the pending request was cancelled by bluetoothd.
    [[nodiscard]] audit::Event cancelled() const;

  private:
    [[nodiscard]] GateAnswer unknown_device(AgentRequest request,
                                            const std::string& device_path) const;
    [[nodiscard]] GateAnswer not_loaded(AgentRequest request, const std::string& device_path) const;

    const bluez::BluezMirror& mirror_;
    const PolicyStore& policies_;
    const DecisionClock& clock_;
    const enforce::SuspectedSpoofs* spoofs_;
};

}  // namespace btfence::pairing
