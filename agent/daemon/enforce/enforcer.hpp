#pragma once
// Layer 2, post-hoc enforcement. The pairing gate cannot see every pairing (a Just Works
// pairing started locally is accepted by bluetoothd without asking any agent), so every
// device that policy denies and that is paired, bonded or trusted is disconnected and
// removed as soon as btfenced learns of it — whatever path got it there. (A connection
// without a bond is not acted on; see evaluate().)
#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "audit/event.hpp"
#include "bluez/bluez_calls.hpp"
#include "bluez/mirror.hpp"
#include "btfence/policy/decision.hpp"
#include "clock.hpp"
#include "policy_store.hpp"

namespace btfence::enforce {

enum class SweepKind {
    Startup,  ///< first look at bluetoothd's devices: `existing_bonds = "keep"` applies here
    Reload,   ///< policy reloaded or bluetoothd restarted
    Timer,    ///< a rule's `not_before`/`expires` passed
};

class Enforcer {
  public:
    using Emit = std::function<void(audit::Event)>;

    Enforcer(const bluez::BluezMirror& mirror, bluez::BluezCalls& calls,
             const PolicyStore& policies, const DecisionClock& clock, Emit emit)
        : mirror_(mirror),
          calls_(calls),
          policies_(policies),
          clock_(clock),
          emit_(std::move(emit)) {}

    /// A device appeared or a fact a decision depends on changed.
    void device_changed(const bluez::DeviceState& device, bluez::FactChanges changes, bool added);
    void device_removed(const std::string& path);
    /// Re-decides every known device.
    void sweep(SweepKind kind);
    /// bluetoothd went away: removals in flight will never be answered.
    void reset();

    /// Devices kept under `existing_bonds = "keep"` (bonded and denied at start-up).
    [[nodiscard]] std::size_t grandfathered_count() const { return grandfathered_.size(); }

  private:
    struct Tracking {
        bool removal_in_flight = false;
        bool bond_reported = false;      ///< bond-kept already said for this bond
        std::string audit_reported_key;  ///< audit mode: the would-remove already reported
    };

    void evaluate(const bluez::DeviceState& device, const std::string& trigger, SweepKind* sweep);
    void finish_removal(const std::string& path, audit::Event event,
                        const std::optional<std::string>& error);
    void remove(const bluez::DeviceState& device, const policy::Decision& decision,
                const std::string& trigger);

    const bluez::BluezMirror& mirror_;
    bluez::BluezCalls& calls_;
    const PolicyStore& policies_;
    const DecisionClock& clock_;
    Emit emit_;
    std::unordered_map<std::string, Tracking> tracking_;  ///< by device path
    std::unordered_set<std::string> grandfathered_;       ///< device paths
};

}  // namespace btfence::enforce
