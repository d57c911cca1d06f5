// DeviceLookup: a device the mirror does not hold is fetched from bluetoothd before the
// pairing gate decides about it; nothing waiting is ever left without an answer, and every
// fetch ends (its budget slot is freed) whatever bluetoothd answers.
#include "bluez/device_lookup.hpp"

#include <gtest/gtest.h>

#include "device_builder.hpp"
#include "fakes.hpp"

namespace btfence::testing {
namespace {

class ADeviceLookup : public ::testing::Test {
  protected:
    /// Answers the oldest waiting GetAll with what bluetoothd holds for `device`.
    void answer_with(const DeviceBuilder& device) {
        calls.device_properties[device.path()] = device.interfaces().at("org.bluez.Device1");
        calls.answer("GetAll");
    }

    bluez::BluezMirror mirror;
    RecordingBluezCalls calls;
    FakeWakeupTimer timer;
    retry::RetryQueue retries{timer, retry::BackoffSettings{}};
    bluez::DeviceLookup lookup{mirror, calls, retries};
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

    answer_with(key);
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
    answer_with(key);
    EXPECT_EQ(answered, 2);
    EXPECT_EQ(lookup.in_flight(), 0U);
}

TEST_F(ADeviceLookup, StillAnswersWhenBluetoothdDoesNotKnowTheDevice) {
    DeviceBuilder ghost;
    lookup.ensure_known(ghost.path(), count_answer);
    calls.answer("GetAll", RecordingBluezCalls::error(bluez::ErrorKind::UnknownObject));
    EXPECT_EQ(answered, 1) << "the gate must still answer (it refuses an unknown device)";
    EXPECT_EQ(mirror.device(ghost.path()), nullptr);
    EXPECT_EQ(lookup.in_flight(), 0U) << "no retry for a device bluetoothd does not have";
    EXPECT_FALSE(timer.armed().has_value());
}

TEST_F(ADeviceLookup, PrefersASignalThatArrivedWhileTheCallWasOut) {
    DeviceBuilder key;
    key.uuids(kFidoUuids);
    lookup.ensure_known(key.path(), count_answer);
    key.flag("Paired").add_to(mirror);  // InterfacesAdded, newer than the GetAll reply
    DeviceBuilder stale = key;
    stale.properties.erase("Paired");
    answer_with(stale);
    EXPECT_EQ(answered, 1);
    EXPECT_TRUE(mirror.device(key.path())->facts.paired);
}

TEST_F(ADeviceLookup, AnswersEveryoneWaitingWhenBluetoothdGoesAwayAndIgnoresLateReplies) {
    DeviceBuilder key;
    key.uuids(kFidoUuids);
    lookup.ensure_known(key.path(), count_answer);
    lookup.reset();
    EXPECT_EQ(answered, 1);
    answer_with(key);  // a reply from the bluetoothd that left
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

TEST_F(ADeviceLookup, RefusesAtOnceOnATimeoutAndKeepsFetchingInTheBackground) {
    DeviceBuilder key;
    key.uuids(kFidoUuids).flag("Paired");
    lookup.ensure_known(key.path(), count_answer);
    calls.answer("GetAll", RecordingBluezCalls::error(bluez::ErrorKind::NoReply));
    EXPECT_EQ(answered, 1) << "bluetoothd's agent call cannot wait for a backoff";
    EXPECT_EQ(mirror.device(key.path()), nullptr);
    EXPECT_EQ(lookup.background_in_flight(), 1U);

    timer.advance(std::chrono::seconds(1));
    ASSERT_EQ(calls.waiting("GetAll"), 1U) << "retried";
    answer_with(key);
    EXPECT_TRUE(mirror.device(key.path())->facts.paired) << "the bonded device is known now";
    EXPECT_EQ(lookup.in_flight(), 0U);
    EXPECT_EQ(lookup.background_in_flight(), 0U);
    EXPECT_FALSE(timer.armed().has_value());
}

TEST_F(ADeviceLookup, FreesItsBudgetWhateverHappensToTheCalls) {
    // A GetAll that bluetoothd never answers still completes (as NoReply, or Cancelled when
    // bluetoothd leaves): the budget of background fetches is never used up for good.
    for (std::size_t i = 0; i < bluez::DeviceLookup::kMaxBackgroundFetches; ++i) {
        lookup.fetch_in_background("/org/bluez/hci0/dev_00_00_00_00_01_" + std::to_string(i));
    }
    ASSERT_EQ(lookup.background_in_flight(), bluez::DeviceLookup::kMaxBackgroundFetches);
    for (std::size_t i = 0; i < bluez::DeviceLookup::kMaxBackgroundFetches / 2; ++i) {
        calls.answer("GetAll", RecordingBluezCalls::error(bluez::ErrorKind::NoReply));
    }
    calls.settle();  // the others: bluetoothd does not know them
    EXPECT_EQ(lookup.background_in_flight(), bluez::DeviceLookup::kMaxBackgroundFetches / 2)
        << "the timed-out ones retry";
    timer.advance(std::chrono::seconds(1));
    calls.settle();
    EXPECT_EQ(lookup.background_in_flight(), 0U);
    EXPECT_EQ(lookup.in_flight(), 0U);

    lookup.fetch_in_background("/org/bluez/hci0/dev_00_00_00_00_02_00");
    calls.cancel_all();
    lookup.reset();
    EXPECT_EQ(lookup.in_flight(), 0U);
}

// reread(): a signal about a device could not be decoded, so whatever it changed is read
// from bluetoothd and applied over what the mirror holds.

TEST_F(ADeviceLookup, ReadsADeviceItHoldsAgainAndAppliesBluetoothdsAnswer) {
    DeviceBuilder keyboard;
    keyboard.uuids({"00001812-0000-1000-8000-00805f9b34fb"}).add_to(mirror);
    lookup.reread(keyboard.path());
    ASSERT_EQ(calls.count("GetAll"), 1U) << "a device the mirror holds is read again all the same";
    keyboard.flag("Paired").flag("Bonded");  // what the lost PropertiesChanged carried
    answer_with(keyboard);
    EXPECT_TRUE(mirror.device(keyboard.path())->facts.paired);
    EXPECT_TRUE(mirror.device(keyboard.path())->facts.bonded);
    EXPECT_EQ(lookup.in_flight(), 0U);
}

TEST_F(ADeviceLookup, AReadAgainJoinsAFetchUnderWayAndItsAnswerIsApplied) {
    DeviceBuilder keyboard;
    lookup.fetch_in_background(keyboard.path());
    keyboard.add_to(mirror);         // InterfacesAdded while the call is out
    lookup.reread(keyboard.path());  // then a signal about it that could not be read
    EXPECT_EQ(calls.count("GetAll"), 1U) << "the reply still out left bluetoothd after the signal";
    keyboard.flag("Paired");
    answer_with(keyboard);
    EXPECT_TRUE(mirror.device(keyboard.path())->facts.paired);
}

TEST_F(ADeviceLookup, KeepsReadingADeviceAgainUntilBluetoothdAnswers) {
    DeviceBuilder keyboard;
    keyboard.add_to(mirror);
    lookup.reread(keyboard.path());
    calls.answer("GetAll", RecordingBluezCalls::error(bluez::ErrorKind::NoReply));
    EXPECT_EQ(lookup.background_in_flight(), 1U) << "given up although the mirror may be wrong";
    timer.advance(std::chrono::seconds(1));
    ASSERT_EQ(calls.waiting("GetAll"), 1U) << "retried";
    keyboard.flag("Paired");
    answer_with(keyboard);
    EXPECT_TRUE(mirror.device(keyboard.path())->facts.paired);
    EXPECT_EQ(lookup.in_flight(), 0U);
}

TEST_F(ADeviceLookup, StopsReadingADeviceBluetoothdNoLongerHas) {
    DeviceBuilder keyboard;
    keyboard.add_to(mirror);
    lookup.reread(keyboard.path());
    calls.answer("GetAll", RecordingBluezCalls::error(bluez::ErrorKind::UnknownObject));
    EXPECT_EQ(lookup.in_flight(), 0U);
    EXPECT_FALSE(timer.armed().has_value());
}

}  // namespace
}  // namespace btfence::testing
