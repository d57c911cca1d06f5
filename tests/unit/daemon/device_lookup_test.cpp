// DeviceLookup: a device the mirror does not hold is fetched from bluetoothd before the
// pairing gate decides about it; nothing waiting is ever left without an answer.
#include "bluez/device_lookup.hpp"

#include <gtest/gtest.h>

#include "device_builder.hpp"
#include "fakes.hpp"

namespace btfence::testing {
namespace {

class ADeviceLookup : public ::testing::Test {
  protected:
    ADeviceLookup() { calls.defer_get_all = true; }

    /// What bluetoothd's GetAll(org.bluez.Device1) returns for `device`.
    static bluez::PropertyMap properties_of(const DeviceBuilder& device) {
        return device.interfaces().at("org.bluez.Device1");
    }

    bluez::BluezMirror mirror;
    RecordingBluezCalls calls;
    bluez::DeviceLookup lookup{mirror, calls};
    int answered = 0;
    std::function<void()> count_answer = [this] { ++answered; };
};

TEST_F(ADeviceLookup, AnswersAtOnceWithoutACallForADeviceTheMirrorHolds) {
    DeviceBuilder key;
    key.uuids(kFidoUuids).add_to(mirror);
    lookup.ensure_known(key.path(), count_answer);
    EXPECT_EQ(answered, 1);
    EXPECT_EQ(calls.count("GetAll"), 0U);
}

TEST_F(ADeviceLookup, FetchesAnUnknownDeviceAndAnswersOnlyOnceItIsInTheMirror) {
    DeviceBuilder key;
    key.uuids(kFidoUuids);
    bool known_when_answered = false;
    lookup.ensure_known(key.path(), [&] {
        ++answered;
        known_when_answered = mirror.device(key.path()) != nullptr;
    });
    EXPECT_EQ(answered, 0) << "answered before bluetoothd replied";
    ASSERT_EQ(calls.count("GetAll"), 1U);
    EXPECT_EQ(calls.calls.back().path, key.path());

    calls.answer_get_all(properties_of(key));
    EXPECT_EQ(answered, 1);
    EXPECT_TRUE(known_when_answered);
    EXPECT_EQ(mirror.device(key.path())->facts.uuids, kFidoUuids);
}

TEST_F(ADeviceLookup, JoinsRequestsForTheSameDeviceIntoOneCall) {
    DeviceBuilder key;
    lookup.ensure_known(key.path(), count_answer);
    lookup.ensure_known(key.path(), count_answer);
    lookup.fetch_in_background(key.path());
    EXPECT_EQ(calls.count("GetAll"), 1U);
    calls.answer_get_all(properties_of(key));
    EXPECT_EQ(answered, 2);
    EXPECT_EQ(lookup.in_flight(), 0U);
}

TEST_F(ADeviceLookup, StillAnswersWhenBluetoothdDoesNotKnowTheDevice) {
    DeviceBuilder ghost;
    lookup.ensure_known(ghost.path(), count_answer);
    calls.answer_get_all({}, "org.freedesktop.DBus.Error.UnknownObject: no such object");
    EXPECT_EQ(answered, 1) << "the gate must still answer (it refuses an unknown device)";
    EXPECT_EQ(mirror.device(ghost.path()), nullptr);
}

TEST_F(ADeviceLookup, PrefersASignalThatArrivedWhileTheCallWasOut) {
    DeviceBuilder key;
    key.uuids(kFidoUuids);
    lookup.ensure_known(key.path(), count_answer);
    key.flag("Paired").add_to(mirror);  // InterfacesAdded, newer than the GetAll reply
    DeviceBuilder stale = key;
    stale.properties.erase("Paired");
    calls.answer_get_all(properties_of(stale));
    EXPECT_EQ(answered, 1);
    EXPECT_TRUE(mirror.device(key.path())->facts.paired);
}

TEST_F(ADeviceLookup, AnswersEveryoneWaitingWhenBluetoothdGoesAwayAndIgnoresLateReplies) {
    DeviceBuilder key;
    key.uuids(kFidoUuids);
    lookup.ensure_known(key.path(), count_answer);
    lookup.reset();
    EXPECT_EQ(answered, 1);
    calls.answer_get_all(properties_of(key));  // a reply from the bluetoothd that left
    EXPECT_EQ(answered, 1);
    EXPECT_EQ(mirror.device(key.path()), nullptr);
}

TEST_F(ADeviceLookup, BoundsBackgroundFetchesButNeverDropsAPairingQuestion) {
    for (std::size_t i = 0; i < bluez::DeviceLookup::kMaxBackgroundFetches + 10; ++i) {
        lookup.fetch_in_background("/org/bluez/hci0/dev_00_00_00_00_00_" + std::to_string(i));
    }
    EXPECT_EQ(calls.count("GetAll"), bluez::DeviceLookup::kMaxBackgroundFetches);
    DeviceBuilder key;
    lookup.ensure_known(key.path(), count_answer);
    EXPECT_EQ(calls.count("GetAll"), bluez::DeviceLookup::kMaxBackgroundFetches + 1);
}

}  // namespace
}  // namespace btfence::testing
