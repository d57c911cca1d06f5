#include "device_json.hpp"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <utility>

#include "btfence/policy/address.hpp"
#include "btfence/policy/uuid.hpp"

namespace btfence {
namespace {

using Json = nlohmann::json;

/// Thrown inside this file only: the first problem found, turned into the error result.
struct BadField {
    std::string message;
};

// Device1 properties of bluez 5.66 that no decision reads, plus what `explain` adds.
constexpr std::array kIgnoredProperties = {std::string_view{"Icon"},
                                           std::string_view{"Class"},
                                           std::string_view{"Appearance"},
                                           std::string_view{"WakeAllowed"},
                                           std::string_view{"LegacyPairing"},
                                           std::string_view{"Modalias"},
                                           std::string_view{"RSSI"},
                                           std::string_view{"TxPower"},
                                           std::string_view{"ManufacturerData"},
                                           std::string_view{"ServicesResolved"},
                                           std::string_view{"AdvertisingFlags"},
                                           std::string_view{"AdvertisingData"},
                                           std::string_view{"Sets"},
                                           std::string_view{"CablePairing"},
                                           std::string_view{"PreferredBearer"}};
constexpr std::array kReadProperties = {
    std::string_view{"Adapter"},   std::string_view{"AdapterAddress"},
    std::string_view{"Address"},   std::string_view{"AddressType"},
    std::string_view{"Name"},      std::string_view{"Alias"},
    std::string_view{"UUIDs"},     std::string_view{"ServiceData"},
    std::string_view{"Paired"},    std::string_view{"Bonded"},
    std::string_view{"Connected"}, std::string_view{"Trusted"},
    std::string_view{"Blocked"},   std::string_view{"Verification"}};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view key) {
    return std::find(list.begin(), list.end(), key) != list.end();
}

std::string string_field(const Json& json, const char* key, const std::string& where = {}) {
    if (!json.contains(key)) {
        return {};
    }
    if (!json[key].is_string()) {
        throw BadField{where + key + " must be a string, not " + json[key].dump()};
    }
    return json[key].get<std::string>();
}

bool bool_field(const Json& json, const char* key, const std::string& where = {}) {
    if (!json.contains(key)) {
        return false;
    }
    if (!json[key].is_boolean()) {
        throw BadField{where + key + " must be true or false, not " + json[key].dump()};
    }
    return json[key].get<bool>();
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/// "00 11:22aa" -> bytes; spaces and colons between bytes are allowed for readability.
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
        const int high = hex_digit(digits[i]);
        const int low = hex_digit(digits[i + 1]);
        if (high < 0 || low < 0) {
            std::string message = "ServiceData[" + key + "] is not hex: \"";
            message += hex;
            message += '"';
            throw BadField{std::move(message)};
        }
        bytes.push_back(static_cast<std::uint8_t>(high * 16 + low));
    }
    return bytes;
}

/// ServiceData values as a hex string or, as D-Bus tools print byte arrays, a list of numbers.
std::vector<std::uint8_t> service_data_bytes(const Json& value, const std::string& key) {
    if (value.is_string()) {
        return hex_bytes(value.get<std::string>(), key);
    }
    if (value.is_array()) {
        std::vector<std::uint8_t> bytes;
        for (const auto& element : value) {
            if (!element.is_number_unsigned() || element.get<std::uint64_t>() > 0xFF) {
                throw BadField{"ServiceData[" + key + "] must hold bytes (0-255), not " +
                               element.dump()};
            }
            bytes.push_back(static_cast<std::uint8_t>(element.get<std::uint64_t>()));
        }
        return bytes;
    }
    throw BadField{"ServiceData[" + key + "] must be a hex string, not " + value.dump()};
}

void read_adapter(const Json& json, policy::DeviceFacts& facts) {
    constexpr std::string_view kBluezPrefix = "/org/bluez/";
    facts.adapter = string_field(json, "Adapter");
    if (facts.adapter.starts_with(kBluezPrefix)) {  // Device1.Adapter is an object path
        facts.adapter.erase(0, kBluezPrefix.size());
    }
    if (facts.adapter.empty()) {
        facts.adapter = "hci0";
    }
    if (const auto address = string_field(json, "AdapterAddress"); !address.empty()) {
        const auto normalized = policy::normalize_address(address);
        if (!normalized) {
            throw BadField{"AdapterAddress is not a Bluetooth address: \"" + address + "\""};
        }
        facts.adapter_address = *normalized;
    }
}

void read_identity(const Json& json, policy::DeviceFacts& facts) {
    const auto address = string_field(json, "Address");
    if (!address.empty()) {
        const auto normalized = policy::normalize_address(address);
        if (!normalized) {
            throw BadField{"Address is not a Bluetooth address: \"" + address + "\""};
        }
        facts.address = *normalized;
    }
    facts.address_type = string_field(json, "AddressType");
    if (!facts.address_type.empty() && facts.address_type != "public" &&
        facts.address_type != "random") {
        throw BadField{"AddressType must be \"public\" or \"random\", not \"" + facts.address_type +
                       "\""};
    }
    facts.name = string_field(json, "Name");
    facts.alias = string_field(json, "Alias");
}

void read_services(const Json& json, policy::DeviceFacts& facts) {
    if (json.contains("UUIDs")) {
        if (!json["UUIDs"].is_array()) {
            throw BadField{"UUIDs must be an array of strings, not " + json["UUIDs"].dump()};
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
            if (!uuid) {
                throw BadField{"ServiceData key is not a UUID: \"" + key + "\""};
            }
            facts.service_data[*uuid] = service_data_bytes(value, key);
        }
    }
}

void read_verification(const Json& json, policy::DeviceFacts& facts) {
    if (!json.contains("Verification")) {
        return;
    }
    const Json& v = json["Verification"];
    if (!v.is_object()) {
        throw BadField{
            "Verification must be an object {\"state\": \"pending\"|\"passed\"|\"failed\"|"
            "\"inconclusive\", \"aaguid\": string, \"detail\": string}"};
    }
    for (const auto& [key, value] : v.items()) {
        if (key != "state" && key != "passed" && key != "aaguid" && key != "detail") {
            throw BadField{"Verification has an unknown key \"" + key +
                           "\" (expected state, aaguid, detail; or passed)"};
        }
    }
    policy::Verification verification;
    const auto aaguid = string_field(v, "aaguid", "Verification.");
    if (!aaguid.empty()) {
        const auto normalized = policy::normalize_aaguid(aaguid);
        if (!normalized) {
            throw BadField{"Verification.aaguid is not an AAGUID: \"" + aaguid + "\""};
        }
        verification.aaguid = *normalized;
    }
    // "passed": true/false is the older spelling of "state": "passed"/"failed".
    std::optional<policy::VerificationState> from_passed;
    if (v.contains("passed")) {
        from_passed = bool_field(v, "passed", "Verification.") ? policy::VerificationState::Passed
                                                               : policy::VerificationState::Failed;
    }
    if (v.contains("state")) {
        const auto text = string_field(v, "state", "Verification.");
        const auto state = policy::verification_state_from_string(text);
        if (!state) {
            throw BadField{
                "Verification.state must be \"pending\", \"passed\", \"failed\" or "
                "\"inconclusive\", not \"" +
                text + "\""};
        }
        if (from_passed && *from_passed != *state) {
            throw BadField{"Verification.passed contradicts Verification.state \"" + text +
                           "\" (give state alone)"};
        }
        verification.state = *state;
    } else if (from_passed) {
        verification.state = *from_passed;
    } else {
        throw BadField{
            "Verification needs a state (\"pending\", \"passed\", \"failed\" or "
            "\"inconclusive\")"};
    }
    verification.detail = string_field(v, "detail", "Verification.");
    facts.verification = verification;
}

policy::DeviceFacts read_facts(const Json& json) {
    if (!json.is_object()) {
        throw BadField{"DEVICE.json must hold one JSON object, not " +
                       std::string(json.type_name())};
    }
    for (const auto& [key, value] : json.items()) {
        if (!contains(kReadProperties, key) && !contains(kIgnoredProperties, key)) {
            throw BadField{"unknown property \"" + key +
                           "\" (expected BlueZ Device1 property names such as Address, Name, "
                           "UUIDs, ServiceData, Paired, plus Adapter and Verification)"};
        }
    }
    policy::DeviceFacts facts;
    read_adapter(json, facts);
    read_identity(json, facts);
    read_services(json, facts);
    facts.paired = bool_field(json, "Paired");
    facts.bonded = bool_field(json, "Bonded");
    facts.connected = bool_field(json, "Connected");
    facts.trusted = bool_field(json, "Trusted");
    facts.blocked = bool_field(json, "Blocked");
    read_verification(json, facts);
    return facts;
}

}  // namespace

std::variant<policy::DeviceFacts, std::string> parse_device_json(const std::string& text) {
    Json json;
    try {
        json = Json::parse(text);
    } catch (const Json::parse_error& e) {
        // what() starts with "[json.exception.parse_error.101] "; the rest is for people.
        std::string detail = e.what();
        if (const auto end = detail.find("] "); end != std::string::npos) {
            detail.erase(0, end + 2);
        }
        return "DEVICE.json is not valid JSON: " + detail;
    }
    try {
        return read_facts(json);
    } catch (const BadField& bad) {
        return bad.message;
    }
}

}  // namespace btfence
