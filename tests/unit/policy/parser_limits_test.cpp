// The documented ranges are inclusive: fido.probe_timeout_ms accepts 100 through 60000.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "btfence/policy/parser.hpp"

namespace btfence::policy {
namespace {

using ::testing::HasSubstr;

ParseResult with_probe_timeout(std::string_view value) {
    return parse_policy(
        "[policy]\nversion = 1\n[fido]\nprobe_timeout_ms = " + std::string(value) + "\n", "p.toml");
}

TEST(AProbeTimeoutOfExactly100Ms, IsAccepted) {
    const auto result = with_probe_timeout("100");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.policy->fido.probe_timeout, std::chrono::milliseconds{100});
}

TEST(AProbeTimeoutOfExactlyAMinute, IsAccepted) {
    const auto result = with_probe_timeout("60_000");  // TOML allows digit separators
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.policy->fido.probe_timeout, std::chrono::milliseconds{60000});
}

TEST(AProbeTimeoutOf99Ms, IsOutOfRangeAtTheValue) {
    const auto result = with_probe_timeout("99");
    ASSERT_EQ(result.errors.size(), 1U);
    EXPECT_EQ(result.errors[0].line, 4);
    EXPECT_EQ(result.errors[0].column, 20);
    EXPECT_THAT(result.errors[0].message, HasSubstr("between 100 and 60000, not 99"));
}

TEST(ANegativeProbeTimeout, IsOutOfRange) {
    const auto result = with_probe_timeout("-5000");
    ASSERT_EQ(result.errors.size(), 1U);
    EXPECT_THAT(result.errors[0].message, HasSubstr("not -5000"));
}

}  // namespace
}  // namespace btfence::policy

namespace btfence::policy {
namespace {

// btfenced names decisions no rule made with these ids; a rule taking one would make audit
// events ambiguous.
TEST(ARuleIdTheDaemonUsesForItsOwnDecisions, IsReservedAtTheId) {
    for (const char* id : {"default", "unmanaged-adapter", "malformed-properties",
                           "verification-failed", "unknown-device", "bluez-not-loaded", "none"}) {
        const auto result = parse_policy(std::string("[policy]\nversion = 1\n[[rule]]\nid = \"") +
                                             id + "\"\nverdict = \"allow\"\n",
                                         "p.toml");
        ASSERT_EQ(result.errors.size(), 1U) << id;
        EXPECT_EQ(result.errors[0].line, 4) << id;
        EXPECT_EQ(result.errors[0].column, 6) << id;
        EXPECT_THAT(result.errors[0].message, ::testing::HasSubstr("reserved")) << id;
    }
}

}  // namespace
}  // namespace btfence::policy
