// The BlueZ mirror: facts kept current, wrong types survived, the table bounded.
#include "bluez/mirror.hpp"

#include <gtest/gtest.h>

#include "device_builder.hpp"

namespace btfence::testing {
namespace {

TEST(TheMirror, NormalisesUuidsAndAddressesFromBluez) {
    bluez::BluezMirror mirror;
    add_adapter(mirror, "hci0", "00:aa:01:00:00:00");
    DeviceBuilder device;
    device.at("aa:bb:cc:dd:ee:ff").uuids({"0000FFFD-0000-1000-8000-00805F9B34FB"}).add_to(mirror);
    const auto* state = mirror.device(device.path());
    ASSERT_NE(state, nullptr);
    EXPECT_EQ(state->facts.address, "AA:BB:CC:DD:EE:FF");
    EXPECT_EQ(state->facts.uuids, kFidoUuids);
    EXPECT_EQ(state->facts.adapter, "hci0");
    EXPECT_EQ(state->facts.adapter_address, "00:AA:01:00:00:00");
}

TEST(TheMirror, RecordsWrongTypesAsProblemsInsteadOfCrashing) {
    bluez::BluezMirror mirror;
    DeviceBuilder device;
    device.properties["Paired"] = bluez::PropertyValue(std::string("yes"));
    device.properties["ServiceData"] = bluez::UnexpectedType{"i"};
    device.add_to(mirror);
    const auto* state = mirror.device(device.path());
    ASSERT_NE(state, nullptr);
    EXPECT_EQ(state->problems.size(), 2U);
    EXPECT_FALSE(state->facts.paired);

    mirror.properties_changed(
        device.path(), "org.bluez.Device1",
        {{"Paired", bluez::PropertyValue(true)}, {"ServiceData", bluez::ServiceDataValue{}}});
    EXPECT_TRUE(mirror.device(device.path())->problems.empty())
        << "a well-typed value clears the problem";
}

TEST(TheMirror, ReadsHybridServiceData) {
    bluez::BluezMirror mirror;
    DeviceBuilder phone;
    phone.properties["ServiceData"] = bluez::ServiceDataValue{
        {"0000fff9-0000-1000-8000-00805f9b34fb", std::vector<std::uint8_t>(20, 0xAB)}};
    phone.add_to(mirror);
    const auto& data = mirror.device(phone.path())->facts.service_data;
    ASSERT_EQ(data.size(), 1U);
    EXPECT_EQ(data.begin()->second.size(), 20U);
}

TEST(TheMirror, StaysBoundedButNeverForgetsAnEngagedDevice) {
    bluez::BluezMirror mirror(100);
    DeviceBuilder paired;
    paired.at("00:00:00:00:FF:FF").flag("Paired").add_to(mirror);
    for (int i = 0; i < 1000; ++i) {
        char address[18];
        std::snprintf(address, sizeof address, "10:00:00:00:%02X:%02X", (i >> 8) & 0xFF, i & 0xFF);
        DeviceBuilder advertiser;
        advertiser.at(address).add_to(mirror);
    }
    EXPECT_LE(mirror.device_count(), 100U);
    EXPECT_NE(mirror.device(paired.path()), nullptr);
}

TEST(TheMirror, WhenFullForgetsTheDeviceHeardFromLeastRecentlyRssiIncluded) {
    bluez::BluezMirror mirror(3);
    DeviceBuilder key;
    key.at("C0:FF:EE:00:00:01").uuids(kFidoUuids).add_to(mirror);
    DeviceBuilder quiet;
    quiet.at("10:00:00:00:00:01").add_to(mirror);
    DeviceBuilder other;
    other.at("10:00:00:00:00:02").add_to(mirror);
    // The key keeps advertising: only its RSSI changes, which no decision depends on.
    mirror.properties_changed(key.path(), "org.bluez.Device1",
                              {{"RSSI", bluez::UnexpectedType{"n"}}});
    DeviceBuilder newcomer;
    newcomer.at("10:00:00:00:00:03").add_to(mirror);
    EXPECT_NE(mirror.device(key.path()), nullptr) << "a device still advertising was forgotten";
    EXPECT_EQ(mirror.device(quiet.path()), nullptr);
    EXPECT_NE(mirror.device(newcomer.path()), nullptr);
}

TEST(TheMirror, CountsADeviceHeardFromAsRecentWithoutAnyChange) {
    bluez::BluezMirror mirror(2);
    DeviceBuilder key;
    key.at("C0:FF:EE:00:00:01").uuids(kFidoUuids).add_to(mirror);
    DeviceBuilder quiet;
    quiet.at("10:00:00:00:00:01").add_to(mirror);
    mirror.heard_from(key.path());  // an RSSI-only signal, handled without a PropertyMap
    mirror.heard_from("/org/bluez/hci0/dev_99_99_99_99_99_99");  // unknown: ignored
    DeviceBuilder newcomer;
    newcomer.at("10:00:00:00:00:02").add_to(mirror);
    EXPECT_NE(mirror.device(key.path()), nullptr);
    EXPECT_EQ(mirror.device(quiet.path()), nullptr);
    EXPECT_EQ(mirror.device_count(), 2U);
}

TEST(TheMirror, ForgetsEverythingWhenBluezLeaves) {
    bluez::BluezMirror mirror;
    add_adapter(mirror, "hci0", "00:AA:01:00:00:00");
    DeviceBuilder().add_to(mirror);
    mirror.clear();
    EXPECT_EQ(mirror.device_count(), 0U);
    EXPECT_TRUE(mirror.adapters().empty());
}

}  // namespace
}  // namespace btfence::testing
