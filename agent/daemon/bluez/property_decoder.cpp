#include "bluez/property_decoder.hpp"

#include <algorithm>
#include <array>

#include "btfence/policy/address.hpp"
#include "btfence/policy/uuid.hpp"

namespace btfence::bluez {
namespace {

// Every property apply_device_properties() and the mirror read (keep in step with them), with
// the type BlueZ documents for it (bluez 5.66 doc/device-api.txt, adapter-api.txt,
// admin-policy-api.txt).
struct ReadProperty {
    std::string_view name;
    const char* type;
};
constexpr std::array<ReadProperty, 14> kReadProperties = {{
    {"UUIDs", "as"},
    {"ServiceData", "a{sv}"},
    {"Name", "s"},
    {"Alias", "s"},
    {"AddressType", "s"},
    {"Address", "s"},
    {"Paired", "b"},
    {"Bonded", "b"},
    {"Connected", "b"},
    {"Trusted", "b"},
    {"Blocked", "b"},
    {"ServicesResolved", "b"},
    {"Adapter", "o"},
    {"ServiceAllowList", "as"},
}};

// "UUIDs: expected as, got s".
std::string type_mismatch(const std::string& name, std::string_view expected,
                          const std::string& actual) {
    return name + ": expected " + std::string(expected) + ", got " + actual;
}

// The expected type is the one the reader entered the value as (kReadProperties), so the two
// cannot disagree.
std::string type_mismatch(const std::string& name, const PropertyValue& value) {
    const char* expected = documented_type(name);
    return type_mismatch(name, expected != nullptr ? expected : "?", signature_of(value));
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
bool apply_typed(const std::string& name, const PropertyValue& value, T& field,
                 std::vector<std::string>& problems) {
    clear_problems_for(name, problems);  // one problem per property, the latest
    const T* typed = std::get_if<T>(&value);
    if (typed == nullptr) {
        problems.push_back(type_mismatch(name, value));
        return false;
    }
    return assign_if_changed(field, *typed);
}

bool apply_uuids(const PropertyValue& value, policy::DeviceFacts& facts,
                 std::vector<std::string>& problems) {
    clear_problems_for("UUIDs", problems);
    const auto* list = std::get_if<std::vector<std::string>>(&value);
    if (list == nullptr) {
        problems.push_back(type_mismatch("UUIDs", value));
        return assign_if_changed(facts.uuids, {});
    }
    std::vector<std::string> uuids;
    for (const auto& text : *list) {
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

bool apply_service_data(const PropertyValue& value, policy::DeviceFacts& facts,
                        std::vector<std::string>& problems) {
    clear_problems_for("ServiceData", problems);
    const auto* dict = std::get_if<ServiceDataValue>(&value);
    if (dict == nullptr) {
        problems.push_back(type_mismatch("ServiceData", value));
        return assign_if_changed(facts.service_data, {});
    }
    std::map<std::string, std::vector<std::uint8_t>> data;
    for (const auto& [key, entry] : *dict) {
        const auto uuid = policy::normalize_uuid(key);
        if (!uuid) {
            problems.push_back("ServiceData: not a UUID: '" + key.substr(0, 64) + "'");
            continue;
        }
        const auto* bytes = std::get_if<std::vector<std::uint8_t>>(&entry);
        if (bytes == nullptr) {
            problems.push_back(
                type_mismatch("ServiceData[" + *uuid + "]", "ay", signature_of(entry)));
            continue;
        }
        data[*uuid] = *bytes;
    }
    return assign_if_changed(facts.service_data, std::move(data));
}

}  // namespace

std::string signature_of(const PropertyValue& value) {
    struct Signature {
        std::string operator()(bool /*flag*/) const { return "b"; }
        std::string operator()(const std::string& /*text*/) const { return "s"; }
        std::string operator()(const ObjectPathValue& /*path*/) const { return "o"; }
        std::string operator()(const std::vector<std::string>& /*list*/) const { return "as"; }
        std::string operator()(const ServiceDataValue& /*dict*/) const { return "a{sv}"; }
        std::string operator()(const UnexpectedType& other) const { return other.signature; }
    };
    return std::visit(Signature{}, value);
}

std::string signature_of(const ServiceDataEntry& entry) {
    const auto* other = std::get_if<UnexpectedType>(&entry);
    return other == nullptr ? std::string("ay") : other->signature;
}

const char* documented_type(std::string_view name) {
    for (const auto& property : kReadProperties) {
        if (property.name == name) {
            return property.type;
        }
    }
    return nullptr;
}

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
    if (const auto* text = std::get_if<std::string>(&it->second)) {
        return *text;
    }
    if (const auto* path = std::get_if<ObjectPathValue>(&it->second)) {
        return path->path;
    }
    return std::nullopt;
}

std::optional<std::vector<std::string>> string_list_property(const PropertyMap& properties,
                                                             const std::string& name) {
    const auto it = properties.find(name);
    if (it == properties.end()) {
        return std::nullopt;
    }
    const auto* list = std::get_if<std::vector<std::string>>(&it->second);
    if (list == nullptr) {
        return std::nullopt;
    }
    return *list;
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
            changes.identity |= apply_typed(name, value, facts.name, problems);
        } else if (name == "Alias") {
            changes.identity |= apply_typed(name, value, facts.alias, problems);
        } else if (name == "AddressType") {
            changes.identity |= apply_typed(name, value, facts.address_type, problems);
        } else if (name == "Address") {
            clear_problems_for(name, problems);
            const auto* text = std::get_if<std::string>(&value);
            if (text == nullptr) {
                problems.push_back(type_mismatch(name, value));
            } else if (auto normalized = policy::normalize_address(*text)) {
                changes.identity |= assign_if_changed(facts.address, std::move(*normalized));
            } else {
                problems.push_back("Address: malformed '" + text->substr(0, 64) + "'");
            }
        } else if (name == "Paired") {
            changes.engagement |= apply_typed(name, value, facts.paired, problems);
        } else if (name == "Bonded") {
            changes.engagement |= apply_typed(name, value, facts.bonded, problems);
        } else if (name == "Connected") {
            changes.engagement |= apply_typed(name, value, facts.connected, problems);
        } else if (name == "Trusted") {
            changes.engagement |= apply_typed(name, value, facts.trusted, problems);
        } else if (name == "Blocked") {
            changes.engagement |= apply_typed(name, value, facts.blocked, problems);
        } else if (name == "ServicesResolved") {
            changes.engagement |= apply_typed(name, value, facts.services_resolved, problems);
        }
        // Everything else (RSSI, TxPower, ManufacturerData...) does not
        // enter a decision and is ignored: the hot path of a crowded room.
    }
    return changes;
}

}  // namespace btfence::bluez
