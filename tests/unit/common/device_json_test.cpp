// DEVICE.json, the input of `btfencectl explain`: BlueZ Device1 property names in, normalised
// facts out, and a message naming the property when something is wrong.
#include "device_json.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace btfence {
namespace {

using ::testing::HasSubstr;

policy::DeviceFacts accepted(const std::string& text) {
    auto parsed = parse_device_json(text);
    if (const auto* error = std::get_if<std::string>(&parsed)) {
        ADD_FAILURE() << "rejected: " << *error;
        return {};
    }
    return std::get<policy::DeviceFacts>(parsed);
}

std::string rejection(const std::string& text) {
    auto parsed = parse_device_json(text);
    const auto* error = std::get_if<std::string>(&parsed);
    return error != nullptr ? *error : std::string("accepted");
}

TEST(ADeviceJson, ReadsBluezPropertyNamesAndNormalisesThem) {
    const auto facts = accepted(R"({
        "Adapter": "/org/bluez/hci1", "AdapterAddress": "00:1a:7d:da:71:13",
        "Address": "c0:ff:ee:00:00:01", "AddressType": "random",
        "Name": "Key", "Alias": "My key",
        "UUIDs": ["fffd", "0x180A", "0000180F-0000-1000-8000-00805F9B34FB"],
        "ServiceData": {"fff9": "00 11:22"}, "Paired": true, "Bonded": true,
        "Connected": false, "Trusted": true, "Blocked": false,
        "Verification": {"passed": true, "aaguid": "90A3CCDF635C4729A2489B709135078F",
                         "detail": "FIDO_2_1, rk"}})");
    EXPECT_EQ(facts.adapter, "hci1");
    EXPECT_EQ(facts.adapter_address, "00:1A:7D:DA:71:13");
    EXPECT_EQ(facts.address, "C0:FF:EE:00:00:01");
    EXPECT_EQ(facts.address_type, "random");
    EXPECT_EQ(facts.name, "Key");
    EXPECT_EQ(facts.alias, "My key");
    EXPECT_EQ(facts.uuids, (std::vector<std::string>{"0000fffd-0000-1000-8000-00805f9b34fb",
                                                     "0000180a-0000-1000-8000-00805f9b34fb",
                                                     "0000180f-0000-1000-8000-00805f9b34fb"}));
    EXPECT_EQ(facts.service_data.at("0000fff9-0000-1000-8000-00805f9b34fb"),
              (std::vector<std::uint8_t>{0x00, 0x11, 0x22}));
    EXPECT_TRUE(facts.paired);
    EXPECT_TRUE(facts.bonded);
    EXPECT_FALSE(facts.connected);
    EXPECT_TRUE(facts.trusted);
    EXPECT_FALSE(facts.blocked);
    ASSERT_TRUE(facts.verification.has_value());
    EXPECT_TRUE(facts.verification->passed());
    EXPECT_EQ(facts.verification->aaguid, "90a3ccdf-635c-4729-a248-9b709135078f");
    EXPECT_EQ(facts.verification->detail, "FIDO_2_1, rk");
}

TEST(ADeviceJsonWithoutAdapter, IsOnHci0) {
    const auto facts = accepted(R"({"Address": "AA:BB:CC:DD:EE:FF"})");
    EXPECT_EQ(facts.adapter, "hci0");
    EXPECT_FALSE(facts.paired);
    EXPECT_FALSE(facts.verification.has_value());
}

TEST(ServiceDataAsAListOfBytes, IsAcceptedLikeHex) {
    const auto facts = accepted(R"({"ServiceData": {"0xFDE2": [0, 17, 255]}})");
    EXPECT_EQ(facts.service_data.at("0000fde2-0000-1000-8000-00805f9b34fb"),
              (std::vector<std::uint8_t>{0x00, 0x11, 0xFF}));
}

TEST(BluezPropertiesThatDecisionsDoNotRead, AreIgnored) {
    const auto facts = accepted(R"({"Address": "AA:BB:CC:DD:EE:FF", "RSSI": -60, "Class": 9536,
        "Icon": "input-keyboard", "ManufacturerData": {"76": "0215"}, "ServicesResolved": true})");
    EXPECT_EQ(facts.address, "AA:BB:CC:DD:EE:FF");
}

TEST(AnUnknownProperty, IsRejectedSoThatATypoDoesNotHideServices) {
    EXPECT_THAT(rejection(R"({"Uuids": ["fffd"]})"), HasSubstr("unknown property \"Uuids\""));
}

TEST(ABadDeviceJson, IsRejectedWithTheOffendingField) {
    EXPECT_THAT(rejection("{"), HasSubstr("not valid JSON"));
    EXPECT_THAT(rejection("{\n\"Address\": }"), HasSubstr("line 2"));
    EXPECT_THAT(rejection("[]"), HasSubstr("one JSON object"));
    EXPECT_THAT(rejection(R"({"Address": "AA:BB"})"), HasSubstr("Address"));
    EXPECT_THAT(rejection(R"({"AdapterAddress": "hci0"})"), HasSubstr("AdapterAddress"));
    EXPECT_THAT(rejection(R"({"AddressType": "static"})"), HasSubstr("AddressType"));
    EXPECT_THAT(rejection(R"({"Name": 7})"), HasSubstr("Name must be a string"));
    EXPECT_THAT(rejection(R"({"UUIDs": ["not-a-uuid"]})"), HasSubstr("UUIDs"));
    EXPECT_THAT(rejection(R"({"UUIDs": "fffd"})"), HasSubstr("UUIDs"));
    EXPECT_THAT(rejection(R"({"ServiceData": []})"), HasSubstr("ServiceData"));
    EXPECT_THAT(rejection(R"({"ServiceData": {"nope": "00"}})"), HasSubstr("ServiceData key"));
    EXPECT_THAT(rejection(R"({"ServiceData": {"fff9": "0g"}})"), HasSubstr("ServiceData[fff9]"));
    EXPECT_THAT(rejection(R"({"ServiceData": {"fff9": "001"}})"), HasSubstr("even"));
    EXPECT_THAT(rejection(R"({"ServiceData": {"fff9": [256]}})"), HasSubstr("0-255"));
    EXPECT_THAT(rejection(R"({"Paired": "yes"})"), HasSubstr("Paired must be true or false"));
    EXPECT_THAT(rejection(R"({"Verification": true})"), HasSubstr("Verification"));
    EXPECT_THAT(rejection(R"({"Verification": {"passed": 1}})"), HasSubstr("Verification.passed"));
    EXPECT_THAT(rejection(R"({"Verification": {"aaguid": "xyz"}})"),
                HasSubstr("Verification.aaguid"));
    EXPECT_THAT(rejection(R"({"Verification": {"pass": true}})"), HasSubstr("unknown key"));
}

}  // namespace
}  // namespace btfence
