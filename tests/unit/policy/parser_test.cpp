// The policy parser: every key of docs/policy.md, and every way a file can be wrong, reported
// at the line and column an admin has to look at.
#include "btfence/policy/parser.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "btfence/policy/digest.hpp"
#include "test_support.hpp"

namespace btfence::policy {
namespace {

using ::testing::HasSubstr;
using namespace btfence::policy::testing;

// Lines 1-2 of most test files; what a test adds starts on line 3.
constexpr std::string_view kHeader = "[policy]\nversion = 1\n";

std::string with_header(std::string_view rest) {
    return std::string(kHeader) + std::string(rest);
}

std::string describe(const std::vector<PolicyError>& errors) {
    std::string out;
    for (const auto& error : errors) {
        out += "\n  " + error.to_string();
    }
    return out.empty() ? " (none)" : out;
}

/// The file is rejected with exactly one error, at LINE:COLUMN, whose message has `fragment`.
::testing::AssertionResult RejectedAt(std::string_view text, int line, int column,
                                      std::string_view fragment) {
    const auto result = parse_policy(text, "p.toml");
    if (result.ok() || result.errors.size() != 1) {
        return ::testing::AssertionFailure()
               << "expected one error, got" << describe(result.errors);
    }
    const auto& error = result.errors.front();
    if (error.line != line || error.column != column ||
        error.message.find(fragment) == std::string::npos) {
        return ::testing::AssertionFailure() << "expected " << line << ":" << column << " with \""
                                             << fragment << "\", got" << describe(result.errors);
    }
    if (result.policy.has_value()) {
        return ::testing::AssertionFailure() << "a policy was returned despite the error";
    }
    return ::testing::AssertionSuccess();
}

// --- syntax and structure -------------------------------------------------------------

TEST(APolicyWithATomlSyntaxError, IsReportedWhereTomlxxStopped) {
    EXPECT_TRUE(RejectedAt("[policy]\nversion = \n", 2, 11, "TOML syntax"));
}

TEST(APolicyWithADuplicateKey, IsATomlSyntaxErrorAtTheSecondKey) {
    EXPECT_TRUE(RejectedAt("[policy]\nversion = 1\nversion = 1\n", 3, 11, "TOML syntax"));
}

TEST(AnEmptyFile, LacksThePolicyTable) {
    EXPECT_TRUE(RejectedAt("", 1, 1, "missing [policy] table"));
}

TEST(APolicyKeyThatIsNotATable, IsRejectedAtItsValue) {
    EXPECT_TRUE(RejectedAt("policy = 1\n", 1, 10, "policy must be a table"));
}

TEST(APolicyTableWithoutVersion, IsRejectedAtTheTableHeader) {
    EXPECT_TRUE(RejectedAt("# comment\n[policy]\nmode = \"audit\"\n", 2, 1, "version is required"));
}

TEST(AVersionThatIsAString, IsATypeError) {
    EXPECT_TRUE(RejectedAt("[policy]\nversion = \"1\"\n", 2, 11,
                           "policy.version must be an integer, not a string"));
}

TEST(AnUnsupportedVersion, IsRejected) {
    EXPECT_TRUE(RejectedAt("[policy]\nversion = 2\n", 2, 11, "unsupported policy version 2"));
}

TEST(AnUnknownTopLevelTable, IsRejectedAtItsName) {
    EXPECT_TRUE(RejectedAt(with_header("[polcy]\nx = 1\n"), 3, 2, "unknown key 'polcy'"));
}

TEST(AnUnknownKeyInPolicy, IsRejectedAtTheKeyAndListsTheKnownKeys) {
    EXPECT_TRUE(RejectedAt(with_header("mdoe = \"audit\"\n"), 3, 1,
                           "unknown key 'mdoe' in [policy] (expected one of: version, mode"));
}

TEST(ASubTableOfPolicy, IsAnUnknownKey) {
    EXPECT_TRUE(RejectedAt(with_header("[policy.extra]\nx = 1\n"), 3, 9, "unknown key 'extra'"));
}

TEST(AnUnknownKeyInFido, IsRejectedAtTheKey) {
    EXPECT_TRUE(RejectedAt(with_header("[fido]\n  timeout = 5\n"), 4, 3,
                           "unknown key 'timeout' in [fido]"));
}

TEST(AnUnknownKeyInBluez, IsRejectedAtTheKey) {
    EXPECT_TRUE(RejectedAt(with_header("[bluez]\nallowlist = \"off\"\n"), 4, 1,
                           "unknown key 'allowlist' in [bluez]"));
}

TEST(AnUnknownKeyInARule, IsRejectedAtTheKey) {
    EXPECT_TRUE(RejectedAt(with_header("[[rule]]\nid = \"a\"\nverdict = \"allow\"\n"
                                       "adress = [\"AA:BB:CC:DD:EE:FF\"]\n"),
                           6, 1, "unknown key 'adress' in [[rule]]"));
}

TEST(AFidoKeyThatIsNotATable, IsRejected) {
    EXPECT_TRUE(RejectedAt("fido = true\n[policy]\nversion = 1\n", 1, 8, "fido must be a table"));
}

// --- [policy] values ----------------------------------------------------------------------

TEST(AnUnknownMode, IsRejectedAtTheValue) {
    EXPECT_TRUE(RejectedAt(with_header("mode = \"enforced\"\n"), 3, 8,
                           "policy.mode must be one of \"enforce\", \"audit\", not \"enforced\""));
}

TEST(AnUnknownDefaultVerdict, IsRejectedAtTheValue) {
    EXPECT_TRUE(RejectedAt(with_header("default = \"block\"\n"), 3, 11,
                           "policy.default must be one of \"allow\", \"deny\""));
}

TEST(AnUnknownExistingBondsSetting, IsRejectedAtTheValue) {
    EXPECT_TRUE(RejectedAt(with_header("existing_bonds = \"remove\"\n"), 3, 18,
                           "policy.existing_bonds must be one of \"enforce\", \"keep\""));
}

TEST(AModeThatIsNotAString, IsATypeError) {
    EXPECT_TRUE(RejectedAt(with_header("mode = 1\n"), 3, 8, "must be a string, not an integer"));
}

TEST(AdaptersThatAreNotAnArray, IsATypeError) {
    EXPECT_TRUE(RejectedAt(with_header("adapters = \"hci0\"\n"), 3, 12,
                           "policy.adapters must be an array of strings, not a string"));
}

TEST(BadAdapterEntries, AreEachRejectedAtTheirOwnPosition) {
    const auto result =
        parse_policy(with_header("adapters = [\"hci0\", 1, \"wlan0\"]\n"), "p.toml");
    ASSERT_EQ(result.errors.size(), 2U) << describe(result.errors);
    EXPECT_EQ(result.errors[0].line, 3);
    EXPECT_EQ(result.errors[0].column, 21);
    EXPECT_THAT(result.errors[0].message, HasSubstr("must contain strings, not an integer"));
    EXPECT_EQ(result.errors[1].line, 3);
    EXPECT_EQ(result.errors[1].column, 24);
    EXPECT_THAT(result.errors[1].message,
                HasSubstr("not an adapter name (hciN) or address: \"wlan0\""));
}

// --- [fido] and [bluez] ---------------------------------------------------------------------

TEST(AProbeTimeoutOfZero, IsOutOfRange) {
    EXPECT_TRUE(RejectedAt(with_header("[fido]\nprobe_timeout_ms = 0\n"), 4, 20,
                           "fido.probe_timeout_ms must be between 100 and 60000, not 0"));
}

TEST(AProbeTimeoutAboveAMinute, IsOutOfRange) {
    EXPECT_TRUE(RejectedAt(with_header("[fido]\nprobe_timeout_ms = 60001\n"), 4, 20, "not 60001"));
}

TEST(AProbeTimeoutWrittenAsAFloat, IsATypeError) {
    EXPECT_TRUE(RejectedAt(with_header("[fido]\nprobe_timeout_ms = 5000.0\n"), 4, 20,
                           "must be an integer, not a float"));
}

TEST(AVerifySettingThatIsAString, IsATypeError) {
    EXPECT_TRUE(RejectedAt(with_header("[fido]\nverify = \"yes\"\n"), 4, 10,
                           "fido.verify must be true or false, not a string"));
}

TEST(AnUnknownServiceAllowlistMode, IsRejected) {
    EXPECT_TRUE(RejectedAt(with_header("[bluez]\nservice_allowlist = \"on\"\n"), 4, 21,
                           "bluez.service_allowlist must be one of \"auto\", \"off\""));
}

TEST(AMalformedExtraService, IsRejectedAtTheElement) {
    EXPECT_TRUE(RejectedAt(with_header("[bluez]\nextra_services = [\"fffd\", \"xyz\"]\n"), 4, 27,
                           "not a service UUID (16-, 32- or 128-bit): \"xyz\""));
}

// --- [[rule]] structure ------------------------------------------------------------------

TEST(ARuleWrittenAsASingleTable, IsRejected) {
    EXPECT_TRUE(RejectedAt(with_header("[rule]\nid = \"a\"\nverdict = \"allow\"\n"), 3, 1,
                           "rules are written as [[rule]] tables"));
}

TEST(ARuleWithoutId, IsRejectedAtTheRuleHeader) {
    EXPECT_TRUE(
        RejectedAt(with_header("\n[[rule]]\nverdict = \"allow\"\n"), 4, 1, "[[rule]] needs an id"));
}

TEST(ARuleWithAnEmptyId, IsRejectedAtTheId) {
    EXPECT_TRUE(RejectedAt(with_header("[[rule]]\nid = \"\"\nverdict = \"allow\"\n"), 4, 6,
                           "rule.id must not be empty"));
}

TEST(ARuleIdThatIsNotAString, IsATypeError) {
    EXPECT_TRUE(RejectedAt(with_header("[[rule]]\nid = 7\nverdict = \"allow\"\n"), 4, 6,
                           "rule.id must be a string, not an integer"));
}

TEST(TheRuleIdsThatEventsUseForNoRule, AreReserved) {
    EXPECT_TRUE(RejectedAt(with_header("[[rule]]\nid = \"default\"\nverdict = \"allow\"\n"), 4, 6,
                           "rule.id \"default\" is reserved"));
    EXPECT_TRUE(
        RejectedAt(with_header("[[rule]]\nid = \"unmanaged-adapter\"\nverdict = \"allow\"\n"), 4, 6,
                   "is reserved"));
}

TEST(ARuleIdWithAControlCharacter, IsRejected) {
    EXPECT_TRUE(RejectedAt(with_header("[[rule]]\nid = \"a\\tb\"\nverdict = \"allow\"\n"), 4, 6,
                           "control characters"));
}

TEST(ADuplicateRuleId, IsRejectedAtTheSecondIdAndNamesTheFirstRule) {
    EXPECT_TRUE(RejectedAt(with_header("[[rule]]\nid = \"keys\"\nverdict = \"allow\"\n\n"
                                       "[[rule]]\nid = \"keys\"\nverdict = \"deny\"\n"),
                           8, 6, "duplicate rule id \"keys\" (first used by the rule on line 3)"));
}

TEST(ARuleWithoutVerdict, IsRejectedAtTheRuleHeader) {
    EXPECT_TRUE(RejectedAt(with_header("[[rule]]\nid = \"a\"\n"), 3, 1, "needs a verdict"));
}

TEST(AnUnknownVerdict, IsRejectedAtTheValue) {
    EXPECT_TRUE(RejectedAt(with_header("[[rule]]\nid = \"a\"\nverdict = \"permit\"\n"), 5, 11,
                           "rule.verdict must be one of \"allow\", \"deny\", not \"permit\""));
}

// --- [[rule]] matchers ---------------------------------------------------------------------

std::string rule_with(std::string_view matcher) {
    // The matcher is on line 6, after [[rule]] (3), id (4) and verdict (5).
    return with_header("[[rule]]\nid = \"r\"\nverdict = \"allow\"\n" + std::string(matcher) + "\n");
}

TEST(AnUnknownDeviceClass, IsRejectedAtTheElement) {
    EXPECT_TRUE(
        RejectedAt(rule_with("class = [\"fido-ble\", \"keyboard\"]"), 6, 22,
                   "not a device class (\"fido-ble\", \"hybrid\", \"other\"): \"keyboard\""));
}

TEST(AClassGivenAsAString, IsATypeError) {
    EXPECT_TRUE(RejectedAt(rule_with("class = \"fido-ble\""), 6, 9,
                           "rule.class must be an array of strings, not a string"));
}

TEST(AnEmptyClassList, IsRejectedBecauseItWouldMatchEveryClass) {
    EXPECT_TRUE(RejectedAt(rule_with("class = []"), 6, 9, "rule.class is empty"));
}

TEST(AnEmptyAddressList, IsRejectedBecauseItWouldMatchEveryAddress) {
    EXPECT_TRUE(RejectedAt(rule_with("address = []"), 6, 11,
                           "rule.address is empty; leave the key out to match any address"));
}

TEST(AMalformedAddress, IsRejectedAtTheElement) {
    EXPECT_TRUE(RejectedAt(rule_with("address = [\"AA:BB:CC:DD:EE\"]"), 6, 12,
                           "not a Bluetooth address (AA:BB:CC:DD:EE:FF): \"AA:BB:CC:DD:EE\""));
}

TEST(AMalformedOui, IsRejectedAtTheElement) {
    EXPECT_TRUE(RejectedAt(rule_with("oui = [\"00:1B\"]"), 6, 8, "not an OUI (AA:BB:CC)"));
}

TEST(AMalformedAaguid, IsRejectedAtTheElement) {
    EXPECT_TRUE(
        RejectedAt(rule_with("aaguid = [\"90a3ccdf-635c-4729-a248\"]"), 6, 11, "not an AAGUID"));
}

TEST(AMalformedRuleAdapter, IsRejectedAtTheElement) {
    EXPECT_TRUE(RejectedAt(rule_with("adapter = [\"usb0\"]"), 6, 12,
                           "not an adapter name (hciN) or address: \"usb0\""));
}

TEST(AnEmptyNameGlob, IsRejected) {
    EXPECT_TRUE(RejectedAt(rule_with("name = \"\""), 6, 8, "rule.name must not be empty"));
}

TEST(ANameThatIsNotAString, IsATypeError) {
    EXPECT_TRUE(RejectedAt(rule_with("name = [\"Key*\"]"), 6, 8,
                           "rule.name must be a string, not an array"));
}

TEST(AVerifiedMatcherThatIsAString, IsATypeError) {
    EXPECT_TRUE(RejectedAt(rule_with("verified = \"true\""), 6, 12,
                           "rule.verified must be true or false, not a string"));
}

TEST(AMalformedService, IsRejectedAtTheElement) {
    EXPECT_TRUE(RejectedAt(rule_with("services = [\"0x110b\", \"obex\"]"), 6, 23,
                           "not a service UUID (16-, 32- or 128-bit): \"obex\""));
}

TEST(ServicesOnADenyRule, AreRejectedBecauseADenyGrantsNothing) {
    EXPECT_TRUE(RejectedAt(
        with_header("[[rule]]\nid = \"r\"\nverdict = \"deny\"\nservices = [\"0x1124\"]\n"), 6, 12,
        "a deny rule grants nothing"));
}

TEST(ASpoofBlockThatIsNoDuration, IsRejected) {
    EXPECT_TRUE(RejectedAt(with_header("[fido]\nspoof_block = \"1 day\"\n"), 4, 15,
                           "fido.spoof_block must be a duration"));
    EXPECT_TRUE(RejectedAt(with_header("[fido]\nspoof_block = \"400d\"\n"), 4, 15, "at most 365d"));
}

TEST(ASpoofBlockOfZero, ForgetsSuspectedSpoofsAtOnce) {
    const auto result = parse_policy(with_header("[fido]\nspoof_block = \"0\"\n"), "p.toml");
    ASSERT_TRUE(result.ok()) << describe(result.errors);
    EXPECT_EQ(result.policy->fido.spoof_block.count(), 0);
}

TEST(AnAaguidMatcherWithVerifiedFalse, IsRejectedBecauseItCanNeverMatch) {
    EXPECT_TRUE(RejectedAt(
        rule_with("aaguid = [\"90a3ccdf-635c-4729-a248-9b709135078f\"]\nverified = false"), 7, 12,
        "can never match"));
}

TEST(AReasonThatIsNotAString, IsATypeError) {
    EXPECT_TRUE(RejectedAt(rule_with("reason = 4711"), 6, 10, "rule.reason must be a string"));
}

// --- times -------------------------------------------------------------------------------

TEST(AnExpiryWithoutUtcOffset, IsRejectedBecauseItMeansDifferentInstantsOnDifferentLaptops) {
    EXPECT_TRUE(RejectedAt(rule_with("expires = 2026-12-08T18:00:00"), 6, 11,
                           "rule.expires needs a UTC offset"));
}

TEST(AnExpiryStringWithoutUtcOffset, IsRejectedTheSameWay) {
    EXPECT_TRUE(RejectedAt(rule_with("not_before = \"2026-12-08T18:00:00\""), 6, 14,
                           "rule.not_before needs a UTC offset"));
}

TEST(AnExpiryThatIsOnlyADate, IsATypeError) {
    EXPECT_TRUE(RejectedAt(rule_with("expires = 2026-12-08"), 6, 11,
                           "rule.expires must be a date-time with offset (e.g. "
                           "2026-12-01T00:00:00Z), not a date"));
}

TEST(AnExpiryThatIsAnInteger, IsATypeError) {
    EXPECT_TRUE(RejectedAt(rule_with("expires = 1796000000"), 6, 11, "not an integer"));
}

TEST(AnExpiryStringThatIsNotADate, IsRejected) {
    EXPECT_TRUE(
        RejectedAt(rule_with("expires = \"next tuesday\""), 6, 11,
                   "rule.expires is not an RFC 3339 date-time with offset: \"next tuesday\""));
}

TEST(AnExpiryBeforeTheStart, IsRejectedAtTheExpiry) {
    EXPECT_TRUE(RejectedAt(rule_with("not_before = 2026-12-08T00:00:00Z\n"
                                     "expires = 2026-12-01T00:00:00Z"),
                           7, 11, "rule.expires (2026-12-01T00:00:00Z) must be after"));
}

TEST(AnExpiryEqualToTheStart, IsRejectedBecauseTheWindowIsEmpty) {
    EXPECT_TRUE(RejectedAt(rule_with("not_before = 2026-12-08T01:00:00+01:00\n"
                                     "expires = \"2026-12-08T00:00:00Z\""),
                           7, 11, "must be after rule.not_before"));
}

// --- collecting ---------------------------------------------------------------------------

TEST(AFileWithManyProblems, GetsEveryErrorInFileOrder) {
    const auto result = parse_policy(
        "[policy]\n"                       // 1
        "version = 1\n"                    // 2
        "mode = \"enforced\"\n"            // 3
        "default = \"deny\"\n"             // 4
        "\n"                               // 5
        "[[rule]]\n"                       // 6
        "id = \"a\"\n"                     // 7
        "verdict = \"allow\"\n"            // 8
        "class = [\"keyboard\"]\n"         // 9
        "address = [\"nope\"]\n"           // 10
        "\n"                               // 11
        "[[rule]]\n"                       // 12
        "id = \"a\"\n"                     // 13
        "verdict = \"maybe\"\n"            // 14
        "expires = 2026-01-01T00:00:00\n"  // 15
        "[fido]\n"                         // 16
        "zzz = 1\n",                       // 17
        "many.toml");
    ASSERT_FALSE(result.ok());
    std::vector<std::pair<int, int>> positions;
    for (const auto& error : result.errors) {
        positions.emplace_back(error.line, error.column);
        EXPECT_EQ(error.source, "many.toml");
    }
    const std::vector<std::pair<int, int>> expected = {{3, 8},   {9, 10},  {10, 12}, {13, 6},
                                                       {14, 11}, {15, 11}, {17, 1}};
    EXPECT_EQ(positions, expected) << describe(result.errors);
}

TEST(AnError, PrintsAsSourceLineColumnMessage) {
    const PolicyError error{"/etc/btfence/policy.toml", 3, 8, "policy.mode must be one of"};
    EXPECT_EQ(error.to_string(), "/etc/btfence/policy.toml:3:8: policy.mode must be one of");
}

TEST(AnErrorWithoutPosition, PrintsAsSourceMessage) {
    const PolicyError error{"/etc/btfence/policy.toml", 0, 0, "cannot read the policy file"};
    EXPECT_EQ(error.to_string(), "/etc/btfence/policy.toml: cannot read the policy file");
}

// --- valid files ---------------------------------------------------------------------------

constexpr std::string_view kFullPolicy = R"(# every key there is
[policy]
version = 1
mode = "audit"
default = "allow"
existing_bonds = "keep"
adapters = ["hci1", "00:1a:7d:da:71:13"]

[fido]
verify = false
probe_timeout_ms = 2500
spoof_block = "7d"

[bluez]
service_allowlist = "off"
extra_services = ["0x1812", "0000110b", "6E400001-B5A3-F393-E0A9-E50E24DCCA9E"]

[[rule]]
id = "yubikeys"
verdict = "allow"
class = ["fido-ble", "hybrid"]
address = ["c0:ff:ee:00:00:01"]
oui = ["00-1b-dc"]
name = "YubiKey*"
adapter = ["hci1"]
aaguid = ["90A3CCDF-635C-4729-A248-9B709135078F"]
verified = true
not_before = 2026-12-01T08:00:00+01:00
expires = "2026-12-08T17:00:00Z"
reason = "INC-4711"
services = ["0x110B", "0000110a-0000-1000-8000-00805F9B34FB"]

[[rule]]
id = "everything-else"
verdict = "deny"
)";

TEST(AFileWithEveryKey, ParsesIntoTheModelWithEveryValueNormalised) {
    const auto result = parse_policy(kFullPolicy, "/etc/btfence/policy.toml");
    ASSERT_TRUE(result.ok()) << describe(result.errors);
    const Policy& policy = *result.policy;
    EXPECT_EQ(policy.version, 1);
    EXPECT_EQ(policy.mode, Mode::Audit);
    EXPECT_EQ(policy.default_verdict, Verdict::Allow);
    EXPECT_EQ(policy.existing_bonds, ExistingBonds::Keep);
    EXPECT_EQ(policy.adapters, (std::vector<std::string>{"hci1", "00:1A:7D:DA:71:13"}));
    EXPECT_FALSE(policy.fido.verify);
    EXPECT_EQ(policy.fido.probe_timeout, std::chrono::milliseconds{2500});
    EXPECT_EQ(policy.fido.spoof_block, std::chrono::days{7});
    EXPECT_EQ(policy.rules.at(0).services,
              (std::vector<std::string>{"0000110b-0000-1000-8000-00805f9b34fb",
                                        "0000110a-0000-1000-8000-00805f9b34fb"}));
    EXPECT_TRUE(policy.rules.at(1).services.empty()) << "default: no service is granted";
    EXPECT_EQ(policy.bluez.service_allowlist, ServiceAllowlistMode::Off);
    EXPECT_EQ(policy.bluez.extra_services,
              (std::vector<std::string>{"00001812-0000-1000-8000-00805f9b34fb",
                                        "0000110b-0000-1000-8000-00805f9b34fb",
                                        "6e400001-b5a3-f393-e0a9-e50e24dcca9e"}));
    ASSERT_EQ(policy.rules.size(), 2U);

    const Rule& rule = policy.rules[0];
    EXPECT_EQ(rule.id, "yubikeys");
    EXPECT_EQ(rule.line, 18);
    EXPECT_EQ(rule.verdict, Verdict::Allow);
    EXPECT_EQ(rule.classes, (std::vector<DeviceClass>{DeviceClass::FidoBle, DeviceClass::Hybrid}));
    EXPECT_EQ(rule.addresses, (std::vector<std::string>{"C0:FF:EE:00:00:01"}));
    EXPECT_EQ(rule.ouis, (std::vector<std::string>{"00:1B:DC"}));
    EXPECT_EQ(rule.name_glob, "YubiKey*");
    EXPECT_EQ(rule.adapters, (std::vector<std::string>{"hci1"}));
    EXPECT_EQ(rule.aaguids, (std::vector<std::string>{"90a3ccdf-635c-4729-a248-9b709135078f"}));
    EXPECT_EQ(rule.verified, true);
    EXPECT_EQ(rule.not_before, at("2026-12-01T07:00:00Z"));
    EXPECT_EQ(rule.expires, at("2026-12-08T17:00:00Z"));
    EXPECT_EQ(rule.reason, "INC-4711");

    const Rule& catch_all = policy.rules[1];
    EXPECT_EQ(catch_all.id, "everything-else");
    EXPECT_EQ(catch_all.line, 33);
    EXPECT_EQ(catch_all.verdict, Verdict::Deny);
    EXPECT_TRUE(catch_all.classes.empty());
    EXPECT_FALSE(catch_all.name_glob.has_value());
    EXPECT_FALSE(catch_all.verified.has_value());
    EXPECT_FALSE(catch_all.expires.has_value());
}

TEST(AParsedPolicy, CarriesItsSourceAndTheSha256OfTheExactBytes) {
    const auto result = parse_policy(kFullPolicy, "/etc/btfence/policy.toml");
    ASSERT_TRUE(result.ok());
    EXPECT_EQ(result.policy->source, "/etc/btfence/policy.toml");
    EXPECT_EQ(result.policy->sha256, sha256_hex(kFullPolicy));
    EXPECT_EQ(result.policy->sha256.size(), 64U);

    const auto with_trailing_comment = parse_policy(std::string(kFullPolicy) + "# x\n", "p");
    ASSERT_TRUE(with_trailing_comment.ok());
    EXPECT_NE(with_trailing_comment.policy->sha256, result.policy->sha256);
}

TEST(AMinimalPolicy, GetsTheDocumentedDefaults) {
    const auto result = parse_policy(kHeader, "p.toml");
    ASSERT_TRUE(result.ok()) << describe(result.errors);
    const Policy& policy = *result.policy;
    EXPECT_EQ(policy.mode, Mode::Enforce);
    EXPECT_EQ(policy.default_verdict, Verdict::Deny);
    EXPECT_EQ(policy.existing_bonds, ExistingBonds::Enforce);
    EXPECT_TRUE(policy.adapters.empty());
    EXPECT_TRUE(policy.fido.verify);
    EXPECT_EQ(policy.fido.probe_timeout, std::chrono::milliseconds{5000});
    EXPECT_EQ(policy.bluez.service_allowlist, ServiceAllowlistMode::Auto);
    EXPECT_TRUE(policy.bluez.extra_services.empty());
    EXPECT_TRUE(policy.rules.empty());
}

TEST(ServiceUuidsIn16And32And128BitForms, AreNormalisedToTheSameCanonicalUuid) {
    const auto policy =
        policy_from(with_header("[bluez]\nextra_services = [\"1812\", \"0x1812\", \"00001812\", "
                                "\"00001812-0000-1000-8000-00805F9B34FB\"]\n"));
    EXPECT_EQ(policy.bluez.extra_services,
              (std::vector<std::string>{"00001812-0000-1000-8000-00805f9b34fb"}));
}

TEST(TomlDateTimesAndRfc3339Strings, NameTheSameInstants) {
    const auto policy = policy_from(with_header(
        "[[rule]]\nid = \"a\"\nverdict = \"allow\"\nexpires = 2026-12-08T18:00:00+01:00\n"
        "[[rule]]\nid = \"b\"\nverdict = \"allow\"\nexpires = \"2026-12-08T17:00:00Z\"\n"
        "[[rule]]\nid = \"c\"\nverdict = \"allow\"\nexpires = 2026-12-08 12:00:00-05:00\n"));
    ASSERT_EQ(policy.rules.size(), 3U);
    EXPECT_EQ(policy.rules[0].expires, at("2026-12-08T17:00:00Z"));
    EXPECT_EQ(policy.rules[1].expires, at("2026-12-08T17:00:00Z"));
    EXPECT_EQ(policy.rules[2].expires, at("2026-12-08T17:00:00Z"));
}

TEST(RulesAsAnInlineArrayOfTables, AreAcceptedLikeDoubleBracketTables) {
    const auto policy =
        policy_from("rule = [{ id = \"a\", verdict = \"allow\", class = [\"fido-ble\"] }]\n" +
                    std::string(kHeader));
    ASSERT_EQ(policy.rules.size(), 1U);
    EXPECT_EQ(policy.rules[0].id, "a");
}

TEST(ADuplicateEntryInAMatcherList, IsKeptOnce) {
    const auto policy =
        policy_from(with_header("[[rule]]\nid = \"a\"\nverdict = \"allow\"\n"
                                "address = [\"aa:bb:cc:dd:ee:ff\", \"AA-BB-CC-DD-EE-FF\"]\n"));
    ASSERT_EQ(policy.rules.size(), 1U);
    EXPECT_EQ(policy.rules[0].addresses, (std::vector<std::string>{"AA:BB:CC:DD:EE:FF"}));
}

TEST(BytesThatAreNotUtf8, AreASyntaxErrorNotACrash) {
    const auto result = parse_policy("[policy]\nversion = 1\nx = \"\xff\"\n", "p.toml");
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.errors.front().line, 3);
    EXPECT_THAT(result.errors.front().message, HasSubstr("TOML syntax"));
}

}  // namespace
}  // namespace btfence::policy
