#pragma once
// Layer 4, profile lockdown where bluetoothd has the admin plugin: sets
// AdminPolicySet1.SetServiceAllowList to the policy's list on every managed adapter that has
// it, and puts it back when AdminPolicyStatus1.ServiceAllowList changes behind btfenced's
// back. Defence in depth only: it blocks profiles, not pairing (docs/bluez-facts.md).
// A failed SetServiceAllowList is retried with backoff until it succeeds, the adapter goes
// away or turns out not to have the interface, or bluetoothd leaves.
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "audit/event.hpp"
#include "bluez/bluez_calls.hpp"
#include "bluez/mirror.hpp"
#include "policy_store.hpp"
#include "retry/retry_queue.hpp"

namespace btfence::enforce {

class AllowlistGuard {
  public:
    using Emit = std::function<void(audit::Event)>;

    AllowlistGuard(bluez::BluezCalls& calls, retry::RetryQueue& retries,
                   const PolicyStore& policies, Emit emit)
        : calls_(calls), retries_(retries), policies_(policies), emit_(std::move(emit)) {}

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
    void send(const std::string& path, std::uint64_t id);
    void answered(const std::string& path, std::uint64_t id, const std::vector<std::string>& list,
                  const bluez::CallResult& error);

    /// A SetServiceAllowList in flight, or failed and waiting for its retry.
    struct Applying {
        std::uint64_t id = 0;
        bluez::AdapterState adapter;
        std::string why;
        retry::Backoff backoff;
        retry::RetryQueue::Handle retry;
        bool failure_reported = false;
    };

    bluez::BluezCalls& calls_;
    retry::RetryQueue& retries_;
    const PolicyStore& policies_;
    Emit emit_;
    std::set<std::string> unavailable_reported_;  ///< adapters told to lack AdminPolicySet1
    std::map<std::string, Applying> applying_;    ///< by adapter path
    std::uint64_t next_id_ = 1;
};

}  // namespace btfence::enforce
