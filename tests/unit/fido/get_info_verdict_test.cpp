// The verdict on authenticatorGetInfo and the probe's JSON line.
#include "get_info_verdict.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cbor_info_report.hpp"
#include "hex.hpp"

namespace btfence::fido {
namespace {

constexpr const char* kAaguid = "ee882879-721c-4913-9775-3dfcce97072a";

TEST(AGetInfoVerdict, PassesACtap2AuthenticatorWithResidentKeys) {
    const ProbeVerdict verdict = evaluate_get_info({{"FIDO_2_0", "FIDO_2_1"}, true, kAaguid});
    EXPECT_TRUE(verdict.passed);
    EXPECT_EQ(verdict.aaguid, kAaguid);
    EXPECT_EQ(verdict.versions, (std::vector<std::string>{"FIDO_2_0", "FIDO_2_1"}));
    EXPECT_EQ(verdict.rk, true);
    EXPECT_EQ(verdict.detail,
              "CTAP2 authenticator (FIDO_2_0, FIDO_2_1) with discoverable credentials (rk), "
              "AAGUID ee882879-721c-4913-9775-3dfcce97072a");
}

TEST(AGetInfoVerdict, PassesEveryLaterCtap2Version) {
    for (const char* version : {"FIDO_2_1_PRE", "FIDO_2_1", "FIDO_2_2", "FIDO_2_3", "FIDO_3_0"}) {
        EXPECT_TRUE(evaluate_get_info({{"U2F_V2", version}, true, kAaguid}).passed) << version;
    }
}

TEST(AGetInfoVerdict, FailsACtap2AuthenticatorWithoutResidentKeys) {
    const ProbeVerdict verdict = evaluate_get_info({{"FIDO_2_0"}, false, kAaguid});
    EXPECT_FALSE(verdict.passed);
    EXPECT_EQ(verdict.rk, false);
    EXPECT_EQ(verdict.aaguid, kAaguid);  // still reported: the audit event shows what it is
    EXPECT_EQ(verdict.detail,
              "CTAP2 authenticator (FIDO_2_0) reports rk=false: cannot hold passkeys "
              "(discoverable credentials)");
}

TEST(AGetInfoVerdict, FailsACtap2AuthenticatorThatDoesNotReportRkAtAll) {
    const ProbeVerdict verdict = evaluate_get_info({{"FIDO_2_0"}, std::nullopt, kAaguid});
    EXPECT_FALSE(verdict.passed);
    EXPECT_EQ(verdict.rk, std::nullopt);
    EXPECT_NE(verdict.detail.find("without the rk option"), std::string::npos);
}

TEST(AGetInfoVerdict, FailsAU2fOnlyAuthenticatorEvenWithRk) {
    const ProbeVerdict verdict = evaluate_get_info({{"U2F_V2"}, true, kAaguid});
    EXPECT_FALSE(verdict.passed);
    EXPECT_EQ(verdict.detail,
              "no CTAP2 version in authenticatorGetInfo (versions: U2F_V2): not a FIDO2 "
              "authenticator");
}

TEST(AGetInfoVerdict, FailsAnAnswerWithoutVersions) {
    const ProbeVerdict verdict = evaluate_get_info({{}, true, kAaguid});
    EXPECT_FALSE(verdict.passed);
    EXPECT_EQ(verdict.detail,
              "no CTAP2 version in authenticatorGetInfo (versions: none): not a FIDO2 "
              "authenticator");
}

TEST(AGetInfoVerdict, RecognisesOnlyWellFormedCtap2VersionStrings) {
    EXPECT_TRUE(is_ctap2_version("FIDO_2_0"));
    EXPECT_TRUE(is_ctap2_version("FIDO_2_1_PRE"));
    EXPECT_TRUE(is_ctap2_version("FIDO_10_0"));
    EXPECT_FALSE(is_ctap2_version("U2F_V2"));
    EXPECT_FALSE(is_ctap2_version("FIDO_1_0"));
    EXPECT_FALSE(is_ctap2_version("FIDO_2"));
    EXPECT_FALSE(is_ctap2_version("FIDO_2_"));
    EXPECT_FALSE(is_ctap2_version("FIDO_2_0 "));
    EXPECT_FALSE(is_ctap2_version("fido_2_0"));
    EXPECT_FALSE(is_ctap2_version("FIDO_X_0"));
    EXPECT_FALSE(is_ctap2_version("FIDO_99999999999_0"));
    EXPECT_FALSE(is_ctap2_version(""));
}

TEST(AProbeVerdictLine, IsOneJsonObjectWithTheFieldsBtfencedReads) {
    const std::string line =
        to_json_line(evaluate_get_info({{"FIDO_2_0", "FIDO_2_1"}, true, kAaguid}));
    EXPECT_EQ(line.find('\n'), std::string::npos);
    EXPECT_EQ(
        line,
        R"({"passed":true,"inconclusive":false,"aaguid":"ee882879-721c-4913-9775-3dfcce97072a",)"
        R"("versions":["FIDO_2_0","FIDO_2_1"],"rk":true,)"
        R"("detail":"CTAP2 authenticator (FIDO_2_0, FIDO_2_1) with discoverable )"
        R"(credentials (rk), AAGUID ee882879-721c-4913-9775-3dfcce97072a"})");
}

TEST(AProbeVerdictLine, CarriesNullsWhenNothingWasReported) {
    EXPECT_EQ(to_json_line(failed_verdict("the device serves no FIDO GATT service (0xFFFD)")),
              R"j({"passed":false,"inconclusive":false,"aaguid":null,"versions":[],"rk":null,)j"
              R"j("detail":"the device serves no FIDO GATT service (0xFFFD)"})j");
}

TEST(AProbeVerdictLine, SaysWhenTheProbeWasCutShortRatherThanFailed) {
    // btfenced retries an interrupted probe at the next connection instead of calling the
    // device a spoof (agent/daemon/verify/probe_runner.cpp reads this field).
    const auto json =
        nlohmann::json::parse(to_json_line(inconclusive_verdict("the device disconnected")));
    EXPECT_FALSE(json["passed"].get<bool>());
    EXPECT_TRUE(json["inconclusive"].get<bool>());
    EXPECT_EQ(json["detail"], "the device disconnected");
}

TEST(AProbeVerdictLine, SurvivesVersionStringsThatAreNotUtf8) {
    const std::string line = to_json_line(evaluate_get_info({{"FIDO_\xff\"2"}, true, ""}));
    const auto json = nlohmann::json::parse(line);
    EXPECT_FALSE(json["passed"].get<bool>());
    EXPECT_TRUE(json["aaguid"].is_null());
}

TEST(AnAaguid, IsFormattedAsALowercaseUuid) {
    EXPECT_EQ(format_aaguid(test::bytes("EE882879721C491397753DFCCE97072A")), kAaguid);
    EXPECT_EQ(format_aaguid(test::bytes("00")), "");
}

}  // namespace
}  // namespace btfence::fido
