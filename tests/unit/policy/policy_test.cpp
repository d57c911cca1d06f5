// What the daemon asks the policy model directly: adapter scope, the BlueZ service allowlist,
// the next rule boundary (one timer instead of polling) and the file digest.
#include "btfence/policy/policy.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "btfence/policy/digest.hpp"
#include "test_support.hpp"

namespace btfence::policy {
namespace {

using ::testing::ElementsAre;
using namespace btfence::policy::testing;

TEST(APolicyWithoutAdapters, ManagesEveryAdapter) {
    const Policy policy;
    EXPECT_TRUE(policy.manages_adapter("hci0", "00:1A:7D:DA:71:13"));
    EXPECT_TRUE(policy.manages_adapter("hci7", ""));
}

TEST(APolicyWithAdapters, ManagesThoseByNameOrAddress) {
    Policy policy;
    policy.adapters = {"hci1", "00:1A:7D:DA:71:13"};
    EXPECT_TRUE(policy.manages_adapter("hci1", ""));
    EXPECT_TRUE(policy.manages_adapter("hci0", "00:1A:7D:DA:71:13"));
    EXPECT_FALSE(policy.manages_adapter("hci0", "00:1A:7D:DA:71:14"));
    EXPECT_FALSE(policy.manages_adapter("hci0", ""));
}

TEST(TheServiceAllowlist, HoldsFidoAndItsCompanionsPlusExtrasSortedAndUnique) {
    auto policy =
        policy_from("[policy]\nversion = 1\n[bluez]\nextra_services = [\"1812\", \"180f\"]\n");
    EXPECT_THAT(
        policy.service_allowlist(),
        ElementsAre("00001800-0000-1000-8000-00805f9b34fb", "00001801-0000-1000-8000-00805f9b34fb",
                    "0000180a-0000-1000-8000-00805f9b34fb", "0000180f-0000-1000-8000-00805f9b34fb",
                    "00001812-0000-1000-8000-00805f9b34fb",
                    "0000fffd-0000-1000-8000-00805f9b34fb"));
}

constexpr std::string_view kTwoExemptions = R"(
[policy]
version = 1
[[rule]]
id = "a"
verdict = "allow"
name = "A*"
not_before = 2026-12-01T00:00:00Z
expires = 2026-12-08T00:00:00Z
[[rule]]
id = "b"
verdict = "allow"
name = "B*"
expires = 2026-12-05T00:00:00Z
)";

TEST(TheNextBoundary, IsTheEarliestRuleStartOrExpiryStrictlyAfterNow) {
    const auto policy = policy_from(kTwoExemptions);
    EXPECT_EQ(policy.next_boundary_after(at("2026-11-28T00:00:00Z")), at("2026-12-01T00:00:00Z"));
    EXPECT_EQ(policy.next_boundary_after(at("2026-12-01T00:00:00Z")), at("2026-12-05T00:00:00Z"));
    EXPECT_EQ(policy.next_boundary_after(at("2026-12-05T00:00:00Z")), at("2026-12-08T00:00:00Z"));
    EXPECT_EQ(policy.next_boundary_after(at("2026-12-08T00:00:00Z")), std::nullopt);
}

TEST(APolicyWithoutTimeLimits, HasNoNextBoundary) {
    EXPECT_EQ(policy_from("[policy]\nversion = 1\n").next_boundary_after(TimePoint{}),
              std::nullopt);
}

TEST(TheDigest, IsTheLowercaseHexSha256OfTheBytes) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(EnumNames, AreThePolicyFileSpellings) {
    EXPECT_EQ(to_string(Mode::Enforce), "enforce");
    EXPECT_EQ(to_string(Mode::Audit), "audit");
    EXPECT_EQ(to_string(Verdict::Allow), "allow");
    EXPECT_EQ(to_string(Verdict::Deny), "deny");
    EXPECT_EQ(to_string(ExistingBonds::Keep), "keep");
    EXPECT_EQ(to_string(ServiceAllowlistMode::Off), "off");
}

}  // namespace
}  // namespace btfence::policy

namespace btfence::policy {
namespace {

// Which rules' windows changed between two readings of the wall clock, either way round.
constexpr std::string_view kExemption = R"(
[policy]
version = 1
[[rule]]
id = "keyboard-exemption"
verdict = "allow"
class = ["other"]
not_before = 2026-12-01T09:00:00Z
expires = 2026-12-08T17:00:00Z
[[rule]]
id = "always"
verdict = "allow"
class = ["fido-ble"]
)";

TimePoint at(std::string_view text) {
    return parse_rfc3339(text).value();
}

TEST(WindowChanges, ReportARuleThatExpiredBetweenTwoReadings) {
    const auto policy = testing::policy_from(kExemption);
    const auto changes =
        policy.window_changes(at("2026-12-08T16:59:59Z"), at("2026-12-08T17:00:00Z"));
    ASSERT_EQ(changes.size(), 1U);
    EXPECT_EQ(changes[0].rule->id, "keyboard-exemption");
    EXPECT_FALSE(changes[0].in_effect);
}

TEST(WindowChanges, ReportARuleThatStoppedMatchingBecauseTheClockWasSetBack) {
    // The exemption had started; the clock is set back before its not_before.
    const auto policy = testing::policy_from(kExemption);
    const auto changes =
        policy.window_changes(at("2026-12-02T10:00:00Z"), at("2026-11-30T10:00:00Z"));
    ASSERT_EQ(changes.size(), 1U);
    EXPECT_FALSE(changes[0].in_effect);
}

TEST(WindowChanges, ReportARuleBackInEffectWhenTheClockWasSetBackBeforeItsExpiry) {
    const auto policy = testing::policy_from(kExemption);
    const auto changes =
        policy.window_changes(at("2026-12-09T10:00:00Z"), at("2026-12-05T10:00:00Z"));
    ASSERT_EQ(changes.size(), 1U);
    EXPECT_TRUE(changes[0].in_effect);
}

TEST(WindowChanges, IgnoreAWindowJumpedOverAsAWholeAndRulesWithoutOne) {
    const auto policy = testing::policy_from(kExemption);
    EXPECT_TRUE(
        policy.window_changes(at("2026-11-01T00:00:00Z"), at("2027-01-01T00:00:00Z")).empty());
    EXPECT_TRUE(
        policy.window_changes(at("2026-12-02T00:00:00Z"), at("2026-12-03T00:00:00Z")).empty());
}

}  // namespace
}  // namespace btfence::policy
