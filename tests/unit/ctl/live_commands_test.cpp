// btfencectl's live commands against a fake btfenced (ControlClient): the --json shapes fleet
// tools read, the tables people read, and the exit status of each failure.
#include "live_commands.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "live_view.hpp"

namespace btfence::ctl {
namespace {

using ::testing::HasSubstr;
using V = sdbus::Variant;

const std::chrono::sys_seconds kNow{std::chrono::seconds{1796720400}};  // 2026-12-08T09:00:00Z

Dict status_answer() {
    return Dict{
        {"api_version", V(std::uint32_t{1})},
        {"daemon_version", V(std::string("0.1.0"))},
        {"mode", V(std::string("enforce"))},
        {"enforcing", V(true)},
        {"policy_path", V(std::string("/etc/btfence/policy.toml"))},
        {"policy_sha256", V(std::string("ab12"))},
        {"policy_loaded_at", V(std::int64_t{1796720000})},
        {"started_at", V(std::int64_t{0})},
        {"default_agent", V(std::string("unknown"))},
        {"counters", V(std::map<std::string, std::uint64_t>{{"decisions", 3}})},
        {"adapters",
         V(std::vector<Dict>{Dict{{"name", V(std::string("hci0"))}, {"managed", V(true)}}})}};
}

Dict exemption_answer() {
    return Dict{{"id", V(std::string("0a1b2c3d"))},
                {"rule", V(std::string("exemption:0a1b2c3d"))},
                {"target", V(std::string("C8:3F:26:11:22:33"))},
                {"target_kind", V(std::string("address"))},
                {"granted_at", V(std::int64_t{1796720400})},
                {"expires", V(std::int64_t{1796720400 + 7200})},
                {"reason", V(std::string("INC-4711"))},
                {"granted_by", V(std::string("uid 0, pid 12"))}};
}

class FakeBtfenced final : public ControlClient {
  public:
    std::optional<ControlError> fail;
    Dict last_window;
    std::string last_target;
    Dict reload_answer{{"outcome", V(std::string("loaded"))}};

    Dict status() override { return answer(status_answer()); }
    std::vector<Dict> devices() override { return answer(std::vector<Dict>{}); }
    std::vector<Dict> explain(const std::string& /*address*/) override {
        return answer(std::vector<Dict>{});
    }
    Dict reload() override { return answer(reload_answer); }
    Dict add_exemption(const std::string& target, const Dict& options,
                       const std::string& /*reason*/) override {
        last_target = target;
        last_window = options;
        return answer(exemption_answer());
    }
    Dict remove_exemption(const std::string& /*id*/) override { return answer(exemption_answer()); }
    std::vector<Dict> exemptions() override {
        return answer(std::vector<Dict>{exemption_answer()});
    }

  private:
    template <typename T>
    T answer(T value) {
        if (fail) {
            throw *fail;
        }
        return value;
    }
};

TEST(StatusAsJson, IsTheVersionedShapeComplianceToolsRead) {
    FakeBtfenced daemon;
    std::ostringstream out;
    ASSERT_EQ(run_status(daemon, LiveOptions{true, kNow}, out), kExitOk);
    const auto json = nlohmann::json::parse(out.str());
    EXPECT_EQ(json["format_version"], 1);
    EXPECT_EQ(json["enforcing"], true);
    EXPECT_EQ(json["mode"], "enforce");
    EXPECT_EQ(json["policy_sha256"], "ab12");
    EXPECT_EQ(json["policy_loaded_at"], "2026-12-08T08:53:20Z");
    EXPECT_TRUE(json["started_at"].is_null());
    EXPECT_EQ(json["default_agent"], "unknown");
    EXPECT_EQ(json["counters"]["decisions"], 3);
    EXPECT_EQ(json["adapters"][0]["name"], "hci0");
}

TEST(StatusForPeople, SaysWhetherItEnforcesAndWhatIsUnknown) {
    FakeBtfenced daemon;
    std::ostringstream out;
    ASSERT_EQ(run_status(daemon, LiveOptions{false, kNow}, out), kExitOk);
    EXPECT_THAT(out.str(), HasSubstr("btfenced 0.1.0: enforcing (mode enforce)"));
    EXPECT_THAT(out.str(), HasSubstr("Default agent:   unknown"));
    EXPECT_THAT(out.str(), HasSubstr("Adapter:         hci0"));
    EXPECT_THAT(out.str(), HasSubstr("Audit dropped:   unknown"));
}

TEST(StatusForPeople, SaysHowManyRepeatsTheAuditTrailAggregated) {
    std::ostringstream out;
    Dict answer = status_answer();
    answer["counters"] = V(std::map<std::string, std::uint64_t>{{"decisions", 20},
                                                                {"pairings_denied", 20},
                                                                {"audit_dropped", 0},
                                                                {"audit_aggregated", 25},
                                                                {"audit_aggregation_pending", 6}});
    out << render_status(answer);
    EXPECT_THAT(out.str(), HasSubstr("Audit dropped:   0\n"));
    EXPECT_THAT(out.str(),
                HasSubstr("Audit repeats:   25 aggregated into summaries, 6 awaiting theirs"));
}

TEST(ExemptAdd, SendsTheDurationInSecondsAndPrintsTheGrant) {
    FakeBtfenced daemon;
    std::ostringstream out;
    std::ostringstream err;
    ExemptAddOptions add{"c8:3f:26:11:22:33", "2h", std::nullopt, "INC-4711"};
    ASSERT_EQ(run_exempt_add(daemon, add, LiveOptions{false, kNow}, out, err), kExitOk);
    EXPECT_EQ(daemon.last_window.at("duration").get<std::uint64_t>(), 7200U);
    EXPECT_THAT(out.str(), HasSubstr("Granted exemption 0a1b2c3d"));
    EXPECT_THAT(out.str(), HasSubstr("2h left"));
}

TEST(ExemptAdd, RefusesABadDurationOrBothWindowsAsAUsageError) {
    FakeBtfenced daemon;
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(run_exempt_add(daemon, {"C8:3F:26:11:22:33", "2 hours", std::nullopt, "x"},
                             LiveOptions{}, out, err),
              kExitUsage);
    EXPECT_EQ(run_exempt_add(daemon, {"C8:3F:26:11:22:33", "2h", "2026-12-08T18:00:00Z", "x"},
                             LiveOptions{}, out, err),
              kExitUsage);
    EXPECT_TRUE(daemon.last_target.empty());
}

TEST(ExemptList, ShowsWhatIsLeftOfEachExemption) {
    FakeBtfenced daemon;
    std::ostringstream out;
    ASSERT_EQ(run_exempt_list(daemon, LiveOptions{false, kNow}, out), kExitOk);
    EXPECT_THAT(out.str(), HasSubstr("0a1b2c3d  C8:3F:26:11:22:33  2026-12-08T11:00:00Z  2h"));
    std::ostringstream json;
    ASSERT_EQ(run_exempt_list(daemon, LiveOptions{true, kNow}, json), kExitOk);
    EXPECT_EQ(nlohmann::json::parse(json.str())["exemptions"][0]["expires"],
              "2026-12-08T11:00:00Z");
}

TEST(Reload, ExitsOneWhenThePolicyIsRejected) {
    FakeBtfenced daemon;
    daemon.reload_answer = Dict{{"outcome", V(std::string("rejected"))},
                                {"errors", V(std::vector<std::string>{"p.toml:3:8: bad"})}};
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(run_reload(daemon, LiveOptions{}, out, err), kExitFailed);
    EXPECT_THAT(err.str(), HasSubstr("p.toml:3:8: bad"));
}

TEST(AFailedCall, IsOneLineOnStderrWithItsExitStatus) {
    FakeBtfenced daemon;
    daemon.fail = explain_error(sdbus::Error("org.btfence1.Error.NotAuthorized",
                                             "not authorized: org.btfence1.exempt (polkit)"));
    std::ostringstream err;
    const int status = run_live(
        [](ControlClient& c) {
            std::ostringstream out;
            return run_exempt_list(c, LiveOptions{}, out);
        },
        err, &daemon);
    EXPECT_EQ(status, kExitNotAuthorized);
    EXPECT_EQ(err.str(), "btfencectl: not authorized: org.btfence1.exempt (polkit)\n");
}

TEST(DBusErrors, MapToTheDocumentedExitStatuses) {
    const auto status_of = [](const char* name) {
        return explain_error(sdbus::Error(name, "text")).exit_status();
    };
    EXPECT_EQ(status_of("org.freedesktop.DBus.Error.ServiceUnknown"), kExitNotRunning);
    EXPECT_EQ(status_of("org.freedesktop.DBus.Error.NameHasNoOwner"), kExitNotRunning);
    EXPECT_EQ(status_of("org.freedesktop.DBus.Error.NoReply"), kExitNotRunning);
    EXPECT_EQ(status_of("org.btfence1.Error.NotAuthorized"), kExitNotAuthorized);
    EXPECT_EQ(status_of("org.freedesktop.DBus.Error.AccessDenied"), kExitNotAuthorized);
    EXPECT_EQ(status_of("org.btfence1.Error.InvalidArgument"), kExitUsage);
    EXPECT_EQ(status_of("org.btfence1.Error.NotAllowed"), kExitRefused);
    EXPECT_EQ(status_of("org.btfence1.Error.UnknownExemption"), kExitRefused);
    EXPECT_THAT(
        explain_error(sdbus::Error("org.freedesktop.DBus.Error.ServiceUnknown", "x")).what(),
        HasSubstr("btfenced is not running"));
}

}  // namespace
}  // namespace btfence::ctl
