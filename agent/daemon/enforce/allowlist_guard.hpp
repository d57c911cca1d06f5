#pragma once
// Layer 4, profile lockdown where bluetoothd has the admin plugin: sets
// AdminPolicySet1.SetServiceAllowList to the policy's list on every managed adapter that has
// it, and puts it back when AdminPolicyStatus1.ServiceAllowList changes behind btfenced's
// back. Defence in depth only: it blocks profiles, not pairing (PRODUCT.md §1).
#include <functional>
#include <set>
#include <string>

#include "audit/event.hpp"
#include "bluez/bluez_calls.hpp"
#include "bluez/mirror.hpp"
#include "policy_store.hpp"

namespace btfence::enforce {

class AllowlistGuard {
  public:
    using Emit = std::function<void(audit::Event)>;

    AllowlistGuard(bluez::BluezCalls& calls, const PolicyStore& policies, Emit emit)
        : calls_(calls), policies_(policies), emit_(std::move(emit)) {}

    void adapter_added(const bluez::AdapterState& adapter);
    /// The allowlist reported by bluetoothd changed (or the admin interfaces appeared).
    void allowlist_changed(const bluez::AdapterState& adapter);
    void adapter_removed(const std::string& path);
    /// Policy reloaded: apply the new list everywhere.
    void apply_all(const bluez::BluezMirror& mirror);
    void reset();

  private:
    [[nodiscard]] bool wanted_on(const bluez::AdapterState& adapter) const;
    void apply(const bluez::AdapterState& adapter, const char* why);

    bluez::BluezCalls& calls_;
    const PolicyStore& policies_;
    Emit emit_;
    std::set<std::string> unavailable_reported_;  ///< adapters told to lack AdminPolicySet1
    std::set<std::string> applying_;              ///< adapters with a SetServiceAllowList in flight
};

}  // namespace btfence::enforce
