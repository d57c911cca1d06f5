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
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "bluez/bluez_calls.hpp"
#include "bluez/mirror.hpp"

namespace btfence::bluez {

class DeviceLookup {
  public:
    using Then = std::function<void()>;
    static constexpr std::size_t kMaxBackgroundFetches = 64;

    DeviceLookup(BluezMirror& mirror, BluezCalls& calls) : mirror_(mirror), calls_(calls) {}

    /// Runs `then` once the mirror holds `device_path` — at once if it does already — or once
    /// bluetoothd said it does not know the device (then the mirror still lacks it and the
    /// caller decides what an unknown device gets: a refusal).
    void ensure_known(const std::string& device_path, Then then);

    /// Fetches a device that changed while the mirror did not hold it; drops the request when
    /// kMaxBackgroundFetches are already in flight.
    void fetch_in_background(const std::string& device_path);

    /// bluetoothd left the bus: replies to pending fetches will never come (their proxies are
    /// dropped). Every waiting `then` runs now, so that no agent call is left unanswered.
    void reset();

    [[nodiscard]] std::size_t in_flight() const { return pending_.size(); }

  private:
    struct Pending {
        std::vector<Then> waiters;
        bool background = false;
    };

    void start_fetch(const std::string& device_path);
    void fetched(const std::string& device_path, std::uint64_t generation, bool ok,
                 PropertyMap properties);

    BluezMirror& mirror_;
    BluezCalls& calls_;
    std::unordered_map<std::string, Pending> pending_;
    std::size_t background_in_flight_ = 0;
    std::uint64_t generation_ = 0;  ///< bumped by reset(): late replies are ignored
};

}  // namespace btfence::bluez
