#include "bluez/property_decoder.hpp"

#include <algorithm>

#include "btfence/policy/address.hpp"
#include "btfence/policy/uuid.hpp"

namespace btfence::bluez {
namespace {

std::string mismatch(const std::string& name, std::string_view expected,
                     const sdbus::Variant& value) {
    return name + ": expected " + std::string(expected) + ", got " + value.peekValueType();
}

template <typename T>
bool assign_if_changed(T& field, T value) {
    if (field == value) {
        return false;
    }
    field = std::move(value);
    return true;
}

// Applies one typed property; returns true when the stored value changed.
template <typename T>
bool apply_typed(const std::string& name, const sdbus::Variant& value, std::string_view signature,
                 T& field, std::vector<std::string>& problems) {
    clear_problems_for(name, problems);  // one problem per property, the latest
    if (!value.containsValueOfType<T>()) {
        problems.push_back(mismatch(name, signature, value));
        return false;
    }
    return assign_if_changed(field, value.get<T>());
}

bool apply_uuids(const sdbus::Variant& value, policy::DeviceFacts& facts,
                 std::vector<std::string>& problems) {
    clear_problems_for("UUIDs", problems);
    if (!value.containsValueOfType<std::vector<std::string>>()) {
        problems.push_back(mismatch("UUIDs", "as", value));
        return assign_if_changed(facts.uuids, {});
    }
    std::vector<std::string> uuids;
    for (const auto& text : value.get<std::vector<std::string>>()) {
        if (auto uuid = policy::normalize_uuid(text)) {
            uuids.push_back(std::move(*uuid));
        } else {
            problems.push_back("UUIDs: not a UUID: '" + text.substr(0, 64) + "'");
        }
    }
    std::sort(uuids.begin(), uuids.end());
    uuids.erase(std::unique(uuids.begin(), uuids.end()), uuids.end());
    return assign_if_changed(facts.uuids, std::move(uuids));
}

bool apply_service_data(const sdbus::Variant& value, policy::DeviceFacts& facts,
                        std::vector<std::string>& problems) {
    using Dict = std::map<std::string, sdbus::Variant>;
    clear_problems_for("ServiceData", problems);
    if (!value.containsValueOfType<Dict>()) {
        problems.push_back(mismatch("ServiceData", "a{sv}", value));
        return assign_if_changed(facts.service_data, {});
    }
    std::map<std::string, std::vector<std::uint8_t>> data;
    for (const auto& [key, bytes] : value.get<Dict>()) {
        const auto uuid = policy::normalize_uuid(key);
        if (!uuid) {
            problems.push_back("ServiceData: not a UUID: '" + key.substr(0, 64) + "'");
            continue;
        }
        if (!bytes.containsValueOfType<std::vector<std::uint8_t>>()) {
            problems.push_back(mismatch("ServiceData[" + *uuid + "]", "ay", bytes));
            continue;
        }
        data[*uuid] = bytes.get<std::vector<std::uint8_t>>();
    }
    return assign_if_changed(facts.service_data, std::move(data));
}

}  // namespace

void clear_problems_for(const std::string& property, std::vector<std::string>& problems) {
    std::erase_if(problems, [&](const std::string& problem) {
        return problem.starts_with(property + ":") || problem.starts_with(property + "[");
    });
}

std::optional<std::string> string_property(const PropertyMap& properties, const std::string& name) {
    const auto it = properties.find(name);
    if (it == properties.end()) {
        return std::nullopt;
    }
    if (it->second.containsValueOfType<std::string>()) {
        return it->second.get<std::string>();
    }
    if (it->second.containsValueOfType<sdbus::ObjectPath>()) {
        return std::string(it->second.get<sdbus::ObjectPath>());
    }
    return std::nullopt;
}

std::optional<std::vector<std::string>> string_list_property(const PropertyMap& properties,
                                                             const std::string& name) {
    const auto it = properties.find(name);
    if (it == properties.end() || !it->second.containsValueOfType<std::vector<std::string>>()) {
        return std::nullopt;
    }
    return it->second.get<std::vector<std::string>>();
}

FactChanges apply_device_properties(const PropertyMap& properties, policy::DeviceFacts& facts,
                                    std::vector<std::string>& problems) {
    FactChanges changes;
    for (const auto& [name, value] : properties) {
        if (name == "UUIDs") {
            changes.identity |= apply_uuids(value, facts, problems);
        } else if (name == "ServiceData") {
            changes.identity |= apply_service_data(value, facts, problems);
        } else if (name == "Name") {
            changes.identity |= apply_typed(name, value, "s", facts.name, problems);
        } else if (name == "Alias") {
            changes.identity |= apply_typed(name, value, "s", facts.alias, problems);
        } else if (name == "AddressType") {
            changes.identity |= apply_typed(name, value, "s", facts.address_type, problems);
        } else if (name == "Address") {
            clear_problems_for(name, problems);
            if (!value.containsValueOfType<std::string>()) {
                problems.push_back(mismatch(name, "s", value));
            } else if (auto normalized = policy::normalize_address(value.get<std::string>())) {
                changes.identity |= assign_if_changed(facts.address, std::move(*normalized));
            } else {
                problems.push_back("Address: malformed '" + value.get<std::string>().substr(0, 64) +
                                   "'");
            }
        } else if (name == "Paired") {
            changes.engagement |= apply_typed(name, value, "b", facts.paired, problems);
        } else if (name == "Bonded") {
            changes.engagement |= apply_typed(name, value, "b", facts.bonded, problems);
        } else if (name == "Connected") {
            changes.engagement |= apply_typed(name, value, "b", facts.connected, problems);
        } else if (name == "Trusted") {
            changes.engagement |= apply_typed(name, value, "b", facts.trusted, problems);
        } else if (name == "Blocked") {
            changes.engagement |= apply_typed(name, value, "b", facts.blocked, problems);
        } else if (name == "ServicesResolved") {
            changes.engagement |= apply_typed(name, value, "b", facts.services_resolved, problems);
        }
        // Everything else (RSSI, TxPower, ManufacturerData...) does not
        // enter a decision and is ignored: the hot path of a crowded room.
    }
    return changes;
}

}  // namespace btfence::bluez
