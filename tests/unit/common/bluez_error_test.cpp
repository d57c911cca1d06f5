// bluetoothd's D-Bus errors as a type, read once for btfenced and btfence-probe alike: the
// kind each name is, and which errors mean the device's link or object went away.
#include "bluez_error.hpp"

#include <gtest/gtest.h>

namespace btfence::bluez {
namespace {

TEST(BluezError, ParsesTheNamesBtfenceActsOn) {
    EXPECT_EQ(BluezError("org.bluez.Error.NotConnected", "").kind(), ErrorKind::NotConnected);
    EXPECT_EQ(BluezError("org.freedesktop.DBus.Error.Timeout", "").kind(), ErrorKind::NoReply);
    EXPECT_EQ(BluezError("org.bluez.Error.Failed", "Not connected").kind(), ErrorKind::Failed);
    EXPECT_EQ(BluezError("org.example.Error.Odd", "").kind(), ErrorKind::Other);
}

TEST(BluezErrorLinkLost, WhenTheDeviceIsNotConnectedOrItsObjectIsGone) {
    for (const char* name :
         {"org.bluez.Error.NotConnected", "org.freedesktop.DBus.Error.UnknownObject",
          "org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.Timeout"}) {
        EXPECT_TRUE(BluezError(name, "").link_lost()) << name;
    }
}

TEST(BluezErrorLinkLost, WhenBluetoothdsGattClientSaysFailedNotConnected) {
    // bluetoothd answers a GATT read/write on a disconnected device with Failed, not
    // NotConnected: only the message tells (docs/bluez-facts.md, "The design's premises", bluez
    // error names).
    EXPECT_TRUE(BluezError("org.bluez.Error.Failed", "Not connected").link_lost());
    EXPECT_FALSE(
        BluezError("org.bluez.Error.Failed", "Operation failed with ATT error: 0x0e").link_lost());
}

TEST(BluezErrorLinkLost, NotForErrorsThatSaySomethingAboutTheDevice) {
    for (const char* name : {"org.bluez.Error.NotPermitted", "org.bluez.Error.InvalidValueLength",
                             "org.bluez.Error.NotSupported", "org.bluez.Error.InProgress",
                             "org.freedesktop.DBus.Error.AccessDenied"}) {
        EXPECT_FALSE(BluezError(name, "Not connected").link_lost()) << name;
    }
}

}  // namespace
}  // namespace btfence::bluez
