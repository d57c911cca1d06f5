// `btfencectl check`'s warnings: rules that can never decide a device under decide(). Each
// case that warns is checked against decide() itself, and near misses must not warn.
#include "btfence/policy/rule_warnings.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "btfence/policy/decision.hpp"
#include "test_support.hpp"

namespace btfence::policy {
namespace {

using ::testing::HasSubstr;
using namespace btfence::policy::testing;

const TimePoint kNow = parse_rfc3339("2026-11-28T12:00:00Z").value();

std::vector<RuleWarningKind> kinds_for(const std::vector<RuleWarning>& warnings,
                                       const std::string& rule_id) {
    std::vector<RuleWarningKind> out;
    for (const auto& warning : warnings) {
        if (warning.rule_id == rule_id) {
            out.push_back(warning.kind);
        }
    }
    return out;
}

DeviceFacts verified_key(std::string aaguid) {
    auto key = fido_key_resolved();
    key.verification = Verification{VerificationState::Passed, std::move(aaguid), {}};
    return key;
}

TEST(RuleWarnings, NoneForTheShippedPasskeyOnlyPolicy) {
    const auto policy = policy_from(R"(
[policy]
version = 1
[[rule]]
id = "fido-keys"
verdict = "allow"
class = ["fido-ble"]
)");
    EXPECT_TRUE(rule_warnings(policy, kNow).empty());
}

TEST(RuleWarnings, AnExpiredRuleFromItsExpiryOnButNotASecondBefore) {
    const auto policy = policy_from(R"(
[policy]
version = 1
[[rule]]
id = "old-exemption"
verdict = "allow"
address = ["C8:3F:26:11:22:33"]
expires = 2026-11-28T12:00:00Z
)");
    const auto warnings = rule_warnings(policy, kNow);
    ASSERT_EQ(warnings.size(), 1U);
    EXPECT_EQ(warnings[0].kind, RuleWarningKind::Expired);
    EXPECT_EQ(warnings[0].rule_id, "old-exemption");
    EXPECT_EQ(warnings[0].line, 4);
    EXPECT_THAT(warnings[0].message, HasSubstr("2026-11-28T12:00:00Z"));
    EXPECT_TRUE(rule_warnings(policy, kNow - std::chrono::seconds(1)).empty());
}

constexpr std::string_view kIssuedKeysVerifyOff = R"(
[policy]
version = 1
[fido]
verify = false
[[rule]]
id = "issued-keys"
verdict = "allow"
class = ["fido-ble"]
verified = true
[[rule]]
id = "issued-model"
verdict = "allow"
aaguid = ["cb69481e-8ff7-4039-93ec-0a2729a154a8"]
)";

TEST(RuleWarnings, VerifiedAndAaguidRulesWhileVerifyIsOff) {
    const auto policy = policy_from(kIssuedKeysVerifyOff);
    const auto warnings = rule_warnings(policy, kNow);
    EXPECT_THAT(kinds_for(warnings, "issued-keys"),
                ::testing::ElementsAre(RuleWarningKind::NeedsVerificationWhileVerifyIsOff));
    EXPECT_THAT(kinds_for(warnings, "issued-model"),
                ::testing::ElementsAre(RuleWarningKind::NeedsVerificationWhileVerifyIsOff));
    // And decide() agrees: even a key with a passed probe (a result kept from an earlier
    // policy, or a DEVICE.json) is not verified with verify off.
    EXPECT_EQ(decide(policy, verified_key("cb69481e-8ff7-4039-93ec-0a2729a154a8"), kNow).rule_id,
              kDefaultRuleId);
}

TEST(RuleWarnings, NoVerificationWarningWithVerifyOnOrForVerifiedFalse) {
    auto text = std::string(kIssuedKeysVerifyOff);
    text.replace(text.find("verify = false"), 14, "verify = true");
    EXPECT_TRUE(rule_warnings(policy_from(text), kNow).empty());
    const auto unverified = policy_from(R"(
[policy]
version = 1
[fido]
verify = false
[[rule]]
id = "unverified"
verdict = "deny"
verified = false
)");
    EXPECT_TRUE(rule_warnings(unverified, kNow).empty());
}

TEST(RuleWarnings, AnAaguidRuleForAClassThatIsNeverVerified) {
    const auto policy = policy_from(R"(
[policy]
version = 1
[[rule]]
id = "phones"
verdict = "allow"
class = ["hybrid", "other"]
aaguid = ["cb69481e-8ff7-4039-93ec-0a2729a154a8"]
[[rule]]
id = "keys-and-others"
verdict = "allow"
class = ["other", "fido-ble"]
verified = true
)");
    const auto warnings = rule_warnings(policy, kNow);
    EXPECT_THAT(kinds_for(warnings, "phones"),
                ::testing::ElementsAre(RuleWarningKind::NeedsVerificationOfAClassNeverVerified));
    EXPECT_THAT(warnings.at(0).message, HasSubstr("hybrid, other"));
    EXPECT_TRUE(kinds_for(warnings, "keys-and-others").empty());
    // decide(): a device that passed as a key and now also serves HID is class other and not
    // verified, so neither rule allows it as a verified device.
    auto turned_other = verified_key("cb69481e-8ff7-4039-93ec-0a2729a154a8");
    turned_other.uuids.push_back(uuid_from_short(0x1812));
    EXPECT_EQ(decide(policy, turned_other, kNow).rule_id, kDefaultRuleId);
}

TEST(RuleWarnings, ARuleForAnAdapterOutsidePolicyAdapters) {
    const auto policy = policy_from(R"(
[policy]
version = 1
adapters = ["hci0"]
[[rule]]
id = "dock-devices"
verdict = "allow"
adapter = ["hci1"]
[[rule]]
id = "dock-by-address"
verdict = "allow"
adapter = ["00:1A:7D:DA:71:14"]
[[rule]]
id = "built-in"
verdict = "allow"
adapter = ["hci0", "hci1"]
)");
    const auto warnings = rule_warnings(policy, kNow);
    EXPECT_THAT(kinds_for(warnings, "dock-devices"),
                ::testing::ElementsAre(RuleWarningKind::AdapterNeverManaged));
    // hci0 may be the adapter with that address: not certain, no warning.
    EXPECT_TRUE(kinds_for(warnings, "dock-by-address").empty());
    EXPECT_TRUE(kinds_for(warnings, "built-in").empty());
}

TEST(RuleWarnings, ARuleBehindABroaderOneIsNeverReached) {
    const auto policy = policy_from(R"(
[policy]
version = 1
[[rule]]
id = "fido-keys"
verdict = "allow"
class = ["fido-ble"]
[[rule]]
id = "recalled-model"
verdict = "deny"
class = ["fido-ble"]
aaguid = ["cb69481e-8ff7-4039-93ec-0a2729a154a8"]
not_before = 2026-12-01T00:00:00Z
)");
    const auto warnings = rule_warnings(policy, kNow);
    ASSERT_EQ(warnings.size(), 1U);
    EXPECT_EQ(warnings[0].kind, RuleWarningKind::Shadowed);
    EXPECT_EQ(warnings[0].rule_id, "recalled-model");
    EXPECT_THAT(warnings[0].message, HasSubstr("\"fido-keys\" (line 4)"));
    EXPECT_EQ(decide(policy, verified_key("cb69481e-8ff7-4039-93ec-0a2729a154a8"),
                     parse_rfc3339("2026-12-02T00:00:00Z").value())
                  .rule_id,
              "fido-keys");
}

TEST(RuleWarnings, EveryRuleAfterACatchAllIsNeverReached) {
    const auto policy = policy_from(R"(
[policy]
version = 1
[[rule]]
id = "everything"
verdict = "deny"
[[rule]]
id = "keys"
verdict = "allow"
class = ["fido-ble"]
[[rule]]
id = "keyboard"
verdict = "allow"
address = ["C8:3F:26:11:22:33"]
name = "Keyboard*"
)");
    const auto warnings = rule_warnings(policy, kNow);
    EXPECT_THAT(kinds_for(warnings, "keys"), ::testing::ElementsAre(RuleWarningKind::Shadowed));
    EXPECT_THAT(kinds_for(warnings, "keyboard"), ::testing::ElementsAre(RuleWarningKind::Shadowed));
}

TEST(RuleWarnings, NoShadowWhenTheEarlierRuleIsNarrowerInAnyWay) {
    // Each later rule matches some device or instant the earlier one does not.
    const auto policy = policy_from(R"(
[policy]
version = 1
[[rule]]
id = "exemption"
verdict = "allow"
address = ["C8:3F:26:11:22:33"]
expires = 2026-12-08T17:00:00Z
[[rule]]
id = "same-device-longer"
verdict = "deny"
address = ["C8:3F:26:11:22:33"]
[[rule]]
id = "verified-keys"
verdict = "allow"
class = ["fido-ble"]
verified = true
[[rule]]
id = "all-keys"
verdict = "deny"
class = ["fido-ble"]
[[rule]]
id = "named-keys"
verdict = "allow"
name = "YubiKey*"
[[rule]]
id = "two-addresses"
verdict = "allow"
address = ["C8:3F:26:11:22:33", "C8:3F:26:11:22:34"]
)");
    EXPECT_TRUE(rule_warnings(policy, kNow).empty());
}

TEST(RuleWarnings, AnAaguidRuleBehindAVerifiedRuleOfTheSameClass) {
    const auto policy = policy_from(R"(
[policy]
version = 1
[[rule]]
id = "verified-keys"
verdict = "allow"
class = ["fido-ble"]
verified = true
[[rule]]
id = "withdrawn-model"
verdict = "deny"
class = ["fido-ble"]
aaguid = ["0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"]
)");
    EXPECT_THAT(kinds_for(rule_warnings(policy, kNow), "withdrawn-model"),
                ::testing::ElementsAre(RuleWarningKind::Shadowed));
}

}  // namespace
}  // namespace btfence::policy
