#include "bluez/device_lookup.hpp"

#include <spdlog/spdlog.h>

#include <utility>

#include "bluez/names.hpp"

namespace btfence::bluez {
namespace {

// GetAll(org.bluez.Device1) failed in a way that says there is no such device: no object at
// the path (libdbus answers UnknownMethod for a path nothing is registered on), or an object
// without a Device1 interface (InvalidArgs "No such interface").
bool no_such_device(const BluezError& error) {
    return error.object_gone() || error.kind() == ErrorKind::InvalidArgs;
}

}  // namespace

DeviceLookup::Pending& DeviceLookup::add(const std::string& device_path) {
    Pending pending{.id = next_id_++,
                    .waiters = {},
                    .background = false,
                    .reread = false,
                    .backoff = retries_.backoff(),
                    .retry = {}};
    return pending_.emplace(device_path, std::move(pending)).first->second;
}

void DeviceLookup::ensure_known(const std::string& device_path, Then then) {
    if (mirror_.device(device_path) != nullptr) {
        then();
        return;
    }
    const auto it = pending_.find(device_path);
    if (it != pending_.end()) {
        it->second.waiters.push_back(std::move(then));
        return;
    }
    Pending& pending = add(device_path);
    pending.waiters.push_back(std::move(then));
    start_fetch(device_path, pending.id);
}

void DeviceLookup::fetch_in_background(const std::string& device_path) {
    if (mirror_.device(device_path) != nullptr || pending_.contains(device_path) ||
        background_in_flight_ >= kMaxBackgroundFetches) {
        return;
    }
    start_background_fetch(device_path, false);
}

void DeviceLookup::reread(const std::string& device_path) {
    const auto it = pending_.find(device_path);
    if (it != pending_.end()) {
        it->second.reread = true;
        return;
    }
    if (background_in_flight_ >= kMaxBackgroundFetches) {
        spdlog::warn("not reading {} again: {} device lookups already in flight", device_path,
                     background_in_flight_);
        return;
    }
    start_background_fetch(device_path, true);
}

void DeviceLookup::start_background_fetch(const std::string& device_path, bool reread) {
    Pending& pending = add(device_path);
    pending.background = true;
    pending.reread = reread;
    ++background_in_flight_;
    start_fetch(device_path, pending.id);
}

bool DeviceLookup::no_longer_needed(const std::string& device_path, const Pending& pending) const {
    return mirror_.device(device_path) != nullptr && !pending.reread;
}

void DeviceLookup::start_fetch(const std::string& device_path, std::uint64_t id) {
    calls_.get_device_properties(
        DevicePath(device_path),
        [this, device_path, id](const CallResult& error, PropertyMap properties) {
            fetched(device_path, id, error, std::move(properties));
        });
}

void DeviceLookup::fetched(const std::string& device_path, std::uint64_t id,
                           const CallResult& error, PropertyMap properties) {
    const auto it = pending_.find(device_path);
    if (it == pending_.end() || it->second.id != id) {
        return;  // the fetch ended meanwhile (reset(): bluetoothd left)
    }
    Pending& pending = it->second;
    if (!error) {
        if (mirror_.device(device_path) == nullptr) {
            mirror_.interfaces_added(device_path,
                                     {{std::string(kDeviceInterface), std::move(properties)}});
        } else if (pending.reread) {
            // The answer left bluetoothd after the signal that could not be read, so it holds
            // whatever that signal changed.
            mirror_.properties_changed(device_path, std::string(kDeviceInterface), properties);
        }
        // Otherwise an InterfacesAdded brought the device in meanwhile, with its properties.
        end(device_path);
        return;
    }
    if (no_such_device(*error) || error->bluez_gone() || no_longer_needed(device_path, pending)) {
        end(device_path);
        return;
    }
    // A timeout or a busy bluetoothd: answer the pairing gate now (it refuses an unknown
    // device) and keep trying in the background.
    auto waiters = std::move(pending.waiters);
    pending.waiters.clear();
    if (!pending.background) {
        pending.background = true;
        ++background_in_flight_;
    }
    const auto delay = pending.backoff.next();
    spdlog::info("GetAll of {} failed ({}); retrying in {} ms", device_path, error->describe(),
                 std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
    pending.retry = retries_.schedule(delay, [this, device_path, id] {
        const auto again = pending_.find(device_path);
        if (again == pending_.end() || again->second.id != id) {
            return;
        }
        if (no_longer_needed(device_path, again->second)) {
            end(device_path);  // a signal brought it in meanwhile
        } else {
            start_fetch(device_path, id);
        }
    });
    for (auto& then : waiters) {
        then();
    }
}

void DeviceLookup::end(const std::string& device_path) {
    const auto it = pending_.find(device_path);
    if (it == pending_.end()) {
        return;
    }
    Pending pending = std::move(it->second);
    pending_.erase(it);
    if (pending.background) {
        --background_in_flight_;
    }
    for (auto& then : pending.waiters) {
        then();
    }
}

void DeviceLookup::reset() {
    auto pending = std::move(pending_);
    pending_.clear();
    background_in_flight_ = 0;
    for (auto& [path, entry] : pending) {
        entry.retry.reset();
        for (auto& then : entry.waiters) {
            then();
        }
    }
}

}  // namespace btfence::bluez
