// Runtime exemptions in the decision: ahead of the policy's rules, to the second, only while
// the policy allows them, an AAGUID only for a verified key; the `[exemptions]` section and
// the duration syntax admins and helpdesks type.
#include "btfence/policy/exemption.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "btfence/policy/decision.hpp"
#include "test_support.hpp"

namespace btfence::policy {
namespace {

using ::testing::HasSubstr;
using namespace btfence::policy::testing;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::string_view kHelpdeskMayExempt = R"(
[policy]
version = 1
default = "deny"

[exemptions]
allowed = true
max_duration = "8h"

[[rule]]
id = "no-keyboards"
verdict = "deny"
address = ["C8:3F:26:11:22:33"]

[[rule]]
id = "fido-keys"
verdict = "allow"
class = ["fido-ble"]
)";

const TimePoint kGranted = at("2026-12-08T09:00:00Z");
const TimePoint kExpires = at("2026-12-08T09:02:00Z");

Exemption keyboard_exemption() {
    Exemption exemption;
    exemption.id = "a1b2c3d4";
    exemption.kind = ExemptionTarget::Address;
    exemption.target = "C8:3F:26:11:22:33";
    exemption.granted_at = kGranted;
    exemption.expires = kExpires;
    exemption.reason = "INC-4711 workshop";
    exemption.granted_by = "uid 1000";
    return exemption;
}

TEST(AKeyboardWithARuntimeExemption, IsAllowedAheadOfTheRuleThatDeniesIt) {
    const std::vector exemptions{keyboard_exemption()};
    const auto decision = decide(policy_from(kHelpdeskMayExempt), keyboard(),
                                 DecisionContext{kGranted + seconds{30}, {}, exemptions});
    EXPECT_EQ(decision.verdict, Verdict::Allow);
    EXPECT_EQ(decision.rule_id, "exemption:a1b2c3d4");
    EXPECT_EQ(decision.rule_reason, "INC-4711 workshop");
    EXPECT_THAT(decision.reason, HasSubstr("granted by uid 1000"));
    EXPECT_THAT(decision.reason, HasSubstr("2026-12-08T09:02:00Z"));
    ASSERT_TRUE(decision.next_change.has_value());
    EXPECT_EQ(*decision.next_change, kExpires);
}

TEST(AKeyboardWithARuntimeExemption, IsDeniedAgainFromTheSecondItExpires) {
    const std::vector exemptions{keyboard_exemption()};
    const Policy policy = policy_from(kHelpdeskMayExempt);
    EXPECT_TRUE(decide(policy, keyboard(), DecisionContext{kExpires - seconds{1}, {}, exemptions})
                    .allowed());
    const auto after = decide(policy, keyboard(), DecisionContext{kExpires, {}, exemptions});
    EXPECT_EQ(after.verdict, Verdict::Deny);
    EXPECT_EQ(after.rule_id, "no-keyboards");
}

TEST(AKeyboardWithARuntimeExemption, IsDeniedWhenThePolicyNoLongerAllowsExemptions) {
    const std::vector exemptions{keyboard_exemption()};
    Policy policy = policy_from(kHelpdeskMayExempt);
    policy.exemptions.allowed = false;
    const auto decision =
        decide(policy, keyboard(), DecisionContext{kGranted + seconds{30}, {}, exemptions});
    EXPECT_EQ(decision.verdict, Verdict::Deny);
    EXPECT_EQ(decision.rule_id, "no-keyboards");
}

TEST(AnExemptionForAnotherAddress, DoesNotApply) {
    Exemption other = keyboard_exemption();
    other.target = "C8:3F:26:11:22:34";
    const std::vector exemptions{other};
    const auto decision = decide(policy_from(kHelpdeskMayExempt), keyboard(),
                                 DecisionContext{kGranted + seconds{30}, {}, exemptions});
    EXPECT_EQ(decision.rule_id, "no-keyboards");
}

TEST(AnAaguidExemption, AppliesOnlyToAKeyThatPassedTheProbeWithThatAaguid) {
    Exemption by_model = keyboard_exemption();
    by_model.kind = ExemptionTarget::Aaguid;
    by_model.target = "ee882879-721c-4913-9775-3dfcce97072a";
    const std::vector exemptions{by_model};
    const Policy policy = policy_from(R"(
[policy]
version = 1
[fido]
verify = true
[exemptions]
allowed = true
[[rule]]
id = "recalled-model"
verdict = "deny"
aaguid = ["ee882879-721c-4913-9775-3dfcce97072a"]
)");
    DeviceFacts key = fido_key_resolved();
    // Not probed yet: the AAGUID is unknown, the exemption cannot apply.
    EXPECT_EQ(decide(policy, key, DecisionContext{kGranted, {}, exemptions}).rule_id, "default");
    key.verification =
        Verification{VerificationState::Failed, "ee882879-721c-4913-9775-3dfcce97072a", "no rk"};
    // A failed probe is a suspected spoof: denied ahead of any exemption, its AAGUID untrusted.
    EXPECT_EQ(decide(policy, key, DecisionContext{kGranted, {}, exemptions}).rule_id,
              "verification-failed");
    key.verification->state = VerificationState::Passed;
    EXPECT_EQ(decide(policy, key, DecisionContext{kGranted, {}, exemptions}).rule_id,
              "exemption:a1b2c3d4");
}

TEST(AnAaguidExemption, CountsOnlyAsARuleAaguidDoes) {
    // Verified only with fido.verify on and while the device is fido-ble: a passed key that
    // now serves HID, or a result kept from a policy that verified, is no exempted model.
    Exemption by_model = keyboard_exemption();
    by_model.kind = ExemptionTarget::Aaguid;
    by_model.target = "ee882879-721c-4913-9775-3dfcce97072a";
    const std::vector exemptions{by_model};
    const auto with_verify = [](bool verify) {
        return policy_from(std::string("[policy]\nversion = 1\n[fido]\nverify = ") +
                           (verify ? "true" : "false") + "\n[exemptions]\nallowed = true\n");
    };
    const Policy on = with_verify(true);
    const Policy off = with_verify(false);
    DeviceFacts key = fido_key_resolved();
    key.verification =
        Verification{VerificationState::Passed, "ee882879-721c-4913-9775-3dfcce97072a", ""};
    EXPECT_EQ(decide(on, key, DecisionContext{kGranted, {}, exemptions}).rule_id,
              "exemption:a1b2c3d4");
    EXPECT_EQ(decide(off, key, DecisionContext{kGranted, {}, exemptions}).rule_id, "default");
    DeviceFacts turned_keyboard = key;
    turned_keyboard.uuids.push_back(uuid_from_short(0x1812));  // HID
    EXPECT_NE(decide(on, turned_keyboard, DecisionContext{kGranted, {}, exemptions}).rule_id,
              "exemption:a1b2c3d4");
}

TEST(AnExemption, DoesNotReachAnUnmanagedAdapter) {
    const std::vector exemptions{keyboard_exemption()};
    Policy policy = policy_from(kHelpdeskMayExempt);
    policy.adapters = {"hci1"};
    EXPECT_EQ(decide(policy, keyboard(), DecisionContext{kGranted, {}, exemptions}).rule_id,
              "unmanaged-adapter");
}

TEST(TheExemptionsSection, IsOffWithEightHoursByDefault) {
    const Policy policy = policy_from("[policy]\nversion = 1\n");
    EXPECT_FALSE(policy.exemptions.allowed);
    EXPECT_EQ(policy.exemptions.max_duration, hours{8});
}

TEST(TheExemptionsSection, ReadsAllowedAndMaxDuration) {
    const Policy policy = policy_from(
        "[policy]\nversion = 1\n[exemptions]\nallowed = true\nmax_duration = "
        "\"2h30m\"\n");
    EXPECT_TRUE(policy.exemptions.allowed);
    EXPECT_EQ(policy.exemptions.max_duration, hours{2} + minutes{30});
}

std::vector<std::string> errors_of(std::string_view toml) {
    std::vector<std::string> out;
    for (const auto& error : parse_policy(toml, "p.toml").errors) {
        out.push_back(error.to_string());
    }
    return out;
}

TEST(TheExemptionsSection, ReportsBadValuesWithTheirPosition) {
    EXPECT_THAT(errors_of("[policy]\nversion = 1\n[exemptions]\nmax_duration = \"8 hours\"\n"),
                ::testing::ElementsAre(HasSubstr("p.toml:4:16: exemptions.max_duration is not a "
                                                 "duration")));
    EXPECT_THAT(errors_of("[policy]\nversion = 1\n[exemptions]\nmax_duration = \"90d\"\n"),
                ::testing::ElementsAre(HasSubstr("must be between 1m and 30d, not 90d")));
    EXPECT_THAT(errors_of("[policy]\nversion = 1\n[exemptions]\nallowed = \"yes\"\n"),
                ::testing::ElementsAre(HasSubstr("exemptions.allowed must be true or false")));
    EXPECT_THAT(errors_of("[policy]\nversion = 1\n[exemptions]\nallow = true\n"),
                ::testing::ElementsAre(HasSubstr("unknown key 'allow' in [exemptions]")));
}

TEST(ARuleId, MayNotPassForARuntimeExemption) {
    EXPECT_THAT(errors_of("[policy]\nversion = 1\n[[rule]]\nid = \"exemption:1\"\nverdict = "
                          "\"allow\"\n"),
                ::testing::ElementsAre(HasSubstr("must not start with \"exemption:\"")));
}

TEST(ADuration, IsReadInWholeDaysHoursMinutesAndSeconds) {
    EXPECT_EQ(parse_duration("8h"), hours{8});
    EXPECT_EQ(parse_duration("90m"), minutes{90});
    EXPECT_EQ(parse_duration("1d2h3m4s"), seconds{86400 + 7200 + 180 + 4});
    EXPECT_EQ(parse_duration("120s"), seconds{120});
    for (const auto* bad :
         {"", "8", "h", "8H", "1h1d", "1h1h", "-1h", "0s", "1.5h", "8h ", "99999999999999999d"}) {
        EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
    }
    EXPECT_EQ(format_duration(hours{8}), "8h");
    EXPECT_EQ(format_duration(seconds{5400}), "1h30m");
    EXPECT_EQ(format_duration(seconds{86400 + 1}), "1d1s");
}

TEST(AnExemptionTarget, IsAnAddressOrAnAaguid) {
    auto address = parse_exemption_target("c8-3f-26-11-22-33");
    ASSERT_TRUE(address.has_value());
    EXPECT_EQ(address->first, ExemptionTarget::Address);
    EXPECT_EQ(address->second, "C8:3F:26:11:22:33");
    auto aaguid = parse_exemption_target("EE882879721C491397753DFCCE97072A");
    ASSERT_TRUE(aaguid.has_value());
    EXPECT_EQ(aaguid->first, ExemptionTarget::Aaguid);
    EXPECT_EQ(aaguid->second, "ee882879-721c-4913-9775-3dfcce97072a");
    EXPECT_FALSE(parse_exemption_target("keyboard").has_value());
}

}  // namespace
}  // namespace btfence::policy
