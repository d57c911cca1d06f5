// Classification (docs/policy.md, "Device classes") on the advertisement and GATT shapes real
// devices produce.
#include "btfence/policy/classification.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace btfence::policy {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace btfence::policy::testing;

TEST(AFidoKeyAdvertisingOnly0xFFFD, IsFidoBle) {
    const auto result = classify(fido_key_advertising());
    EXPECT_EQ(result.device_class, DeviceClass::FidoBle);
    EXPECT_THAT(result.reason, HasSubstr("0xFFFD"));
}

TEST(AFidoKeyAfterGattResolution, IsStillFidoBleWithGapGattDisAndBattery) {
    const auto result = classify(fido_key_resolved());
    EXPECT_EQ(result.device_class, DeviceClass::FidoBle);
}

TEST(ADeviceAdvertising0xFFFDAndServingHid, IsOtherAndTheReasonNames0x1812) {
    auto liar = fido_key_advertising();
    liar.uuids.push_back(uuid_from_short(0x1812));
    const auto result = classify(liar);
    EXPECT_EQ(result.device_class, DeviceClass::Other);
    EXPECT_THAT(result.reason, HasSubstr("0x1812"));
    EXPECT_THAT(result.reason, HasSubstr("0xFFFD"));
}

TEST(ADeviceAdvertising0xFFFDAndAVendorService, IsOtherAndTheReasonNamesTheFullUuid) {
    auto device_with_vendor_service = fido_key_resolved();
    device_with_vendor_service.uuids.push_back("6e400001-b5a3-f393-e0a9-e50e24dcca9e");
    const auto result = classify(device_with_vendor_service);
    EXPECT_EQ(result.device_class, DeviceClass::Other);
    EXPECT_THAT(result.reason, HasSubstr("6e400001-b5a3-f393-e0a9-e50e24dcca9e"));
}

TEST(ADeviceWithOnlyCompanionServices, IsOtherBecauseItLacks0xFFFD) {
    const auto result = classify(device({uuids::kGap, uuids::kGatt, uuids::kBattery}));
    EXPECT_EQ(result.device_class, DeviceClass::Other);
    EXPECT_THAT(result.reason, HasSubstr("0xFFFD"));
}

TEST(AHybridAdvertWith20BytesUnder0xFFF9, IsHybrid) {
    const auto result = classify(hybrid_phone(uuids::kHybrid, 20));
    EXPECT_EQ(result.device_class, DeviceClass::Hybrid);
    EXPECT_THAT(result.reason, HasSubstr("0xFFF9"));
    EXPECT_THAT(result.reason, HasSubstr("20 bytes"));
}

TEST(AHybridAdvertWith20BytesUnderTheLegacy0xFDE2, IsHybrid) {
    const auto result = classify(hybrid_phone(uuids::kHybridLegacy, 20));
    EXPECT_EQ(result.device_class, DeviceClass::Hybrid);
    EXPECT_THAT(result.reason, HasSubstr("0xFDE2"));
}

TEST(AHybridAdvertWithACtap23CborSuffix, IsHybrid) {
    EXPECT_EQ(classify(hybrid_phone(uuids::kHybrid, 27)).device_class, DeviceClass::Hybrid);
}

TEST(ServiceDataOf19BytesUnder0xFFF9, IsOtherAndTheReasonGivesTheLength) {
    const auto result = classify(hybrid_phone(uuids::kHybrid, 19));
    EXPECT_EQ(result.device_class, DeviceClass::Other);
    EXPECT_THAT(result.reason, HasSubstr("19"));
}

TEST(TwentyBytesOfServiceDataUnderAnUnrelatedService, IsOther) {
    auto beacon = device();
    beacon.service_data[uuid_from_short(0xFEAA)] = bytes(20);  // an Eddystone beacon
    EXPECT_EQ(classify(beacon).device_class, DeviceClass::Other);
}

TEST(AFidoKeyThatAlsoCarriesHybridServiceData, IsFidoBle) {
    auto key = fido_key_advertising();
    key.service_data[uuid_from_short(uuids::kHybrid)] = bytes(20);
    EXPECT_EQ(classify(key).device_class, DeviceClass::FidoBle);
}

TEST(HybridServiceDataOnADeviceServingHid, IsHybridNotFidoBleAndTheReasonNamesHid) {
    // docs/policy.md: hybrid is "service data ≥ 20 bytes, and not fido-ble"; the HID service
    // makes it not fido-ble, the service data makes it hybrid. The reason keeps the HID
    // finding for admins.
    auto device_with_both = hybrid_phone(uuids::kHybrid, 20);
    device_with_both.uuids = short_uuids({uuids::kFido, 0x1812});
    const auto result = classify(device_with_both);
    EXPECT_EQ(result.device_class, DeviceClass::Hybrid);
    EXPECT_THAT(result.reason, HasSubstr("0x1812"));
}

TEST(AKeyboard, IsOtherAndTheReasonListsWhatItOffers) {
    const auto result = classify(keyboard());
    EXPECT_EQ(result.device_class, DeviceClass::Other);
    EXPECT_THAT(result.reason, HasSubstr("0x1812"));
}

TEST(AHeadsetWithAudioServices, IsOther) {
    const auto result = classify(headset());
    EXPECT_EQ(result.device_class, DeviceClass::Other);
    EXPECT_THAT(result.reason, HasSubstr("0x110B"));
    EXPECT_THAT(result.reason, Not(HasSubstr("hybrid")));
}

TEST(ADeviceThatOffersNothing, IsOther) {
    const auto result = classify(device());
    EXPECT_EQ(result.device_class, DeviceClass::Other);
    EXPECT_FALSE(result.reason.empty());
}

TEST(ClassNames, RoundTripThroughTheirPolicyFileSpelling) {
    for (const auto cls : {DeviceClass::FidoBle, DeviceClass::Hybrid, DeviceClass::Other}) {
        EXPECT_EQ(device_class_from_string(to_string(cls)), cls);
    }
    EXPECT_EQ(to_string(DeviceClass::FidoBle), "fido-ble");
    EXPECT_EQ(device_class_from_string("FIDO-BLE"), std::nullopt);
    EXPECT_EQ(device_class_from_string("keyboard"), std::nullopt);
}

}  // namespace
}  // namespace btfence::policy
