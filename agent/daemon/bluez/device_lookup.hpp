#pragma once
// Brings a device the mirror does not hold into it, by asking bluetoothd for its properties
// (Properties.GetAll on org.bluez.Device1). The mirror is bounded and forgets quiet strangers
// in a crowded room, and it may miss an InterfacesAdded; when such a device starts pairing or
// changes in a way that matters, its facts are fetched before anything is decided about it.
//
// Two callers, two budgets:
//   - the pairing gate (`then` given): bluetoothd is waiting for an agent answer. These are
//     few — bluetoothd asks about one device at a time per pairing and only root may call the
//     agent — so they are never dropped; the answer is sent when the facts are in.
//   - unknown-device changes (no `then`): a flood of strangers must not become a flood of
//     calls, so at most kMaxBackgroundFetches run at once and the rest are dropped (a device
//     that matters changes again).
// Requests for a path already being fetched join that fetch.
//
// A fetch ends when bluetoothd answers with the properties, or says it has no such device
// (UnknownObject/UnknownMethod, InvalidArgs for an object without Device1), or leaves the bus.
// Any other failure (a timeout, an error of a busy bluetoothd) is retried with backoff; the
// pairing gate's waiters are answered at the first failure — refused, since the device is
// still unknown: bluetoothd will not wait for backoff — and the fetch goes on as a background
// one. Every call completes (bluez_calls.hpp), so a fetch always frees its budget slot.
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "bluez/bluez_calls.hpp"
#include "bluez/mirror.hpp"
#include "retry/retry_queue.hpp"

namespace btfence::bluez {

class DeviceLookup {
  public:
    using Then = std::function<void()>;
    static constexpr std::size_t kMaxBackgroundFetches = 64;

    DeviceLookup(BluezMirror& mirror, BluezCalls& calls, retry::RetryQueue& retries)
        : mirror_(mirror), calls_(calls), retries_(retries) {}

    /// Runs `then` once the mirror holds `device_path` — at once if it does already — or once
    /// bluetoothd could not provide it (then the mirror still lacks it and the caller decides
    /// what an unknown device gets: a refusal).
    void ensure_known(const std::string& device_path, Then then);

    /// Fetches a device that changed while the mirror did not hold it; drops the request when
    /// kMaxBackgroundFetches are already in flight.
    void fetch_in_background(const std::string& device_path);

    /// Reads a device again whether the mirror holds it or not, and applies bluetoothd's
    /// answer over what the mirror holds: a signal about it could not be decoded, so the
    /// mirror may miss a change (a bond). Joins a fetch already under way (its answer is
    /// newer than the signal: bluetoothd sends its signals and replies in order); dropped
    /// when kMaxBackgroundFetches are in flight.
    void reread(const std::string& device_path);

    /// bluetoothd left the bus. Every waiting `then` runs now, so that no agent call is left
    /// unanswered, and every fetch ends.
    void reset();

    /// Fetches under way: a call in flight or a retry scheduled.
    [[nodiscard]] std::size_t in_flight() const { return pending_.size(); }
    [[nodiscard]] std::size_t background_in_flight() const { return background_in_flight_; }

  private:
    struct Pending {
        std::uint64_t id = 0;
        std::vector<Then> waiters;
        bool background = false;
        bool reread = false;  ///< the answer replaces what the mirror holds (reread())
        retry::Backoff backoff;
        retry::RetryQueue::Handle retry;
    };

    Pending& add(const std::string& device_path);
    void start_background_fetch(const std::string& device_path, bool reread);
    /// A signal brought the device into the mirror meanwhile, and no re-read was asked for.
    [[nodiscard]] bool no_longer_needed(const std::string& device_path,
                                        const Pending& pending) const;
    void start_fetch(const std::string& device_path, std::uint64_t id);
    void fetched(const std::string& device_path, std::uint64_t id, const CallResult& error,
                 PropertyMap properties);
    void end(const std::string& device_path);

    BluezMirror& mirror_;
    BluezCalls& calls_;
    retry::RetryQueue& retries_;
    std::unordered_map<std::string, Pending> pending_;
    std::size_t background_in_flight_ = 0;
    std::uint64_t next_id_ = 1;  ///< a new fetch of the same path never takes an old answer
};

}  // namespace btfence::bluez
