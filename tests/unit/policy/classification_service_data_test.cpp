// Classification edge cases around hybrid service data and the exact FIDO UUID: which entry
// makes a device hybrid, what "too short" looks like under the legacy UUID, and that only the
// SIG-assigned 0xFFFD on the Bluetooth base UUID counts as the FIDO service.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "btfence/policy/classification.hpp"
#include "test_support.hpp"

namespace btfence::policy {
namespace {

using ::testing::HasSubstr;
using namespace btfence::policy::testing;

TEST(ServiceDataOf19BytesUnderTheLegacy0xFDE2, IsOtherAndTheReasonNamesTheUuidAndLength) {
    const auto result = classify(hybrid_phone(uuids::kHybridLegacy, 19));
    EXPECT_EQ(result.device_class, DeviceClass::Other);
    EXPECT_THAT(result.reason, HasSubstr("0xFDE2"));
    EXPECT_THAT(result.reason, HasSubstr("19 bytes"));
}

TEST(EmptyServiceDataUnder0xFFF9, IsOther) {
    EXPECT_EQ(classify(hybrid_phone(uuids::kHybrid, 0)).device_class, DeviceClass::Other);
}

TEST(AShortEntryUnder0xFFF9AndAFullOneUnder0xFDE2, IsHybridBecauseOfTheFullOne) {
    auto phone = hybrid_phone(uuids::kHybrid, 19);
    phone.service_data[uuid_from_short(uuids::kHybridLegacy)] = bytes(20);
    const auto result = classify(phone);
    EXPECT_EQ(result.device_class, DeviceClass::Hybrid);
    EXPECT_THAT(result.reason, HasSubstr("0xFDE2"));
}

TEST(AFidoServiceListedTwice, IsStillFidoBle) {
    auto key = fido_key_resolved();
    key.uuids.push_back(uuid_from_short(uuids::kFido));
    EXPECT_EQ(classify(key).device_class, DeviceClass::FidoBle);
}

TEST(A128BitUuidThatOnlyLooksLikeFffd, IsNotTheFidoService) {
    for (const char* lookalike :
         {"0001fffd-0000-1000-8000-00805f9b34fb", "0000fffd-0000-1000-8000-00805f9b34fc"}) {
        auto device_with_lookalike = device();
        device_with_lookalike.uuids = {lookalike};
        const auto result = classify(device_with_lookalike);
        EXPECT_EQ(result.device_class, DeviceClass::Other) << lookalike;
        EXPECT_THAT(result.reason, HasSubstr(lookalike));
    }
}

TEST(AFidoKeyThatAlsoListsALookalikeUuid, IsOtherAndTheReasonNamesIt) {
    auto key = fido_key_resolved();
    key.uuids.push_back("0001fffd-0000-1000-8000-00805f9b34fb");
    const auto result = classify(key);
    EXPECT_EQ(result.device_class, DeviceClass::Other);
    EXPECT_THAT(result.reason, HasSubstr("0001fffd-0000-1000-8000-00805f9b34fb"));
}

}  // namespace
}  // namespace btfence::policy
