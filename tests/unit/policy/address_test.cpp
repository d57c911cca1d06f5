// Device addresses, OUIs and AAGUIDs: one spelling each, whatever the admin typed.
#include "btfence/policy/address.hpp"

#include <gtest/gtest.h>

namespace btfence::policy {
namespace {

TEST(AnAddress, IsUpperCasedWithColons) {
    EXPECT_EQ(normalize_address("c0:ff:ee:00:00:01"), "C0:FF:EE:00:00:01");
    EXPECT_EQ(normalize_address("C0-FF-EE-00-00-01"), "C0:FF:EE:00:00:01");
    EXPECT_EQ(normalize_address("C0:FF:EE:00:00:01"), "C0:FF:EE:00:00:01");
}

TEST(AMalformedAddress, IsRejected) {
    for (const std::string_view bad :
         {"", "C0:FF:EE:00:00", "C0:FF:EE:00:00:01:02", "C0:FF:EE-00:00:01", "C0FFEE000001",
          "C0:FF:EE:00:00:0G", "C0:FF:EE:00:00:1", " C0:FF:EE:00:00:01", "C0.FF.EE.00.00.01"}) {
        EXPECT_EQ(normalize_address(bad), std::nullopt) << "\"" << bad << "\"";
    }
}

TEST(AnOui, IsTheFirstThreeBytesUpperCasedWithColons) {
    EXPECT_EQ(normalize_oui("00:1b:dc"), "00:1B:DC");
    EXPECT_EQ(normalize_oui("00-1B-DC"), "00:1B:DC");
    EXPECT_EQ(normalize_oui("00:1B"), std::nullopt);
    EXPECT_EQ(normalize_oui("00:1B:DC:01"), std::nullopt);
    EXPECT_EQ(normalize_oui("00:1B-DC"), std::nullopt);
}

TEST(AnAaguid, IsLowerCasedAndDashed) {
    EXPECT_EQ(normalize_aaguid("90A3CCDF-635C-4729-A248-9B709135078F"),
              "90a3ccdf-635c-4729-a248-9b709135078f");
    EXPECT_EQ(normalize_aaguid("90a3ccdf635c4729a2489b709135078f"),
              "90a3ccdf-635c-4729-a248-9b709135078f");
}

TEST(AMalformedAaguid, IsRejected) {
    for (const std::string_view bad :
         {"", "90a3ccdf-635c-4729-a248", "90a3ccdf-635c-4729-a248-9b709135078",
          "90a3ccdf635c4729a2489b709135078", "90a3ccdf-635c-4729-a248-9b709135078g",
          "90a3ccdf_635c_4729_a248_9b709135078f", "90a3ccdf635c4729a2489b709135078z"}) {
        EXPECT_EQ(normalize_aaguid(bad), std::nullopt) << "\"" << bad << "\"";
    }
}

}  // namespace
}  // namespace btfence::policy
