#pragma once
// Layer 2, post-hoc enforcement. The pairing gate cannot see every pairing (a Just Works
// pairing started locally is accepted by bluetoothd without asking any agent), so every
// device that policy denies and that is paired, bonded or trusted is disconnected and
// removed as soon as btfenced learns of it — whatever path got it there. (A connection
// without a bond is not acted on; see evaluate().)
#include <functional>
#include <string>
#include <unordered_map>

#include "audit/event.hpp"
#include "bluez/bluez_calls.hpp"
#include "bluez/mirror.hpp"
#include "btfence/policy/decision.hpp"
#include "clock.hpp"
#include "enforce/grandfathered_bonds.hpp"
#include "enforce/removal.hpp"
#include "policy_store.hpp"
#include "retry/retry_queue.hpp"

namespace btfence::enforce {

enum class SweepKind {
    Startup,  ///< first look at bluetoothd's devices: `existing_bonds = "keep"` applies here
    Reload,   ///< policy reloaded or bluetoothd restarted
    Timer,    ///< a rule's `not_before`/`expires` passed
};

class Enforcer {
  public:
    using Emit = std::function<void(audit::Event)>;

    Enforcer(const bluez::BluezMirror& mirror, bluez::BluezCalls& calls, retry::RetryQueue& retries,
             const PolicyStore& policies, const DecisionClock& clock,
             GrandfatheredBonds& grandfathered, const Emit& emit)
        : mirror_(mirror),
          policies_(policies),
          clock_(clock),
          grandfathered_(grandfathered),
          emit_(emit),
          remover_(calls, retries, emit) {}

    /// A device appeared or a fact a decision depends on changed.
    void device_changed(const bluez::DeviceState& device, bluez::FactChanges changes, bool added);
    /// The device's Device1 interface went away (only that: other interfaces of the same
    /// object, Battery1 or MediaControl1, come and go with connections).
    void device_removed(const std::string& path);
    /// Re-decides every known device.
    void sweep(SweepKind kind);
    /// bluetoothd went away: removals under way end as abandoned; its return sweeps again.
    void reset();

    /// Removals started and not yet ended (retrying included).
    [[nodiscard]] std::size_t removals_under_way() const { return remover_.active_count(); }

    /// Bonds kept under `existing_bonds = "keep"` (bonded and denied at the first start).
    [[nodiscard]] std::size_t grandfathered_count() const { return grandfathered_.size(); }

  private:
    struct Tracking {
        bool bond_reported = false;      ///< bond-kept already said for this bond
        std::string audit_reported_key;  ///< audit mode: rule of the would-remove reported
    };

    void evaluate(const bluez::DeviceState& device, const std::string& trigger, SweepKind* sweep);
    void remove(const bluez::DeviceState& device, const policy::Decision& decision,
                const std::string& trigger);
    void report_state_error(const std::string& error);

    const bluez::BluezMirror& mirror_;
    const PolicyStore& policies_;
    const DecisionClock& clock_;
    GrandfatheredBonds& grandfathered_;
    Emit emit_;
    Remover remover_;
    std::unordered_map<std::string, Tracking> tracking_;  ///< by device path
};

}  // namespace btfence::enforce
