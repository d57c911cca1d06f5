#pragma once
// Shared by the policy library's tests: devices as BlueZ reports them, and policies written
// the way an admin writes them (TOML), so each test reads like the situation it describes.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "btfence/policy/device_facts.hpp"
#include "btfence/policy/parser.hpp"
#include "btfence/policy/time_format.hpp"
#include "btfence/policy/uuid.hpp"

namespace btfence::policy::testing {

inline std::vector<std::string> short_uuids(std::initializer_list<std::uint16_t> ids) {
    std::vector<std::string> out;
    for (const auto id : ids) {
        out.push_back(uuid_from_short(id));
    }
    return out;
}

inline std::vector<std::uint8_t> bytes(std::size_t count) {
    std::vector<std::uint8_t> out(count);
    for (std::size_t i = 0; i < count; ++i) {
        out[i] = static_cast<std::uint8_t>(0xA0U + i);
    }
    return out;
}

/// A device on hci0 with a public address; tests add what the situation needs.
inline DeviceFacts device(std::initializer_list<std::uint16_t> uuids = {}) {
    DeviceFacts facts;
    facts.adapter = "hci0";
    facts.adapter_address = "00:1A:7D:DA:71:13";
    facts.address = "C0:FF:EE:00:00:01";
    facts.address_type = "public";
    facts.uuids = short_uuids(uuids);
    return facts;
}

/// What a FIDO security key advertises before anything connects: only 0xFFFD.
inline DeviceFacts fido_key_advertising() {
    auto facts = device({uuids::kFido});
    facts.name = "YubiKey 5 NFC";
    facts.address_type = "random";
    return facts;
}

/// The same key after bonding, once BlueZ has replaced UUIDs with the GATT services found.
inline DeviceFacts fido_key_resolved() {
    auto facts = device(
        {uuids::kGap, uuids::kGatt, uuids::kDeviceInformation, uuids::kBattery, uuids::kFido});
    facts.name = "YubiKey 5 NFC";
    facts.address_type = "random";
    facts.paired = facts.bonded = facts.connected = true;
    return facts;
}

/// A phone's caBLE advert: service data under `service`, no UUIDs, a random address.
inline DeviceFacts hybrid_phone(std::uint16_t service, std::size_t data_bytes) {
    auto facts = device();
    facts.address = "5A:11:22:33:44:55";
    facts.address_type = "random";
    facts.service_data[uuid_from_short(service)] = bytes(data_bytes);
    return facts;
}

/// A BLE keyboard: HID over GATT, Battery, Device Information.
inline DeviceFacts keyboard() {
    auto facts = device({0x1812, uuids::kBattery, uuids::kDeviceInformation});
    facts.address = "C8:3F:26:11:22:33";
    facts.name = "Accessibility Keyboard K1";
    return facts;
}

/// A Bluetooth Classic headset: audio sink, AVRCP, handsfree, headset.
inline DeviceFacts headset() {
    auto facts = device({0x110B, 0x110E, 0x111E, 0x1108});
    facts.address = "00:1B:66:AA:BB:CC";
    facts.name = "Headset 700";
    return facts;
}

/// Parses a policy that the test expects to be valid; fails the test otherwise.
inline Policy policy_from(std::string_view toml) {
    auto result = parse_policy(toml, "test.toml");
    std::string errors;
    for (const auto& error : result.errors) {
        errors += error.to_string() + "\n";
    }
    EXPECT_TRUE(result.ok()) << errors;
    return result.ok() ? *result.policy : Policy{};
}

inline TimePoint at(std::string_view rfc3339) {
    const auto parsed = parse_rfc3339(rfc3339);
    EXPECT_TRUE(parsed.has_value()) << rfc3339;
    return parsed.value_or(TimePoint{});
}

}  // namespace btfence::policy::testing
