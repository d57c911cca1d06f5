#include "bluez/device_lookup.hpp"

#include <utility>

#include "bluez/names.hpp"

namespace btfence::bluez {

void DeviceLookup::ensure_known(const std::string& device_path, Then then) {
    if (mirror_.device(device_path) != nullptr) {
        then();
        return;
    }
    auto [it, inserted] = pending_.try_emplace(device_path);
    it->second.waiters.push_back(std::move(then));
    if (inserted) {
        start_fetch(device_path);
    }
}

void DeviceLookup::fetch_in_background(const std::string& device_path) {
    if (mirror_.device(device_path) != nullptr || pending_.contains(device_path) ||
        background_in_flight_ >= kMaxBackgroundFetches) {
        return;
    }
    pending_[device_path].background = true;
    ++background_in_flight_;
    start_fetch(device_path);
}

void DeviceLookup::start_fetch(const std::string& device_path) {
    const auto generation = generation_;
    calls_.get_device_properties(
        device_path, [this, device_path, generation](const std::optional<std::string>& error,
                                                     PropertyMap properties) {
            fetched(device_path, generation, !error, std::move(properties));
        });
}

void DeviceLookup::fetched(const std::string& device_path, std::uint64_t generation, bool ok,
                           PropertyMap properties) {
    if (generation != generation_) {
        return;  // answered after reset(): its waiters have run already
    }
    const auto it = pending_.find(device_path);
    if (it == pending_.end()) {
        return;
    }
    Pending pending = std::move(it->second);
    pending_.erase(it);
    if (pending.background) {
        --background_in_flight_;
    }
    // An InterfacesAdded may have brought the device in meanwhile: the signal is newer.
    if (ok && mirror_.device(device_path) == nullptr) {
        mirror_.interfaces_added(device_path,
                                 {{std::string(kDeviceInterface), std::move(properties)}});
    }
    for (auto& then : pending.waiters) {
        then();
    }
}

void DeviceLookup::reset() {
    ++generation_;
    auto pending = std::move(pending_);
    pending_.clear();
    background_in_flight_ = 0;
    for (auto& [path, entry] : pending) {
        for (auto& then : entry.waiters) {
            then();
        }
    }
}

}  // namespace btfence::bluez
