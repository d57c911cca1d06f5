// Finding the FIDO service and its characteristics in BlueZ's object tree (the shape
// GetManagedObjects returns on bluez 5.66: service0012/char0013 objects under the device).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gatt_client.hpp"
#include "probe_error.hpp"

namespace btfence::fido {
namespace {

using Properties = std::map<std::string, sdbus::Variant>;

const std::string kDevice = "/org/bluez/hci1/dev_00_AA_01_00_00_00";

class ObjectTree {
  public:
    ObjectTree& service(const std::string& path, const std::string& uuid,
                        const std::string& device = kDevice) {
        objects_[sdbus::ObjectPath(path)]["org.bluez.GattService1"] =
            Properties{{"UUID", sdbus::Variant(uuid)},
                       {"Primary", sdbus::Variant(true)},
                       {"Device", sdbus::Variant(sdbus::ObjectPath(device))}};
        return *this;
    }
    ObjectTree& characteristic(const std::string& path, const std::string& service,
                               const std::string& uuid, const std::vector<std::string>& flags) {
        objects_[sdbus::ObjectPath(path)]["org.bluez.GattCharacteristic1"] =
            Properties{{"UUID", sdbus::Variant(uuid)},
                       {"Service", sdbus::Variant(sdbus::ObjectPath(service))},
                       {"Flags", sdbus::Variant(flags)}};
        return *this;
    }
    ObjectTree& fido_service(const std::string& device = kDevice, bool with_revision = true) {
        const std::string s = device + "/service0010";
        service(s, kFidoServiceUuid, device);
        characteristic(s + "/char0011", s, kFidoControlPointUuid, {"write"});
        characteristic(s + "/char0013", s, kFidoStatusUuid, {"notify"});
        characteristic(s + "/char0016", s, kFidoControlPointLengthUuid, {"read"});
        if (with_revision) {
            characteristic(s + "/char0018", s, kFidoServiceRevisionBitfieldUuid, {"read", "write"});
        }
        return *this;
    }
    const ManagedObjects& objects() const { return objects_; }

  private:
    ManagedObjects objects_;
};

std::string failure(const ObjectTree& tree) {
    try {
        find_fido_characteristics(tree.objects(), kDevice);
    } catch (const ProbeError& e) {
        return e.what();
    }
    return "no failure";
}

TEST(TheFidoGattDiscovery, FindsTheFourCharacteristicsOfTheDevicesFidoService) {
    ObjectTree tree;
    tree.service(kDevice + "/service0001", "00001801-0000-1000-8000-00805f9b34fb").fido_service();
    const FidoCharacteristics found = find_fido_characteristics(tree.objects(), kDevice);
    EXPECT_EQ(found.service, kDevice + "/service0010");
    EXPECT_EQ(found.control_point, kDevice + "/service0010/char0011");
    EXPECT_THAT(found.control_point_flags, testing::ElementsAre("write"));
    EXPECT_EQ(found.status, kDevice + "/service0010/char0013");
    EXPECT_EQ(found.control_point_length, kDevice + "/service0010/char0016");
    EXPECT_EQ(found.revision_bitfield, kDevice + "/service0010/char0018");
}

TEST(TheFidoGattDiscovery, MatchesUuidsWhateverTheirCase) {
    ObjectTree tree;
    const std::string s = kDevice + "/service0010";
    tree.service(s, "0000FFFD-0000-1000-8000-00805F9B34FB")
        .characteristic(s + "/char0011", s, "F1D0FFF1-DEAA-ECEE-B42F-C9BA7ED623BB", {"write"})
        .characteristic(s + "/char0013", s, "F1D0FFF2-DEAA-ECEE-B42F-C9BA7ED623BB", {"notify"})
        .characteristic(s + "/char0016", s, "F1D0FFF3-DEAA-ECEE-B42F-C9BA7ED623BB", {"read"});
    EXPECT_EQ(find_fido_characteristics(tree.objects(), kDevice).status, s + "/char0013");
}

TEST(TheFidoGattDiscovery, AcceptsAServiceWithoutRevisionBitfield) {
    ObjectTree tree;
    tree.fido_service(kDevice, /*with_revision=*/false);
    EXPECT_EQ(find_fido_characteristics(tree.objects(), kDevice).revision_bitfield, "");
}

TEST(TheFidoGattDiscovery, IgnoresTheFidoServiceOfAnotherDevice) {
    ObjectTree tree;
    tree.fido_service("/org/bluez/hci1/dev_00_AA_01_00_00_001")
        .fido_service("/org/bluez/hci0/dev_00_AA_01_00_00_00")
        .service(kDevice + "/service0020", "00001812-0000-1000-8000-00805f9b34fb");
    EXPECT_EQ(failure(tree), "the device serves no FIDO GATT service (0xFFFD)");
}

TEST(TheFidoGattDiscovery, NamesTheCharacteristicsTheServiceLacks) {
    ObjectTree tree;
    const std::string s = kDevice + "/service0010";
    tree.service(s, kFidoServiceUuid)
        .characteristic(s + "/char0013", s, kFidoStatusUuid, {"notify"})
        // a control point of another service does not count
        .characteristic(kDevice + "/service0030/char0031", kDevice + "/service0030",
                        kFidoControlPointUuid, {"write"});
    EXPECT_EQ(failure(tree),
              "the FIDO GATT service lacks fidoControlPoint, fidoControlPointLength");
}

TEST(TheFidoGattDiscovery, SkipsPropertiesOfTheWrongType) {
    ObjectTree tree;
    tree.fido_service();
    tree.service(kDevice + "/service0005", "ignored");
    // A UUID that is not a string must not match (nor throw).
    ManagedObjects objects = tree.objects();
    objects[sdbus::ObjectPath(kDevice + "/service0005")]["org.bluez.GattService1"]["UUID"] =
        sdbus::Variant(std::uint32_t{0xFFFD});
    EXPECT_EQ(find_fido_characteristics(objects, kDevice).service, kDevice + "/service0010");
}

TEST(AServiceRevisionBitfield, IsDescribedInWords) {
    EXPECT_EQ(describe_revisions(0x20), "FIDO2");
    EXPECT_EQ(describe_revisions(0xC0), "U2F 1.1, U2F 1.2");
    EXPECT_EQ(describe_revisions(0xE0), "U2F 1.1, U2F 1.2, FIDO2");
    EXPECT_EQ(describe_revisions(0x01), "nothing known");
}

}  // namespace
}  // namespace btfence::fido
