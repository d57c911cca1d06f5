// A GATT call on bluetoothd that failed: the probe says interrupted (retry at the next
// connection) when the link or the object went away, and failed (a verdict on the device)
// for anything else, reading the error as btfenced does (bluez::BluezError).
#include <gtest/gtest.h>

#include "gatt_client.hpp"
#include "probe_error.hpp"

namespace btfence::fido {
namespace {

TEST(AGattCallThatFailed, IsInterruptedWhenTheLinkWentAway) {
    const auto error = gatt_call_failed("writing fidoControlPoint",
                                        sdbus::Error("org.bluez.Error.Failed", "Not connected"));
    EXPECT_TRUE(error.interrupted());
    EXPECT_STREQ(error.what(),
                 "writing fidoControlPoint failed: org.bluez.Error.Failed: Not connected");
    EXPECT_TRUE(gatt_call_failed("StartNotify on fidoStatus",
                                 sdbus::Error("org.freedesktop.DBus.Error.UnknownObject", "gone"))
                    .interrupted());
}

TEST(AGattCallThatFailed, IsAFailureWhenTheDeviceRefusedIt) {
    EXPECT_FALSE(
        gatt_call_failed("writing fidoControlPoint",
                         sdbus::Error("org.bluez.Error.NotPermitted", "Write not permitted"))
            .interrupted());
    EXPECT_FALSE(gatt_call_failed("writing fidoControlPoint",
                                  sdbus::Error("org.bluez.Error.Failed", "Operation failed"))
                     .interrupted());
}

}  // namespace
}  // namespace btfence::fido
