#include "bluez/mirror.hpp"

#include <algorithm>
#include <ctime>

#include "bluez/names.hpp"
#include "btfence/policy/address.hpp"
#include "btfence/policy/uuid.hpp"

namespace btfence::bluez {
namespace {

std::string last_path_component(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// "/org/bluez/hci0/dev_AA_..." -> "/org/bluez/hci0"
std::string parent_path(const std::string& path) {
    const auto slash = path.rfind('/');
    return slash == std::string::npos || slash == 0 ? std::string("/") : path.substr(0, slash);
}

std::vector<std::string> normalized_uuid_list(const std::vector<std::string>& raw) {
    std::vector<std::string> out;
    for (const auto& text : raw) {
        if (auto uuid = policy::normalize_uuid(text)) {
            out.push_back(std::move(*uuid));
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

void BluezMirror::clear() {
    loaded_ = false;
    adapters_.clear();
    devices_.clear();
    recency_.clear();
}

void BluezMirror::interfaces_added(const std::string& path, const InterfaceMap& interfaces) {
    bool adapter_touched = false;
    for (const auto& [interface, properties] : interfaces) {
        if (interface == kAdapterInterface || interface == kAdminPolicySetInterface ||
            interface == kAdminPolicyStatusInterface) {
            auto& adapter = adapters_[path];
            adapter.path = path;
            adapter.name = last_path_component(path);
            update_adapter(adapter, interface, properties, false);
            adapter_touched = true;
        }
    }
    if (adapter_touched && observer_ != nullptr) {
        // Announced once every interface of this call is recorded.
        if (interfaces.contains(std::string(kAdapterInterface))) {
            observer_->adapter_added(adapters_.at(path));
        } else {
            observer_->adapter_allowlist_changed(adapters_.at(path));
        }
    }
    const auto device = interfaces.find(std::string(kDeviceInterface));
    if (device != interfaces.end()) {
        add_or_update_device(path, device->second, true);
    }
}

void BluezMirror::interfaces_removed(const std::string& path,
                                     const std::vector<std::string>& interfaces) {
    for (const auto& interface : interfaces) {
        if (interface == kDeviceInterface) {
            const auto it = devices_.find(path);
            if (it != devices_.end()) {
                recency_.erase(it->second.recency);
                devices_.erase(it);
                if (observer_ != nullptr) {
                    observer_->device_removed(path);
                }
            }
        } else if (interface == kAdapterInterface) {
            if (adapters_.erase(path) > 0 && observer_ != nullptr) {
                observer_->adapter_removed(path);
            }
        } else if (interface == kAdminPolicySetInterface) {
            const auto it = adapters_.find(path);
            if (it != adapters_.end()) {
                it->second.has_admin_policy = false;
            }
        }
    }
}

void BluezMirror::properties_changed(const std::string& path, const std::string& interface,
                                     const PropertyMap& changed) {
    if (interface == kDeviceInterface) {
        add_or_update_device(path, changed, false);
        return;
    }
    if (interface == kAdapterInterface || interface == kAdminPolicyStatusInterface) {
        const auto it = adapters_.find(path);
        if (it != adapters_.end()) {
            update_adapter(it->second, interface, changed, true);
        }
    }
}

void BluezMirror::heard_from(std::string_view path) {
    const auto it = devices_.find(path);
    if (it != devices_.end()) {
        touch(it->second);
    }
}

void BluezMirror::set_verification(const std::string& path, policy::Verification result) {
    const auto it = devices_.find(path);
    if (it == devices_.end()) {
        return;
    }
    it->second.state.facts.verification = std::move(result);
    touch(it->second);
    if (observer_ != nullptr) {
        FactChanges changes;
        changes.identity = true;
        observer_->device_changed(it->second.state, changes, false);
    }
}

const DeviceState* BluezMirror::device(const std::string& path) const {
    const auto it = devices_.find(path);
    return it == devices_.end() ? nullptr : &it->second.state;
}

const AdapterState* BluezMirror::adapter(const std::string& path) const {
    const auto it = adapters_.find(path);
    return it == adapters_.end() ? nullptr : &it->second;
}

std::vector<std::string> BluezMirror::device_paths() const {
    std::vector<std::string> paths;
    paths.reserve(devices_.size());
    for (const auto& [path, entry] : devices_) {
        paths.push_back(path);
    }
    return paths;
}

void BluezMirror::add_or_update_device(const std::string& path, const PropertyMap& properties,
                                       bool from_added) {
    auto it = devices_.find(path);
    const bool is_new = it == devices_.end();
    if (is_new && !from_added) {
        // A change for a device we do not hold: only worth fetching when it matters.
        policy::DeviceFacts scratch;
        std::vector<std::string> ignored;
        if (apply_device_properties(properties, scratch, ignored).any() && observer_ != nullptr) {
            observer_->device_unknown(path);
        }
        return;
    }
    if (is_new) {
        evict_if_full();
        recency_.push_front(path);
        it = devices_.emplace(path, Entry{DeviceState{}, recency_.begin()}).first;
        it->second.state.path = path;
    }
    auto& state = it->second.state;
    const std::vector<std::string> problems_before = state.problems;
    FactChanges changes = apply_device_properties(properties, state.facts, state.problems);
    // Unreadable properties deny the device (fail closed), so a new or cleared problem is a
    // change of what the decision rests on.
    changes.identity |= state.problems != problems_before;
    if (is_new || properties.contains("Adapter")) {
        const std::string name = adapter_name_for(path, string_property(properties, "Adapter"));
        const AdapterState* adapter = this->adapter(parent_path(path));
        changes.identity |= state.facts.adapter != name;
        state.facts.adapter = name;
        state.facts.adapter_address = adapter != nullptr ? adapter->address : std::string();
    }
    // Any signal counts as a sign of life, RSSI too: a key being paired in a crowded room
    // keeps advertising and must not be the one forgotten.
    touch(it->second);
    if (!is_new && !changes.any()) {
        return;  // RSSI and other churn: nothing a decision depends on
    }
    if (observer_ != nullptr) {
        observer_->device_changed(state, changes, is_new);
    }
}

void BluezMirror::update_adapter(AdapterState& adapter, const std::string& interface,
                                 const PropertyMap& properties, bool notify) {
    if (interface == kAdapterInterface) {
        if (auto address = string_property(properties, "Address")) {
            adapter.address = policy::normalize_address(*address).value_or(std::string());
        }
    } else if (interface == kAdminPolicySetInterface) {
        adapter.has_admin_policy = true;
    } else if (interface == kAdminPolicyStatusInterface) {
        if (auto list = string_list_property(properties, "ServiceAllowList")) {
            adapter.service_allowlist = normalized_uuid_list(*list);
            if (notify && observer_ != nullptr) {
                observer_->adapter_allowlist_changed(adapter);
            }
        }
    }
}

void BluezMirror::touch(Entry& entry) {
    recency_.splice(recency_.begin(), recency_, entry.recency);
    entry.state.last_seen = ::time(nullptr);  // vDSO: no system call on the hot path
}

void BluezMirror::evict_if_full() {
    if (devices_.size() < max_devices_) {
        return;
    }
    // Oldest first; engaged devices are never forgotten (they may need enforcement).
    for (auto it = recency_.rbegin(); it != recency_.rend(); ++it) {
        const auto device = devices_.find(*it);
        if (device != devices_.end() && !device->second.state.engaged()) {
            recency_.erase(device->second.recency);
            devices_.erase(device);
            return;
        }
    }
}

std::string BluezMirror::adapter_name_for(const std::string& device_path,
                                          const std::optional<std::string>& adapter_path) const {
    return last_path_component(adapter_path.value_or(parent_path(device_path)));
}

}  // namespace btfence::bluez
