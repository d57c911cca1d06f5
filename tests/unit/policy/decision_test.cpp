// Decisions: first match wins, the default, time windows to the second, adapter scope, audit
// mode, verification matchers and the next instant a decision can change.
#include "btfence/policy/decision.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace btfence::policy {
namespace {

using ::testing::HasSubstr;
using namespace btfence::policy::testing;
using std::chrono::seconds;

const TimePoint kNow = parse_rfc3339("2026-11-28T12:00:00Z").value();

constexpr std::string_view kPasskeyOnly = R"(
[policy]
version = 1
default = "deny"

[[rule]]
id = "fido-keys"
verdict = "allow"
class = ["fido-ble"]
reason = "passkeys"
)";

TEST(AFidoKeyUnderThePasskeyOnlyPolicy, IsAllowedByTheFidoRule) {
    const auto decision = decide(policy_from(kPasskeyOnly), fido_key_resolved(), kNow);
    EXPECT_EQ(decision.verdict, Verdict::Allow);
    EXPECT_TRUE(decision.allowed());
    EXPECT_EQ(decision.rule_id, "fido-keys");
    EXPECT_EQ(decision.rule_reason, "passkeys");
    EXPECT_EQ(decision.classification.device_class, DeviceClass::FidoBle);
    EXPECT_THAT(decision.reason, HasSubstr("fido-keys"));
    EXPECT_TRUE(decision.managed);
    EXPECT_FALSE(decision.enforce_denial());
    EXPECT_EQ(decision.next_change, std::nullopt);
}

TEST(AKeyboardUnderThePasskeyOnlyPolicy, IsDeniedByTheDefault) {
    const auto decision = decide(policy_from(kPasskeyOnly), keyboard(), kNow);
    EXPECT_EQ(decision.verdict, Verdict::Deny);
    EXPECT_EQ(decision.rule_id, kDefaultRuleId);
    EXPECT_TRUE(decision.rule_reason.empty());
    EXPECT_EQ(decision.classification.device_class, DeviceClass::Other);
    EXPECT_THAT(decision.reason, HasSubstr("default"));
    EXPECT_TRUE(decision.enforce_denial());
}

TEST(ADeviceThatMatchesNoRule, GetsTheDefaultVerdictEvenWhenItIsAllow) {
    const auto policy = policy_from(R"(
[policy]
version = 1
default = "allow"
[[rule]]
id = "no-headsets"
verdict = "deny"
name = "Headset*"
)");
    EXPECT_EQ(decide(policy, keyboard(), kNow).verdict, Verdict::Allow);
    EXPECT_EQ(decide(policy, keyboard(), kNow).rule_id, "default");
    EXPECT_EQ(decide(policy, headset(), kNow).verdict, Verdict::Deny);
    EXPECT_EQ(decide(policy, headset(), kNow).rule_id, "no-headsets");
}

TEST(TwoMatchingRules, TheFirstInFileOrderWins) {
    const auto policy = policy_from(R"(
[policy]
version = 1
[[rule]]
id = "deny-this-key"
verdict = "deny"
address = ["C0:FF:EE:00:00:01"]
[[rule]]
id = "fido-keys"
verdict = "allow"
class = ["fido-ble"]
)");
    const auto decision = decide(policy, fido_key_resolved(), kNow);
    EXPECT_EQ(decision.verdict, Verdict::Deny);
    EXPECT_EQ(decision.rule_id, "deny-this-key");

    auto other_key = fido_key_resolved();
    other_key.address = "C0:FF:EE:00:00:02";
    EXPECT_EQ(decide(policy, other_key, kNow).rule_id, "fido-keys");
}

// --- time windows ------------------------------------------------------------------------

constexpr std::string_view kExemption = R"(
[policy]
version = 1
[[rule]]
id = "fido-keys"
verdict = "allow"
class = ["fido-ble"]
[[rule]]
id = "inc-4711"
verdict = "allow"
address = ["C8:3F:26:11:22:33"]
not_before = 2026-12-01T08:00:00+01:00
expires = 2026-12-08T18:00:00+01:00
reason = "INC-4711"
)";

TEST(AnExemption, AllowsTheDeviceUntilOneSecondBeforeItExpires) {
    const auto decision = decide(policy_from(kExemption), keyboard(), at("2026-12-08T16:59:59Z"));
    EXPECT_EQ(decision.verdict, Verdict::Allow);
    EXPECT_EQ(decision.rule_id, "inc-4711");
    EXPECT_EQ(decision.rule_reason, "INC-4711");
}

TEST(AnExemption, NoLongerMatchesAtTheExactInstantItExpires) {
    const auto decision = decide(policy_from(kExemption), keyboard(), at("2026-12-08T17:00:00Z"));
    EXPECT_EQ(decision.verdict, Verdict::Deny);
    EXPECT_EQ(decision.rule_id, "default");
    EXPECT_EQ(decision.next_change, std::nullopt);
}

TEST(AnExemption, DoesNotMatchOneSecondBeforeItStarts) {
    const auto decision = decide(policy_from(kExemption), keyboard(), at("2026-12-01T06:59:59Z"));
    EXPECT_EQ(decision.verdict, Verdict::Deny);
    EXPECT_EQ(decision.rule_id, "default");
}

TEST(AnExemption, MatchesFromTheExactInstantItStarts) {
    const auto decision = decide(policy_from(kExemption), keyboard(), at("2026-12-01T07:00:00Z"));
    EXPECT_EQ(decision.verdict, Verdict::Allow);
    EXPECT_EQ(decision.rule_id, "inc-4711");
}

TEST(ADeviceWaitingForItsExemption, LearnsWhenItsDecisionChanges) {
    const auto decision = decide(policy_from(kExemption), keyboard(), at("2026-11-30T00:00:00Z"));
    EXPECT_EQ(decision.next_change, at("2026-12-01T07:00:00Z"));
}

TEST(ADeviceAllowedByAnExemption, LearnsWhenItExpires) {
    const auto decision = decide(policy_from(kExemption), keyboard(), at("2026-12-05T00:00:00Z"));
    EXPECT_EQ(decision.next_change, at("2026-12-08T17:00:00Z"));
}

TEST(ADeviceNoExemptionCouldMatch, HasNoNextChange) {
    const auto decision = decide(policy_from(kExemption), headset(), at("2026-12-05T00:00:00Z"));
    EXPECT_EQ(decision.next_change, std::nullopt);
}

TEST(ADeviceAllowedByAnEarlierPermanentRule, IsNotTimeDependent) {
    // The exemption comes after "fido-keys" and cannot change a FIDO key's decision.
    auto key = fido_key_resolved();
    key.address = "C8:3F:26:11:22:33";
    const auto decision = decide(policy_from(kExemption), key, at("2026-12-05T00:00:00Z"));
    EXPECT_EQ(decision.rule_id, "fido-keys");
    EXPECT_EQ(decision.next_change, std::nullopt);
}

TEST(TheNextChange, IsTheEarliestBoundaryOfTheRulesThatFitTheDevice) {
    const auto policy = policy_from(R"(
[policy]
version = 1
[[rule]]
id = "later"
verdict = "allow"
class = ["other"]
not_before = 2026-12-10T00:00:00Z
[[rule]]
id = "sooner"
verdict = "allow"
class = ["other"]
not_before = 2026-12-03T00:00:00Z
expires = 2026-12-04T00:00:00Z
[[rule]]
id = "for-someone-else"
verdict = "allow"
address = ["11:22:33:44:55:66"]
not_before = 2026-11-29T00:00:00Z
)");
    EXPECT_EQ(decide(policy, keyboard(), kNow).next_change, at("2026-12-03T00:00:00Z"));
    EXPECT_EQ(decide(policy, keyboard(), at("2026-12-03T10:00:00Z")).next_change,
              at("2026-12-04T00:00:00Z"));
    EXPECT_EQ(decide(policy, keyboard(), at("2026-12-03T10:00:00Z")).rule_id, "sooner");
}

// --- adapters --------------------------------------------------------------------------------

constexpr std::string_view kOnlyHci1 = R"(
[policy]
version = 1
adapters = ["hci1"]
)";

TEST(ADeviceOnAnUnmanagedAdapter, IsAllowedWithTheUnmanagedAdapterRule) {
    const auto decision = decide(policy_from(kOnlyHci1), keyboard(), kNow);  // on hci0
    EXPECT_EQ(decision.verdict, Verdict::Allow);
    EXPECT_EQ(decision.rule_id, kUnmanagedRuleId);
    EXPECT_EQ(decision.rule_id, "unmanaged-adapter");
    EXPECT_FALSE(decision.managed);
    EXPECT_FALSE(decision.enforce_denial());
    EXPECT_THAT(decision.reason, HasSubstr("hci0"));
}

TEST(ADeviceOnAManagedAdapter, IsDecidedByThePolicy) {
    auto on_hci1 = keyboard();
    on_hci1.adapter = "hci1";
    const auto decision = decide(policy_from(kOnlyHci1), on_hci1, kNow);
    EXPECT_EQ(decision.verdict, Verdict::Deny);
    EXPECT_TRUE(decision.managed);
    EXPECT_TRUE(decision.enforce_denial());
}

TEST(AnAdapterListedByItsAddress, IsManagedWhateverItsName) {
    const auto policy = policy_from(R"(
[policy]
version = 1
adapters = ["00:1a:7d:da:71:13"]
)");
    EXPECT_TRUE(decide(policy, keyboard(), kNow).managed);
    auto elsewhere = keyboard();
    elsewhere.adapter_address = "00:1A:7D:DA:71:14";
    EXPECT_FALSE(decide(policy, elsewhere, kNow).managed);
}

TEST(ARuleAdapterMatcher, MatchesOnlyDevicesSeenThroughThatAdapter) {
    const auto policy = policy_from(R"(
[policy]
version = 1
[[rule]]
id = "dock-keyboard"
verdict = "allow"
adapter = ["hci1"]
)");
    EXPECT_EQ(decide(policy, keyboard(), kNow).rule_id, "default");
    auto on_dock = keyboard();
    on_dock.adapter = "hci1";
    EXPECT_EQ(decide(policy, on_dock, kNow).rule_id, "dock-keyboard");
}

// --- audit mode ------------------------------------------------------------------------------

TEST(AuditMode, DecidesAsEnforceWouldButDoesNotAskForEnforcement) {
    const auto policy = policy_from(R"(
[policy]
version = 1
mode = "audit"
[[rule]]
id = "fido-keys"
verdict = "allow"
class = ["fido-ble"]
)");
    const auto denied = decide(policy, keyboard(), kNow);
    EXPECT_EQ(denied.mode, Mode::Audit);
    EXPECT_EQ(denied.verdict, Verdict::Deny);
    EXPECT_EQ(denied.rule_id, "default");
    EXPECT_FALSE(denied.allowed());
    EXPECT_FALSE(denied.enforce_denial());
    EXPECT_EQ(decide(policy, fido_key_resolved(), kNow).verdict, Verdict::Allow);
}

// --- matchers --------------------------------------------------------------------------------

constexpr std::string_view kVerifiedKeys = R"(
[policy]
version = 1
[[rule]]
id = "yubikey-5"
verdict = "allow"
aaguid = ["cb69481e-8ff7-4039-93ec-0a2729a154a8"]
[[rule]]
id = "verified-keys"
verdict = "allow"
class = ["fido-ble"]
verified = true
[[rule]]
id = "unverified-keys"
verdict = "deny"
class = ["fido-ble"]
verified = false
)";

DeviceFacts key_with(VerificationState state, std::string aaguid = {}, std::string detail = {}) {
    auto key = fido_key_resolved();
    key.verification = Verification{state, std::move(aaguid), std::move(detail)};
    return key;
}

TEST(AKeyThatPassedTheProbeWithAListedAaguid, MatchesTheAaguidRule) {
    const auto decision =
        decide(policy_from(kVerifiedKeys),
               key_with(VerificationState::Passed, "cb69481e-8ff7-4039-93ec-0a2729a154a8"), kNow);
    EXPECT_EQ(decision.rule_id, "yubikey-5");
    EXPECT_FALSE(decision.pending_verification);
}

TEST(AKeyThatPassedTheProbeWithAnotherAaguid, MatchesTheVerifiedRule) {
    const auto decision =
        decide(policy_from(kVerifiedKeys),
               key_with(VerificationState::Passed, "ee882879-721c-4913-9775-3dfcce97072a"), kNow);
    EXPECT_EQ(decision.rule_id, "verified-keys");
}

TEST(AKeyThatFailedTheProbe, IsDeniedAsASuspectedSpoofWhateverTheRulesSay) {
    // The AAGUID a failed probe reported is not trusted, and with verify on the failure wins.
    const auto decision =
        decide(policy_from(kVerifiedKeys),
               key_with(VerificationState::Failed, "cb69481e-8ff7-4039-93ec-0a2729a154a8",
                        "versions U2F_V2"),
               kNow);
    EXPECT_EQ(decision.rule_id, kVerificationFailedRuleId);
    EXPECT_EQ(decision.verdict, Verdict::Deny);
    EXPECT_TRUE(decision.enforce_denial());
    EXPECT_THAT(decision.reason, HasSubstr("U2F_V2"));
    EXPECT_THAT(decision.reason, HasSubstr("suspected spoof"));
}

TEST(AKeyThatFailedTheProbe, IsDeniedEvenByAPolicyThatAllowsEveryFidoKey) {
    const auto decision =
        decide(policy_from(kPasskeyOnly), key_with(VerificationState::Failed), kNow);
    EXPECT_EQ(decision.rule_id, kVerificationFailedRuleId);
    EXPECT_EQ(decision.verdict, Verdict::Deny);
}

TEST(AKeyWhoseProbeWasInconclusiveTooOften, IsDeniedToFailClosedButNotAsASpoof) {
    const auto decision =
        decide(policy_from(kPasskeyOnly),
               key_with(VerificationState::Inconclusive, "", "the device disconnected"), kNow);
    EXPECT_EQ(decision.rule_id, kVerificationInconclusiveRuleId);
    EXPECT_EQ(decision.verdict, Verdict::Deny);
    EXPECT_THAT(decision.reason, HasSubstr("the device disconnected"));
    EXPECT_THAT(decision.reason, ::testing::Not(HasSubstr("spoof")));
}

TEST(AProbeResult, IsIgnoredWhenVerificationIsOff) {
    // verify = false: btfenced probes nothing, and a result kept from an earlier policy (or
    // given in a DEVICE.json) counts neither as an override nor as verified.
    const auto policy = policy_from(std::string(kVerifiedKeys) + "[fido]\nverify = false\n");
    EXPECT_EQ(decide(policy, key_with(VerificationState::Failed), kNow).rule_id, "unverified-keys");
    EXPECT_EQ(
        decide(policy, key_with(VerificationState::Passed, "cb69481e-8ff7-4039-93ec-0a2729a154a8"),
               kNow)
            .rule_id,
        "unverified-keys");
}

TEST(APassedProbe, CountsOnlyWhileTheDeviceIsFidoBle) {
    // A key that passed and later serves HID as well is class other: not a verified key.
    auto turned_other = key_with(VerificationState::Passed, "cb69481e-8ff7-4039-93ec-0a2729a154a8");
    turned_other.uuids.push_back(uuid_from_short(0x1812));
    const auto policy = policy_from(R"(
[policy]
version = 1
[[rule]]
id = "any-verified-device"
verdict = "allow"
verified = true
)");
    EXPECT_EQ(decide(policy, turned_other, kNow).rule_id, kDefaultRuleId);
}

constexpr std::string_view kIssuedKeysOnly = R"(
[policy]
version = 1
default = "deny"
[[rule]]
id = "issued-keys"
verdict = "allow"
class = ["fido-ble"]
verified = true
aaguid = ["cb69481e-8ff7-4039-93ec-0a2729a154a8"]
)";

TEST(AKeyWhoseProbeIsPending, KeepsItsBondUnderAVerifiedAaguidOnlyPolicy) {
    // passkey-only.toml's commented rule, alone: without pending, every key was removed before
    // its probe could pass.
    for (const auto& key : {fido_key_resolved(), key_with(VerificationState::Pending)}) {
        const auto decision = decide(policy_from(kIssuedKeysOnly), key, kNow);
        EXPECT_EQ(decision.verdict, Verdict::Allow);
        EXPECT_EQ(decision.rule_id, kVerificationPendingRuleId);
        EXPECT_TRUE(decision.pending_verification);
        EXPECT_FALSE(decision.enforce_denial());
        EXPECT_THAT(decision.reason, HasSubstr("issued-keys"));
    }
}

TEST(AKeyWhoseProbePassed, IsDecidedOnTheResultUnderAVerifiedAaguidOnlyPolicy) {
    const auto listed =
        decide(policy_from(kIssuedKeysOnly),
               key_with(VerificationState::Passed, "cb69481e-8ff7-4039-93ec-0a2729a154a8"), kNow);
    EXPECT_EQ(listed.rule_id, "issued-keys");
    EXPECT_EQ(listed.verdict, Verdict::Allow);
    EXPECT_FALSE(listed.pending_verification);
    const auto other_model =
        decide(policy_from(kIssuedKeysOnly),
               key_with(VerificationState::Passed, "ee882879-721c-4913-9775-3dfcce97072a"), kNow);
    EXPECT_EQ(other_model.rule_id, kDefaultRuleId);
    EXPECT_EQ(other_model.verdict, Verdict::Deny);
}

TEST(AKeyWhoseProbeIsPending, IsDeniedWhenNoProbeResultCouldAllowIt) {
    const auto policy = policy_from(R"(
[policy]
version = 1
[[rule]]
id = "no-keys-here"
verdict = "deny"
class = ["fido-ble"]
[[rule]]
id = "issued-keys"
verdict = "allow"
verified = true
)");
    const auto decision = decide(policy, fido_key_resolved(), kNow);
    EXPECT_EQ(decision.rule_id, "no-keys-here");
    EXPECT_FALSE(decision.pending_verification);
}

TEST(AKeyWhoseProbeIsPending, IsAllowedByARuleThatNeedsNoVerificationAndMarkedPending) {
    const auto decision = decide(policy_from(kPasskeyOnly), fido_key_resolved(), kNow);
    EXPECT_EQ(decision.rule_id, "fido-keys");
    EXPECT_TRUE(decision.pending_verification) << "a failed probe would still deny it";
}

TEST(AKeyWhoseProbeIsPending, SkipsAnAaguidDenyRuleItMightNotMatch) {
    const auto policy = policy_from(R"(
[policy]
version = 1
[[rule]]
id = "banned-model"
verdict = "deny"
aaguid = ["cb69481e-8ff7-4039-93ec-0a2729a154a8"]
[[rule]]
id = "verified-keys"
verdict = "allow"
class = ["fido-ble"]
verified = true
)");
    EXPECT_EQ(decide(policy, fido_key_resolved(), kNow).rule_id, kVerificationPendingRuleId);
}

TEST(PendingVerification, AppliesNeitherWhenVerifyIsOffNorToOtherClasses) {
    const auto off = policy_from(std::string(kIssuedKeysOnly) + "[fido]\nverify = false\n");
    EXPECT_EQ(decide(off, fido_key_resolved(), kNow).rule_id, kDefaultRuleId);
    EXPECT_FALSE(verification_pending(off, fido_key_resolved()));
    const auto on = policy_from(kIssuedKeysOnly);
    EXPECT_EQ(decide(on, keyboard(), kNow).rule_id, kDefaultRuleId);
    EXPECT_FALSE(verification_pending(on, keyboard()));
    EXPECT_TRUE(verification_pending(on, fido_key_resolved()));
    EXPECT_FALSE(verification_pending(on, key_with(VerificationState::Passed)));
}

TEST(UnreadableProperties, DenyAManagedDeviceWhateverTheRulesSay) {
    const auto decision =
        decide(policy_from(kPasskeyOnly), fido_key_resolved(),
               DecisionContext{kNow, {"UUIDs: expected as, got s", "Paired: expected b"}});
    EXPECT_EQ(decision.rule_id, kMalformedRuleId);
    EXPECT_EQ(decision.verdict, Verdict::Deny);
    EXPECT_FALSE(decision.pending_verification);
    EXPECT_THAT(decision.reason, HasSubstr("UUIDs: expected as, got s; Paired: expected b"));
}

TEST(UnreadableProperties, LeaveADeviceOnAnUnmanagedAdapterAlone) {
    const auto policy =
        policy_from(std::string(kPasskeyOnly)
                        .replace(kPasskeyOnly.find("default"), 0, "adapters = [\"hci1\"]\n"));
    const auto decision =
        decide(policy, key_with(VerificationState::Failed), DecisionContext{kNow, {"UUIDs"}});
    EXPECT_EQ(decision.rule_id, kUnmanagedRuleId);
    EXPECT_EQ(decision.verdict, Verdict::Allow);
}

TEST(AnOuiMatcher, MatchesPublicAddressesByTheirFirstThreeBytes) {
    const auto policy = policy_from(R"(
[policy]
version = 1
[[rule]]
id = "vendor"
verdict = "allow"
oui = ["C8:3F:26"]
)");
    EXPECT_EQ(decide(policy, keyboard(), kNow).rule_id, "vendor");
    auto random_address = keyboard();
    random_address.address_type = "random";  // random addresses carry no OUI
    EXPECT_EQ(decide(policy, random_address, kNow).rule_id, "default");
}

TEST(ANameGlob, MatchesTheNameAndFallsBackToTheAlias) {
    const auto policy = policy_from(R"(
[policy]
version = 1
[[rule]]
id = "yubikeys"
verdict = "allow"
name = "YubiKey*"
)");
    EXPECT_EQ(decide(policy, fido_key_advertising(), kNow).rule_id, "yubikeys");
    auto alias_only = fido_key_advertising();
    alias_only.name.clear();
    alias_only.alias = "YubiKey 5C";
    EXPECT_EQ(decide(policy, alias_only, kNow).rule_id, "yubikeys");
    EXPECT_EQ(decide(policy, keyboard(), kNow).rule_id, "default");
}

TEST(ARuleWithSeveralMatchers, MatchesOnlyWhenAllHold) {
    const auto policy = policy_from(R"(
[policy]
version = 1
[[rule]]
id = "this-keyboard"
verdict = "allow"
class = ["other"]
address = ["C8:3F:26:11:22:33"]
name = "Accessibility*"
)");
    EXPECT_EQ(decide(policy, keyboard(), kNow).rule_id, "this-keyboard");
    auto renamed = keyboard();
    renamed.name = "Keyboard";
    EXPECT_EQ(decide(policy, renamed, kNow).rule_id, "default");
    auto other_address = keyboard();
    other_address.address = "C8:3F:26:11:22:34";
    EXPECT_EQ(decide(policy, other_address, kNow).rule_id, "default");
}

TEST(AClassMatcher, MatchesAnyOfTheListedClasses) {
    const auto policy = policy_from(R"(
[policy]
version = 1
[[rule]]
id = "passkeys"
verdict = "allow"
class = ["fido-ble", "hybrid"]
)");
    EXPECT_EQ(decide(policy, fido_key_advertising(), kNow).rule_id, "passkeys");
    EXPECT_EQ(decide(policy, hybrid_phone(uuids::kHybrid, 20), kNow).rule_id, "passkeys");
    EXPECT_EQ(decide(policy, hybrid_phone(uuids::kHybrid, 19), kNow).rule_id, "default");
}

}  // namespace
}  // namespace btfence::policy
