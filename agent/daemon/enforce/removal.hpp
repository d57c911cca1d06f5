#pragma once
// Removing one denied device from bluetoothd, seen through to the end. A removal is a small
// state machine per device:
//
//   [Block] ──► Disconnect ──► RemoveDevice ──► done
//   optional     any answer     retried with backoff until it succeeds, or bluetoothd says
//                moves on       the device does not exist; a retry is sent without waiting
//                               for the device to change
//
// and it ends exactly once, with one audited outcome:
//   removed       RemoveDevice succeeded (or its Device1 vanished while it was in flight)
//   already gone  bluetoothd answered DoesNotExist / UnknownObject
//   vanished      the Device1 went away before RemoveDevice was sent (another client, or the
//                 adapter was unplugged: the device is decided again if it comes back)
//   withdrawn     the policy in force no longer denies the device (with RemoveDevice in
//                 flight, its answer is awaited first: bluetoothd acts on a call it has
//                 received, and a removal that happens anyway is audited as a removal)
//   abandoned     bluetoothd left the bus; its return starts a sweep that decides again
// The first failure is audited (outcome failure, "retrying"); later ones are logged.
//
// Why Disconnect first, and RemoveDevice only once it has been answered (whatever the answer):
// removing a device whose bonding is still completing made bluetoothd 5.66 touch the freed
// device (docs/architecture.md, layer 2). Both take 2 s on a connected device; Block
// (Device1.Blocked = true) drops the link at once (docs/bluez-facts.md fact 11). Block is used
// where RemovalPlan asks for it.
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "audit/event.hpp"
#include "bluez/bluez_calls.hpp"
#include "retry/retry_queue.hpp"

namespace btfence::enforce {

struct RemovalPlan {
    bool block_first = false;  ///< set Device1.Blocked = true before disconnecting
};

enum class RemovalStep { Block, Disconnect, RemoveDevice };

class Remover {
  public:
    using Emit = std::function<void(audit::Event)>;

    Remover(bluez::BluezCalls& calls, retry::RetryQueue& retries, Emit emit)
        : calls_(calls), retries_(retries), emit_(std::move(emit)) {}

    /// Starts removing `device` unless its removal is already under way (then nothing
    /// changes). `event` is the device-removed event of the decision; its outcome, message
    /// and reason are completed when the removal ends.
    void start(const bluez::DevicePath& device, RemovalPlan plan, audit::Event event);
    /// A removal is under way: started, not ended, and not withdrawn.
    [[nodiscard]] bool active(const std::string& device_path) const {
        const auto it = removals_.find(device_path);
        return it != removals_.end() && !it->second.withdrawn;
    }
    [[nodiscard]] std::size_t active_count() const { return removals_.size(); }

    /// The device's Device1 interface went away.
    void device_gone(const std::string& device_path);
    /// The policy in force no longer denies the device: the removal stops. A Block or
    /// Disconnect in flight completes and its answer is ignored; a RemoveDevice in flight
    /// cannot be called back, so the removal ends with its answer (removed, or withdrawn).
    void withdraw(const std::string& device_path);
    /// bluetoothd left the bus: every removal ends as abandoned.
    void abandon_all();

  private:
    struct Removal {
        std::uint64_t id = 0;
        bluez::DevicePath device;
        std::vector<RemovalStep> steps;
        std::size_t step = 0;
        bool remove_sent = false;     ///< RemoveDevice was sent at least once
        bool in_flight = false;       ///< the current step's call has not been answered yet
        bool withdrawn = false;       ///< the policy allows it now; RemoveDevice is in flight
        bool last_timed_out = false;  ///< the last RemoveDevice got no answer (NoReply)
        retry::Backoff backoff;
        retry::RetryQueue::Handle retry;
        audit::Event event;
        bool failure_reported = false;
    };
    enum class End { Removed, AlreadyGone, Vanished, Withdrawn, Abandoned };

    void run_step(Removal& removal);
    void step_answered(const std::string& path, std::uint64_t id, const bluez::CallResult& error);
    void remove_failed(Removal& removal, const bluez::BluezError& error);
    void finish(const std::string& path, End end, const std::string& detail = {});

    bluez::BluezCalls& calls_;
    retry::RetryQueue& retries_;
    Emit emit_;
    std::uint64_t next_id_ = 1;
    std::unordered_map<std::string, Removal> removals_;  ///< by device path
};

}  // namespace btfence::enforce
