// Bluetooth UUIDs: every form a policy file or BlueZ may use reduces to one canonical string.
#include "btfence/policy/uuid.hpp"

#include <gtest/gtest.h>

namespace btfence::policy {
namespace {

constexpr std::string_view kFido = "0000fffd-0000-1000-8000-00805f9b34fb";

TEST(A16BitUuid, IsNormalisedOnTheBluetoothBaseUuid) {
    EXPECT_EQ(normalize_uuid("fffd"), kFido);
    EXPECT_EQ(normalize_uuid("FFFD"), kFido);
    EXPECT_EQ(normalize_uuid("0xFFFD"), kFido);
    EXPECT_EQ(normalize_uuid("0Xfffd"), kFido);
}

TEST(A32BitUuid, IsNormalisedOnTheBluetoothBaseUuid) {
    EXPECT_EQ(normalize_uuid("0000fffd"), kFido);
    EXPECT_EQ(normalize_uuid("0x0000FFFD"), kFido);
    EXPECT_EQ(normalize_uuid("1234abcd"), "1234abcd-0000-1000-8000-00805f9b34fb");
}

TEST(A128BitUuid, IsLowerCased) {
    EXPECT_EQ(normalize_uuid("0000FFFD-0000-1000-8000-00805F9B34FB"), kFido);
    EXPECT_EQ(normalize_uuid("F1D0FFF1-DEAA-ECEE-B42F-C9BA7ED623BB"),
              "f1d0fff1-deaa-ecee-b42f-c9ba7ed623bb");
}

TEST(TextThatIsNotAUuid, IsRejected) {
    for (const std::string_view bad :
         {"", "0x", "fff", "fffdd", "gggg", "0000fffd-0000-1000-8000-00805f9b34f",
          "0000fffd-0000-1000-8000-00805f9b34fbb", "0000fffd_0000_1000_8000_00805f9b34fb",
          "0000fffd-0000-1000-8000-00805f9b34fg", " fffd", "fffd "}) {
        EXPECT_EQ(normalize_uuid(bad), std::nullopt) << "\"" << bad << "\"";
    }
}

TEST(AShortUuid, RoundTripsThroughItsCanonicalForm) {
    EXPECT_EQ(uuid_from_short(0xFFFD), kFido);
    EXPECT_EQ(uuid_from_short(0x1812), "00001812-0000-1000-8000-00805f9b34fb");
    EXPECT_EQ(short_from_uuid(kFido), 0xFFFD);
    EXPECT_EQ(short_from_uuid(uuid_from_short(0x0001)), 0x0001);
}

TEST(AUuidOutsideThe16BitRange, HasNoShortForm) {
    EXPECT_EQ(short_from_uuid("0001fffd-0000-1000-8000-00805f9b34fb"), std::nullopt);
    EXPECT_EQ(short_from_uuid("f1d0fff1-deaa-ecee-b42f-c9ba7ed623bb"), std::nullopt);
    EXPECT_EQ(short_from_uuid("fffd"), std::nullopt);  // not canonical
}

TEST(DescribedUuids, NameWellKnownServicesForAdmins) {
    EXPECT_EQ(describe_uuid(kFido), "0xFFFD (FIDO)");
    EXPECT_EQ(describe_uuid(uuid_from_short(0x1812)), "0x1812 (HID over GATT)");
    EXPECT_EQ(describe_uuid(uuid_from_short(0x1234)), "0x1234");
    EXPECT_EQ(describe_uuid("f1d0fff1-deaa-ecee-b42f-c9ba7ed623bb"),
              "f1d0fff1-deaa-ecee-b42f-c9ba7ed623bb");
}

}  // namespace
}  // namespace btfence::policy
