#include "enforce/grandfathered_bonds.hpp"

#include <nlohmann/json.hpp>

namespace btfence::enforce {
namespace {

constexpr int kFormatVersion = 1;

}  // namespace

GrandfatheredBonds::Key GrandfatheredBonds::key_of(const bluez::DeviceState& device) {
    const auto& facts = device.facts;
    return {facts.adapter_address.empty() ? facts.adapter : facts.adapter_address, facts.address};
}

std::optional<std::string> GrandfatheredBonds::load() {
    recorded_ = false;
    unreadable_ = false;
    bonds_.clear();
    seen_paths_.clear();
    std::string error;
    const auto text = file_.read(error);
    if (!text) {
        if (error.empty()) {
            return std::nullopt;  // no file: nothing recorded yet
        }
        unreadable_ = true;
        return error;
    }
    const auto json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
    const auto bad = [this](const std::string& why) {
        unreadable_ = true;
        bonds_.clear();
        return std::optional<std::string>(file_path_ + ": " + why);
    };
    if (!json.is_object() || !json.contains("version") || json["version"] != kFormatVersion ||
        !json.contains("bonds") || !json["bonds"].is_array()) {
        return bad("not a version 1 grandfathered-bonds file");
    }
    for (const auto& bond : json["bonds"]) {
        if (!bond.is_object() || !bond.contains("adapter") || !bond["adapter"].is_string() ||
            !bond.contains("address") || !bond["address"].is_string()) {
            return bad("a bond without adapter and address: " + bond.dump());
        }
        const std::string name = bond.contains("name") && bond["name"].is_string()
                                     ? bond["name"].get<std::string>()
                                     : "";
        bonds_.emplace(Key{bond["adapter"].get<std::string>(), bond["address"].get<std::string>()},
                       name);
    }
    if (json.contains("recorded_at") && json["recorded_at"].is_string()) {
        recorded_at_ = json["recorded_at"].get<std::string>();
    }
    recorded_ = true;
    return std::nullopt;
}

void GrandfatheredBonds::offer(const bluez::DeviceState& device) {
    if (recorded_ || unreadable_) {
        return;  // exactly the recorded set, or (unreadable) none at all
    }
    bonds_.emplace(key_of(device), device.facts.display_name());
}

std::optional<std::string> GrandfatheredBonds::startup_sweep_done(const std::string& recorded_at) {
    if (recorded_ || unreadable_) {
        return std::nullopt;
    }
    recorded_ = true;
    recorded_at_ = recorded_at;
    return write();
}

bool GrandfatheredBonds::contains(const bluez::DeviceState& device) const {
    if (!bonds_.contains(key_of(device))) {
        return false;
    }
    seen_paths_[device.path] = key_of(device);
    return true;
}

std::optional<std::string> GrandfatheredBonds::device_removed(const std::string& path) {
    const auto it = seen_paths_.find(path);
    if (it == seen_paths_.end()) {
        return std::nullopt;
    }
    const Key key = it->second;
    seen_paths_.erase(it);
    if (bonds_.erase(key) == 0 || !recorded_ || unreadable_) {
        return std::nullopt;
    }
    return write();
}

std::optional<std::string> GrandfatheredBonds::write() {
    nlohmann::ordered_json bonds = nlohmann::ordered_json::array();
    for (const auto& [key, name] : bonds_) {
        bonds.push_back({{"adapter", key.first}, {"address", key.second}, {"name", name}});
    }
    const nlohmann::ordered_json json = {
        {"version", kFormatVersion},
        // Informational: when the set was recorded (the first start under "keep").
        {"recorded_at", recorded_at_},
        {"bonds", bonds},
    };
    std::string error;
    if (!file_.write(
            json.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n",
            error)) {
        return error;
    }
    return std::nullopt;
}

}  // namespace btfence::enforce
