// Reading BlueZ's property bodies off the wire (agent/daemon/bluez/property_reader.hpp), then
// decoding them into a device's facts as the watch does: the wrong types bluetoothd must not
// send are reported by name and type, a body of the wrong shape is refused as a whole, and
// what no decision reads is never decoded.
#include "bluez/property_reader.hpp"

#include <gtest/gtest.h>

#include "bluez/property_decoder.hpp"
#include "sd_bus_message_builder.hpp"

namespace btfence::testing {
namespace {

constexpr const char* kPath = "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01";
constexpr const char* kProperties = "org.freedesktop.DBus.Properties";
constexpr const char* kFido = "0000fffd-0000-1000-8000-00805f9b34fb";

struct Decoded {
    std::string interface;
    bluez::PropertyMap changed;
    policy::DeviceFacts facts;
    std::vector<std::string> problems;
};

// Reads a PropertiesChanged body and applies it to fresh facts.
Decoded decode(MessageBuilder& signal) {
    Decoded out;
    out.interface = bluez::read_properties_changed(signal.read(), out.changed);
    bluez::apply_device_properties(out.changed, out.facts, out.problems);
    return out;
}

class ThePropertyReader : public ::testing::Test {
  protected:
    MessageBuilder properties_changed() { return {bus_, kPath, kProperties, "PropertiesChanged"}; }
    OfflineBus bus_;
};

TEST_F(ThePropertyReader, DecodesNothingForAnRssiOnlyChange) {
    auto signal = properties_changed();
    signal.append("sa{sv}as", "org.bluez.Device1", 2, "RSSI", "n", std::int16_t{-60}, "TxPower",
                  "n", std::int16_t{4}, 0);
    const Decoded out = decode(signal);
    EXPECT_EQ(out.interface, "org.bluez.Device1");
    EXPECT_TRUE(out.changed.empty()) << "RSSI and TxPower enter no decision";
}

TEST_F(ThePropertyReader, SkipsAnRssiOfAnotherTypeAndReadsWhatFollows) {
    auto signal = properties_changed();
    signal.append("sa{sv}as", "org.bluez.Device1", 3, "RSSI", "i", std::int32_t{-60}, "TxPower",
                  "s", "loud", "Paired", "b", 1, 0);
    const Decoded out = decode(signal);
    EXPECT_EQ(out.changed.size(), 1U);
    EXPECT_TRUE(out.facts.paired);
}

TEST_F(ThePropertyReader, ReadsTheDocumentedTypes) {
    auto signal = properties_changed();
    signal.append("sa{sv}", "org.bluez.Device1", 5, "UUIDs", "as", 2,
                  "0000FFFD-0000-1000-8000-00805F9B34FB", "00001812-0000-1000-8000-00805f9b34fb",
                  "Name", "s", "Key", "Paired", "b", 1, "Adapter", "o", "/org/bluez/hci0",
                  "ManufacturerData", "a{qv}", 1, std::uint16_t{0x4C}, "ay", 2, 0x01, 0x02);
    signal.append("as", 0);
    const Decoded out = decode(signal);
    EXPECT_EQ(out.changed.size(), 4U) << "ManufacturerData is skipped unread";
    EXPECT_TRUE(out.problems.empty());
    EXPECT_EQ(out.facts.uuids,
              (std::vector<std::string>{"00001812-0000-1000-8000-00805f9b34fb", kFido}));
    EXPECT_EQ(out.facts.name, "Key");
    EXPECT_TRUE(out.facts.paired);
    EXPECT_EQ(bluez::string_property(out.changed, "Adapter"), "/org/bluez/hci0");
}

TEST_F(ThePropertyReader, ReadsServiceDataAndReportsAnEntryOfAnotherType) {
    auto signal = properties_changed();
    signal.append("sa{sv}as", "org.bluez.Device1", 1, "ServiceData", "a{sv}", 2, "fff9", "ay", 3,
                  0xAB, 0xCD, 0xEF, "fffd", "s", "not bytes", 0);
    const Decoded out = decode(signal);
    ASSERT_EQ(out.facts.service_data.size(), 1U);
    EXPECT_EQ(out.facts.service_data.begin()->second,
              (std::vector<std::uint8_t>{0xAB, 0xCD, 0xEF}));
    EXPECT_EQ(out.problems, (std::vector<std::string>{"ServiceData[" + std::string(kFido) +
                                                      "]: expected ay, got s"}));
}

TEST_F(ThePropertyReader, ReportsEachWrongTypeByItsSignatureAndFailsClosed) {
    auto signal = properties_changed();
    signal.append("sa{sv}as", "org.bluez.Device1", 4, "UUIDs", "s", kFido, "Paired", "s", "yes",
                  "Name", "i", std::int32_t{7}, "ServiceData", "v", "ay", 1, 0x00, 0);
    const Decoded out = decode(signal);
    EXPECT_TRUE(out.facts.uuids.empty());
    EXPECT_FALSE(out.facts.paired);
    EXPECT_EQ(out.problems,
              (std::vector<std::string>{"Name: expected s, got i", "Paired: expected b, got s",
                                        "ServiceData: expected a{sv}, got v",
                                        "UUIDs: expected as, got s"}));
}

TEST_F(ThePropertyReader, RefusesABodyOfTheWrongShape) {
    auto signal = properties_changed();
    signal.append("si", "org.bluez.Device1", 1);
    bluez::PropertyMap changed;
    try {
        (void)bluez::read_properties_changed(signal.read(), changed);
        FAIL() << "a body that is not sa{sv}as was read";
    } catch (const bluez::MalformedBody& e) {
        EXPECT_STREQ(e.what(), "body is 'si', expected 'sa{sv}'");
    }
}

TEST_F(ThePropertyReader, ReadsInterfacesAddedAndGetManagedObjectsAlike) {
    MessageBuilder added(bus_, "/", "org.freedesktop.DBus.ObjectManager", "InterfacesAdded");
    added.append("oa{sa{sv}}", kPath, 2, "org.bluez.Device1", 2, "Address", "s",
                 "aa:bb:cc:dd:ee:01", "RSSI", "n", std::int16_t{-40}, "org.bluez.Battery1", 1,
                 "Percentage", "y", std::uint8_t{80});
    bluez::InterfaceMap interfaces;
    EXPECT_EQ(bluez::read_interfaces_added(added.read(), interfaces), kPath);
    ASSERT_EQ(interfaces.size(), 2U);
    EXPECT_EQ(bluez::string_property(interfaces.at("org.bluez.Device1"), "Address"),
              "aa:bb:cc:dd:ee:01");
    EXPECT_TRUE(interfaces.at("org.bluez.Battery1").empty());

    MessageBuilder reply(bus_, "/", "org.freedesktop.DBus.ObjectManager", "Reply");
    reply.append("a{oa{sa{sv}}}", 2, "/org/bluez/hci0", 1, "org.bluez.Adapter1", 1, "Address", "s",
                 "00:aa:01:00:00:00", kPath, 1, "org.bluez.Device1", 1, "Paired", "b", 1);
    const auto objects = bluez::read_managed_objects(reply.read());
    ASSERT_EQ(objects.size(), 2U);
    EXPECT_EQ(
        bluez::string_property(objects.at("/org/bluez/hci0").at("org.bluez.Adapter1"), "Address"),
        "00:aa:01:00:00:00");
    EXPECT_EQ(objects.at(kPath).at("org.bluez.Device1").at("Paired"), bluez::PropertyValue(true));
}

}  // namespace
}  // namespace btfence::testing
