// The typed decoding of Device1 properties (agent/daemon/bluez/property_decoder.hpp): what
// fuzz_property_decoder checks at scale, pinned down by name.
#include "bluez/property_decoder.hpp"

#include <gtest/gtest.h>

namespace btfence::bluez {
namespace {

TEST(ThePropertyDecoder, KeepsOneProblemPerPropertyHoweverOftenItArrivesMistyped) {
    policy::DeviceFacts facts;
    std::vector<std::string> problems;
    const PropertyMap malformed = {{"Name", UnexpectedType{"i"}},
                                   {"UUIDs", PropertyValue(std::string("fffd"))},
                                   {"Address", PropertyValue(std::string("not an address"))}};
    for (int update = 0; update < 100; ++update) {
        apply_device_properties(malformed, facts, problems);
    }
    EXPECT_EQ(problems.size(), 3U);
}

TEST(ThePropertyDecoder, ReportsEachMalformedUuidOfTheLatestListOnly) {
    policy::DeviceFacts facts;
    std::vector<std::string> problems;
    apply_device_properties(
        {{"UUIDs", PropertyValue(std::vector<std::string>{"nope", "fffd", "neither"})}}, facts,
        problems);
    EXPECT_EQ(problems.size(), 2U);
    apply_device_properties({{"UUIDs", PropertyValue(std::vector<std::string>{"zzz"})}}, facts,
                            problems);
    ASSERT_EQ(problems.size(), 1U);
    EXPECT_EQ(problems[0], "UUIDs: not a UUID: 'zzz'");
    EXPECT_TRUE(facts.uuids.empty());
}

}  // namespace
}  // namespace btfence::bluez
