#pragma once
// Setting Device1.Blocked on one device, seen through to the end, as removal.hpp does for
// RemoveDevice: the call is retried with the shared backoff until bluetoothd accepts it, and
// the operation ends exactly once with one audited outcome:
//   done        bluetoothd accepted the new value
//   gone        bluetoothd answered that the device does not exist (any more)
//   vanished    the Device1 went away while the call was pending or waiting for a retry
//   superseded  another value was asked for the same device meanwhile (the newer one goes on)
//   abandoned   bluetoothd left the bus; its return sweeps, which decides again
// The first failure is audited (outcome failure, "retrying"); later ones are logged.
//
// Used for what is not a removal: blocking a suspected spoof on sight, and unblocking it when
// its time is up. (The Block that starts a removal is a step of the removal itself.)
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

#include "audit/event.hpp"
#include "bluez/bluez_calls.hpp"
#include "retry/retry_queue.hpp"

namespace btfence::enforce {

class BlockSetter {
  public:
    using Emit = std::function<void(audit::Event)>;

    BlockSetter(bluez::BluezCalls& calls, retry::RetryQueue& retries, Emit emit)
        : calls_(calls), retries_(retries), emit_(std::move(emit)) {}

    /// Sets Blocked = `blocked` on `device`. `event` is the audit event of the operation; its
    /// outcome and reason are completed when it ends. Asking the same value again while it is
    /// under way changes nothing; asking the other value supersedes it.
    void start(const bluez::DevicePath& device, bool blocked, audit::Event event);
    [[nodiscard]] bool active(const std::string& device_path) const {
        return operations_.contains(device_path);
    }

    /// The device's Device1 interface went away.
    void device_gone(const std::string& device_path);
    /// bluetoothd left the bus: every operation ends as abandoned.
    void abandon_all();

  private:
    struct Operation {
        std::uint64_t id = 0;
        bluez::DevicePath device;
        bool blocked = true;
        retry::Backoff backoff;
        retry::RetryQueue::Handle retry;
        audit::Event event;
        bool failure_reported = false;
    };
    enum class End { Done, Gone, Vanished, Superseded, Abandoned };

    void send(Operation& operation);
    void answered(const std::string& path, std::uint64_t id, const bluez::CallResult& error);
    void finish(const std::string& path, End end, const std::string& detail = {});

    bluez::BluezCalls& calls_;
    retry::RetryQueue& retries_;
    Emit emit_;
    std::uint64_t next_id_ = 1;
    std::unordered_map<std::string, Operation> operations_;  ///< by device path
};

}  // namespace btfence::enforce
