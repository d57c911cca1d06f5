// Runtime exemptions as the helpdesk grants them (exemptions/exemption_service.hpp): the
// policy's bounds, the state file they survive restarts in, expiry, and reloads that lower
// the bounds — with the audit event of each step.
#include "exemptions/exemption_service.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "fakes.hpp"

namespace btfence::exemptions {
namespace {

using btfence::testing::FixedClock;
using btfence::testing::TempPolicy;
using ::testing::HasSubstr;

constexpr const char* kMayExempt = R"(
[policy]
version = 1
[exemptions]
allowed = true
max_duration = "2h"
)";

class AHelpdesk : public ::testing::Test {
  protected:
    AHelpdesk() : policy_(kMayExempt) {}
    void SetUp() override {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "btfence-exempt-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::unique_ptr<ExemptionService> service() {
        return std::make_unique<ExemptionService>(
            state::StateFile(dir_ / "exemptions.json"), policy_.store(), clock_,
            [this](audit::Event e) { events_.push_back(std::move(e)); },
            [this](bool ended) { changes_.push_back(ended); });
    }
    static GrantRequest request(std::string target, std::int64_t seconds,
                                std::string reason = "INC-4711") {
        GrantRequest r;
        r.target = std::move(target);
        r.duration = std::chrono::seconds{seconds};
        r.reason = std::move(reason);
        return r;
    }
    static audit::CallerInfo helpdesk() { return {1000, 4242, "helpdesk.service", ":1.42"}; }
    std::vector<audit::Action> actions() const {
        std::vector<audit::Action> out;
        for (const auto& e : events_) {
            out.push_back(e.action);
        }
        return out;
    }

    TempPolicy policy_;
    FixedClock clock_{"2026-12-08T09:00:00Z"};
    std::filesystem::path dir_;
    std::vector<audit::Event> events_;
    std::vector<bool> changes_;
};

TEST_F(AHelpdesk, GrantsAnExemptionWithinTheBoundsAndAuditsWhoAndWhy) {
    auto exemptions = service();
    auto result = exemptions->grant(request("c8:3f:26:11:22:33", 3600), helpdesk());
    ASSERT_TRUE(std::holds_alternative<policy::Exemption>(result));
    const auto& granted = std::get<policy::Exemption>(result);
    EXPECT_EQ(granted.target, "C8:3F:26:11:22:33");
    EXPECT_EQ(granted.expires, *policy::parse_rfc3339("2026-12-08T10:00:00Z"));
    EXPECT_EQ(granted.granted_by, "uid 1000, pid 4242, unit helpdesk.service");
    EXPECT_EQ(policy_.store().exemptions().size(), 1U);
    ASSERT_EQ(actions(), std::vector{audit::Action::ExemptionGranted});
    const auto& event = events_.front();
    EXPECT_EQ(event.rule_id, "exemption:" + granted.id);
    EXPECT_EQ(event.rule_reason, "INC-4711");
    ASSERT_TRUE(event.caller.has_value());
    EXPECT_EQ(event.caller->uid, 1000U);
    EXPECT_EQ(event.caller->unit, "helpdesk.service");
    ASSERT_TRUE(event.exemption.has_value());
    EXPECT_EQ(event.exemption->target, "C8:3F:26:11:22:33");
    EXPECT_EQ(changes_, std::vector<bool>{false});
    EXPECT_EQ(exemptions->next_expiry(), granted.expires);
}

TEST_F(AHelpdesk, IsRefusedWhatThePolicyDoesNotAllow) {
    auto exemptions = service();
    const auto refusal = [&](const GrantRequest& r) {
        auto result = exemptions->grant(r, helpdesk());
        EXPECT_TRUE(std::holds_alternative<Refusal>(result));
        return std::holds_alternative<Refusal>(result) ? std::get<Refusal>(result) : Refusal{};
    };
    EXPECT_EQ(refusal(request("C8:3F:26:11:22:33", 3 * 3600)).kind, Refusal::Kind::NotAllowed);
    EXPECT_THAT(refusal(request("C8:3F:26:11:22:33", 3 * 3600)).message, HasSubstr("at most 2h"));
    EXPECT_EQ(refusal(request("keyboard", 60)).kind, Refusal::Kind::InvalidArgument);
    EXPECT_EQ(refusal(request("C8:3F:26:11:22:33", 60, "")).kind, Refusal::Kind::InvalidArgument);
    EXPECT_EQ(refusal(request("C8:3F:26:11:22:33", 60, "a\nb")).kind,
              Refusal::Kind::InvalidArgument);
    GrantRequest both = request("C8:3F:26:11:22:33", 60);
    both.until = clock_.now() + std::chrono::seconds{60};
    EXPECT_EQ(refusal(both).kind, Refusal::Kind::InvalidArgument);
    EXPECT_TRUE(events_.empty());
    EXPECT_TRUE(policy_.store().exemptions().empty());

    policy_.write("[policy]\nversion = 1\n");
    ASSERT_FALSE(policy_.store().load().has_value());
    EXPECT_EQ(refusal(request("C8:3F:26:11:22:33", 60)).kind, Refusal::Kind::NotAllowed);
}

TEST_F(AHelpdesk, FindsItsExemptionsAgainAfterARestart) {
    std::string id;
    {
        auto first = service();
        id =
            std::get<policy::Exemption>(first->grant(request("C8:3F:26:11:22:33", 600), helpdesk()))
                .id;
    }
    policy_.store().set_exemptions({});
    auto second = service();
    second->load();
    ASSERT_EQ(second->in_force().size(), 1U);
    EXPECT_EQ(second->in_force()[0].id, id);
    EXPECT_EQ(second->in_force()[0].reason, "INC-4711");
}

TEST_F(AHelpdesk, SeesItsExemptionEndToTheSecond) {
    auto exemptions = service();
    (void)exemptions->grant(request("C8:3F:26:11:22:33", 120), helpdesk());
    clock_.set("2026-12-08T09:01:59Z");
    EXPECT_FALSE(exemptions->expire());
    clock_.set("2026-12-08T09:02:00Z");
    EXPECT_TRUE(exemptions->expire());
    EXPECT_TRUE(exemptions->in_force().empty());
    EXPECT_EQ(actions().back(), audit::Action::ExemptionExpired);
    EXPECT_THAT(events_.back().reason, HasSubstr("uid 1000"));
    // Gone from the file too: a restart does not bring it back.
    auto again = service();
    policy_.store().set_exemptions({});
    again->load();
    EXPECT_TRUE(again->in_force().empty());
}

TEST_F(AHelpdesk, LosesExemptionsThatAReloadNoLongerAllows) {
    auto exemptions = service();
    (void)exemptions->grant(request("C8:3F:26:11:22:33", 7000), helpdesk());
    (void)exemptions->grant(request("C8:3F:26:11:22:34", 600), helpdesk());
    clock_.set("2026-12-08T09:30:00Z");
    policy_.write(
        "[policy]\nversion = 1\n[exemptions]\nallowed = true\nmax_duration = "
        "\"20m\"\n");
    ASSERT_FALSE(policy_.store().load().has_value());
    // Both granted at 09:00, now 09:30 under a 20-minute cap: the first would end at 09:20,
    // which has passed, so it is revoked; the second ends at 09:10, within the cap, and stays
    // (its own expiry, not the reload, ends it).
    EXPECT_TRUE(exemptions->apply_policy());
    ASSERT_EQ(exemptions->in_force().size(), 1U);
    EXPECT_EQ(exemptions->in_force()[0].target, "C8:3F:26:11:22:34");
    EXPECT_EQ(actions().back(), audit::Action::ExemptionRevoked);

    policy_.write("[policy]\nversion = 1\n");
    ASSERT_FALSE(policy_.store().load().has_value());
    EXPECT_TRUE(exemptions->apply_policy());
    EXPECT_TRUE(exemptions->in_force().empty());
    EXPECT_THAT(events_.back().reason, HasSubstr("allowed = false"));
}

TEST_F(AHelpdesk, SeesALongExemptionShortenedWhenMaxDurationIsLowered) {
    auto exemptions = service();
    (void)exemptions->grant(request("C8:3F:26:11:22:33", 7000), helpdesk());
    policy_.write(
        "[policy]\nversion = 1\n[exemptions]\nallowed = true\nmax_duration = "
        "\"1h\"\n");
    ASSERT_FALSE(policy_.store().load().has_value());
    EXPECT_FALSE(exemptions->apply_policy());  // shortened, none ended
    EXPECT_EQ(exemptions->in_force()[0].expires, *policy::parse_rfc3339("2026-12-08T10:00:00Z"));
    EXPECT_EQ(actions().back(), audit::Action::ExemptionShortened);
}

TEST_F(AHelpdesk, FailsClosedOnACorruptStateFile) {
    std::ofstream(dir_ / "exemptions.json") << R"({"format": 1, "exemptions": [{"id": 3}]})";
    auto exemptions = service();
    exemptions->load();
    EXPECT_TRUE(exemptions->in_force().empty());
    EXPECT_THAT(exemptions->unavailable_reason(), HasSubstr("exemptions.json"));
    ASSERT_EQ(actions(), std::vector{audit::Action::StateFileError});
    EXPECT_EQ(events_.back().outcome, audit::Outcome::Failure);
    auto result = exemptions->grant(request("C8:3F:26:11:22:33", 60), helpdesk());
    ASSERT_TRUE(std::holds_alternative<Refusal>(result));
    EXPECT_EQ(std::get<Refusal>(result).kind, Refusal::Kind::Unavailable);
}

TEST(TheExemptionsStateFile, RoundTripsEveryField) {
    policy::Exemption e;
    e.id = "0a1b2c3d";
    e.kind = policy::ExemptionTarget::Aaguid;
    e.target = "ee882879-721c-4913-9775-3dfcce97072a";
    e.granted_at = *policy::parse_rfc3339("2026-12-08T09:00:00Z");
    e.expires = *policy::parse_rfc3339("2026-12-08T11:00:00Z");
    e.reason = "INC-1 \"quoted\"";
    e.granted_by = "uid 0, pid 1";
    std::string error;
    const auto back = from_state_json(to_state_json(std::vector{e}), error);
    ASSERT_TRUE(back.has_value()) << error;
    ASSERT_EQ(back->size(), 1U);
    EXPECT_EQ((*back)[0].id, e.id);
    EXPECT_EQ((*back)[0].kind, e.kind);
    EXPECT_EQ((*back)[0].target, e.target);
    EXPECT_EQ((*back)[0].granted_at, e.granted_at);
    EXPECT_EQ((*back)[0].expires, e.expires);
    EXPECT_EQ((*back)[0].reason, e.reason);
    EXPECT_EQ((*back)[0].granted_by, e.granted_by);
    EXPECT_FALSE(from_state_json("[]", error).has_value());
    EXPECT_FALSE(from_state_json(R"({"format": 2, "exemptions": []})", error).has_value());
}

}  // namespace
}  // namespace btfence::exemptions
