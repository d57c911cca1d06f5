#include "device_json.hpp"

#include <nlohmann/json.hpp>

#include "btfence/policy/address.hpp"
#include "btfence/policy/uuid.hpp"

namespace btfence::ctl {
namespace {

using Json = nlohmann::json;

struct BadField {
    std::string message;
};

std::string string_field(const Json& json, const char* key) {
    if (!json.contains(key)) {
        return {};
    }
    if (!json[key].is_string()) {
        throw BadField{std::string(key) + " must be a string"};
    }
    return json[key].get<std::string>();
}

bool bool_field(const Json& json, const char* key) {
    if (!json.contains(key)) {
        return false;
    }
    if (!json[key].is_boolean()) {
        throw BadField{std::string(key) + " must be true or false"};
    }
    return json[key].get<bool>();
}

std::vector<std::uint8_t> hex_bytes(const std::string& hex, const std::string& key) {
    std::string digits;
    for (char c : hex) {
        if (c != ' ' && c != ':') {
            digits.push_back(c);
        }
    }
    if (digits.size() % 2 != 0) {
        throw BadField{"ServiceData[" + key + "] must be an even number of hex digits"};
    }
    std::vector<std::uint8_t> bytes;
    for (std::size_t i = 0; i < digits.size(); i += 2) {
        try {
            std::size_t used = 0;
            const auto value = std::stoul(digits.substr(i, 2), &used, 16);
            if (used != 2) {
                throw std::invalid_argument("partial");
            }
            bytes.push_back(static_cast<std::uint8_t>(value));
        } catch (const std::logic_error&) {
            throw BadField{"ServiceData[" + key + "] is not hex: \"" + hex + "\""};
        }
    }
    return bytes;
}

policy::DeviceFacts read_facts(const Json& json) {
    if (!json.is_object()) {
        throw BadField{"DEVICE.json must hold one JSON object"};
    }
    policy::DeviceFacts facts;
    facts.adapter = string_field(json, "Adapter");
    if (facts.adapter.starts_with("/org/bluez/")) {
        facts.adapter = facts.adapter.substr(std::string("/org/bluez/").size());
    }
    if (facts.adapter.empty()) {
        facts.adapter = "hci0";
    }
    if (const auto address = string_field(json, "AdapterAddress"); !address.empty()) {
        facts.adapter_address = policy::normalize_address(address).value_or(address);
    }
    const auto address = string_field(json, "Address");
    if (!address.empty()) {
        const auto normalized = policy::normalize_address(address);
        if (!normalized) {
            throw BadField{"Address is not a Bluetooth address: \"" + address + "\""};
        }
        facts.address = *normalized;
    }
    facts.address_type = string_field(json, "AddressType");
    facts.name = string_field(json, "Name");
    facts.alias = string_field(json, "Alias");
    if (json.contains("UUIDs")) {
        if (!json["UUIDs"].is_array()) {
            throw BadField{"UUIDs must be an array of strings"};
        }
        for (const auto& entry : json["UUIDs"]) {
            const auto uuid =
                entry.is_string() ? policy::normalize_uuid(entry.get<std::string>()) : std::nullopt;
            if (!uuid) {
                throw BadField{"UUIDs holds something that is not a UUID: " + entry.dump()};
            }
            facts.uuids.push_back(*uuid);
        }
    }
    if (json.contains("ServiceData")) {
        if (!json["ServiceData"].is_object()) {
            throw BadField{"ServiceData must be an object {uuid: hex string}"};
        }
        for (const auto& [key, value] : json["ServiceData"].items()) {
            const auto uuid = policy::normalize_uuid(key);
            if (!uuid || !value.is_string()) {
                throw BadField{"ServiceData entries are {uuid: hex string}; bad entry \"" + key +
                               "\""};
            }
            facts.service_data[*uuid] = hex_bytes(value.get<std::string>(), key);
        }
    }
    facts.paired = bool_field(json, "Paired");
    facts.bonded = bool_field(json, "Bonded");
    facts.connected = bool_field(json, "Connected");
    facts.trusted = bool_field(json, "Trusted");
    facts.blocked = bool_field(json, "Blocked");
    if (json.contains("Verification")) {
        const Json& v = json["Verification"];
        if (!v.is_object()) {
            throw BadField{"Verification must be an object {\"passed\": bool, \"aaguid\": string}"};
        }
        policy::Verification verification;
        verification.passed = bool_field(v, "passed");
        const auto aaguid = string_field(v, "aaguid");
        if (!aaguid.empty()) {
            const auto normalized = policy::normalize_aaguid(aaguid);
            if (!normalized) {
                throw BadField{"Verification.aaguid is not an AAGUID: \"" + aaguid + "\""};
            }
            verification.aaguid = *normalized;
        }
        facts.verification = verification;
    }
    return facts;
}

}  // namespace

std::variant<policy::DeviceFacts, std::string> parse_device_json(const std::string& text) {
    const Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) {
        return std::string("DEVICE.json is not valid JSON");
    }
    try {
        return read_facts(json);
    } catch (const BadField& bad) {
        return bad.message;
    }
}

}  // namespace btfence::ctl
