#pragma once
// The dictionaries (a{sv}) org.btfence1.Manager1 returns and signals, built in one place so
// that every key is spelt once. docs/control-plane.md lists them; keys are only ever added
// (kApiVersion says which set a client gets).
#include <sdbus-c++/Types.h>

#include <map>
#include <optional>
#include <string>

#include "audit/event.hpp"
#include "bluez/mirror.hpp"
#include "btfence/policy/decision.hpp"
#include "btfence/policy/exemption.hpp"
#include "control/event_feed.hpp"
#include "control/status_board.hpp"
#include "enforce/suspected_spoofs.hpp"
#include "exemptions/exemption_service.hpp"
#include "policy_store.hpp"

namespace btfence::control {

using Dict = std::map<std::string, sdbus::Variant>;

/// The version of the key set of every dictionary below.
inline constexpr std::uint32_t kApiVersion = 1;
/// Reported for a fact this build or this moment cannot know.
inline constexpr std::string_view kUnknown = "unknown";

struct StatusInputs {
    const PolicyStore& policies;
    const bluez::BluezMirror& mirror;
    const StatusBoard& board;
    const EventFeed& feed;
    const exemptions::ExemptionService& exemptions;
    /// The suspected spoofs the daemon remembers (nullptr: none), so that Devices and Explain
    /// give the decision the gate and the enforcer make.
    const enforce::SuspectedSpoofs* spoofs = nullptr;
};

Dict status_report(const StatusInputs& inputs);

/// One device and the live decision for it (Devices, Explain).
Dict device_report(const bluez::DeviceState& device, const policy::Decision& decision,
                   const policy::Policy& policy, const StatusBoard& board, policy::TimePoint now);

Dict exemption_report(const policy::Exemption& exemption);

/// DecisionMade: for events that record a decision about a device, nullopt for the others.
std::optional<Dict> decision_signal(const audit::Event& event);
/// PolicyLoaded: for policy-loaded and policy-rejected, nullopt for the others.
std::optional<Dict> policy_signal(const audit::Event& event);

}  // namespace btfence::control
