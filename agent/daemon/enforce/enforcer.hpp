#pragma once
// Layer 2, post-hoc enforcement. The pairing gate cannot see every pairing (a Just Works
// pairing started locally is accepted by bluetoothd without asking any agent), so every
// device that policy denies and that is paired, bonded or trusted is disconnected and
// removed as soon as btfenced learns of it — whatever path got it there. (A connection
// without a bond is not acted on; see evaluate().)
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "audit/event.hpp"
#include "bluez/bluez_calls.hpp"
#include "bluez/mirror.hpp"
#include "btfence/policy/decision.hpp"
#include "clock.hpp"
#include "enforce/block_setter.hpp"
#include "enforce/grandfathered_bonds.hpp"
#include "enforce/removal.hpp"
#include "enforce/suspected_spoofs.hpp"
#include "policy_store.hpp"
#include "retry/retry_queue.hpp"

namespace btfence::enforce {

enum class SweepKind {
    Startup,    ///< first look at bluetoothd's devices: `existing_bonds = "keep"` applies here
    Reload,     ///< policy reloaded or bluetoothd restarted
    Timer,      ///< a rule's `not_before`/`expires` passed
    Exemption,  ///< a runtime exemption was revoked over D-Bus
};

class Enforcer {
  public:
    using Emit = std::function<void(audit::Event)>;

    /// `spoofs`: where suspected spoofs are remembered (nullptr: not remembered);
    /// `spoofs_changed` is called after a new one was added (the daemon re-arms its expiry).
    Enforcer(const bluez::BluezMirror& mirror, bluez::BluezCalls& calls, retry::RetryQueue& retries,
             const PolicyStore& policies, const DecisionClock& clock,
             GrandfatheredBonds& grandfathered, const Emit& emit, SuspectedSpoofs* spoofs = nullptr,
             std::function<void()> spoofs_changed = {})
        : mirror_(mirror),
          policies_(policies),
          clock_(clock),
          grandfathered_(grandfathered),
          emit_(emit),
          remover_(calls, retries, emit),
          blocker_(calls, retries, emit),
          spoofs_(spoofs),
          spoofs_changed_(std::move(spoofs_changed)) {}

    /// A device appeared or a fact a decision depends on changed.
    void device_changed(const bluez::DeviceState& device, bluez::FactChanges changes, bool added);
    /// The device's Device1 interface went away (only that: other interfaces of the same
    /// object, Battery1 or MediaControl1, come and go with connections).
    void device_removed(const std::string& path);
    /// Re-decides every known device.
    void sweep(SweepKind kind);
    /// bluetoothd went away: removals under way end as abandoned; its return sweeps again.
    void reset();
    /// Suspected spoofs whose block has ended: unblocks their devices, audited.
    void spoofs_expired(const std::vector<SpoofRecord>& expired);

    /// Removals started and not yet ended (retrying included).
    [[nodiscard]] std::size_t removals_under_way() const { return remover_.active_count(); }

    /// Bonds kept under `existing_bonds = "keep"` (bonded and denied at the first start).
    [[nodiscard]] std::size_t grandfathered_count() const { return grandfathered_.size(); }

  private:
    struct Tracking {
        bool bond_reported = false;           ///< bond-kept already said for this bond
        std::string audit_reported_key;       ///< audit mode: rule of the would-remove reported
        bool audit_pairing_reported = false;  ///< audit mode: the would-refuse already reported
        bool claimed_fido = false;            ///< was fido-ble or offered 0xFFFD while bonded
    };

    void evaluate(const bluez::DeviceState& device, const std::string& trigger, SweepKind* sweep,
                  bool identity_changed = false);
    /// A remembered suspected spoof seen again (any device, bonded or not): block it.
    void block_on_sight(const bluez::DeviceState& device);
    /// Why this denied device is a suspected spoof, if it is one.
    [[nodiscard]] std::optional<std::string> spoof_evidence(const bluez::DeviceState& device,
                                                            const policy::Decision& decision,
                                                            const Tracking& tracking) const;
    void suspect(const bluez::DeviceState& device, const policy::Decision& decision,
                 const std::string& evidence, const std::string& trigger);
    /// `block_first`: the removal starts with Device1.Blocked = true (drops the link at once
    /// and stops reconnection), then Disconnect and RemoveDevice (enforce/removal.hpp).
    void remove(const bluez::DeviceState& device, const policy::Decision& decision,
                const std::string& trigger, bool block_first);
    void report_state_error(const std::string& error);

    const bluez::BluezMirror& mirror_;
    const PolicyStore& policies_;
    const DecisionClock& clock_;
    GrandfatheredBonds& grandfathered_;
    Emit emit_;
    Remover remover_;
    BlockSetter blocker_;
    std::unordered_map<std::string, Tracking> tracking_;  ///< by device path
    SuspectedSpoofs* spoofs_;
    std::function<void()> spoofs_changed_;
    std::unordered_set<std::string> blocked_on_sight_;  ///< device paths a block was started for
};

}  // namespace btfence::enforce
