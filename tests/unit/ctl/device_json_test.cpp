// DEVICE.json, the input of `btfencectl explain`.
#include "device_json.hpp"

#include <gtest/gtest.h>

namespace btfence::ctl {
namespace {

TEST(ADeviceJson, ReadsBluezPropertyNamesAndNormalisesThem) {
    const auto parsed = parse_device_json(R"({
        "Adapter": "/org/bluez/hci1", "Address": "c0:ff:ee:00:00:01", "AddressType": "random",
        "Name": "Key", "UUIDs": ["fffd", "0000180F-0000-1000-8000-00805F9B34FB"],
        "ServiceData": {"fff9": "00 11 22"}, "Paired": true,
        "Verification": {"passed": true, "aaguid": "90A3CCDF635C4729A2489B709135078F"}})");
    ASSERT_TRUE(std::holds_alternative<policy::DeviceFacts>(parsed)) << std::get<std::string>(parsed);
    const auto& facts = std::get<policy::DeviceFacts>(parsed);
    EXPECT_EQ(facts.adapter, "hci1");
    EXPECT_EQ(facts.address, "C0:FF:EE:00:00:01");
    EXPECT_EQ(facts.uuids.front(), "0000fffd-0000-1000-8000-00805f9b34fb");
    EXPECT_EQ(facts.service_data.at("0000fff9-0000-1000-8000-00805f9b34fb"),
              (std::vector<std::uint8_t>{0x00, 0x11, 0x22}));
    EXPECT_TRUE(facts.paired);
    EXPECT_FALSE(facts.bonded);
    ASSERT_TRUE(facts.verification.has_value());
    EXPECT_EQ(facts.verification->aaguid, "90a3ccdf-635c-4729-a248-9b709135078f");
}

TEST(ADeviceJson, DefaultsToAdapterHci0) {
    const auto parsed = parse_device_json(R"({"Address": "AA:BB:CC:DD:EE:FF"})");
    ASSERT_TRUE(std::holds_alternative<policy::DeviceFacts>(parsed));
    EXPECT_EQ(std::get<policy::DeviceFacts>(parsed).adapter, "hci0");
}

TEST(ADeviceJson, NamesTheFieldThatIsWrong) {
    const auto error = [](const std::string& text) {
        const auto parsed = parse_device_json(text);
        return std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : std::string("accepted");
    };
    EXPECT_NE(error("{").find("not valid JSON"), std::string::npos);
    EXPECT_NE(error("[]").find("one JSON object"), std::string::npos);
    EXPECT_NE(error(R"({"Address": "AA:BB"})").find("Address"), std::string::npos);
    EXPECT_NE(error(R"({"UUIDs": ["not-a-uuid"]})").find("UUIDs"), std::string::npos);
    EXPECT_NE(error(R"({"UUIDs": "fffd"})").find("UUIDs"), std::string::npos);
    EXPECT_NE(error(R"({"ServiceData": {"fff9": "0g"}})").find("ServiceData"), std::string::npos);
    EXPECT_NE(error(R"({"ServiceData": {"fff9": "001"}})").find("even"), std::string::npos);
    EXPECT_NE(error(R"({"Paired": "yes"})").find("Paired"), std::string::npos);
}

}  // namespace
}  // namespace btfence::ctl
