// Rule windows against an injected wall clock: a boundary reached, and the wall clock set
// forward or back, each report the rules whose window changed (the daemon then re-decides
// every device). A real clock set is exercised in the e2e VM (tests/e2e/scenarios/
// enforcement.py, a_rule_window_follows_the_wall_clock_when_it_is_set_forward_and_back).
#include "rule_windows.hpp"

#include <gtest/gtest.h>

#include "fakes.hpp"

namespace btfence::testing {
namespace {

const char* kExemption = R"(
[policy]
version = 1
[[rule]]
id = "keyboard-exemption"
verdict = "allow"
class = ["other"]
not_before = 2026-12-01T09:00:00Z
expires = 2026-12-08T17:00:00Z
)";

struct Seen {
    std::vector<std::pair<std::string, bool>> changes;
    std::vector<RuleWindows::Cause> causes;
};

class RuleWindowsRig {
  public:
    RuleWindowsRig()
        : policy(kExemption),
          windows(
              loop, policy.store(), clock,
              [this](const std::vector<policy::WindowChange>& changes, RuleWindows::Cause cause) {
                  for (const auto& change : changes) {
                      seen.changes.emplace_back(change.rule->id, change.in_effect);
                  }
                  seen.causes.push_back(cause);
              }) {
        windows.start();
    }

    loop::EventLoop loop;
    FixedClock clock{"2026-12-05T12:00:00Z"};  // inside the exemption's window
    TempPolicy policy;
    Seen seen;
    RuleWindows windows;
};

TEST(TheWallClockSetBack, EndsAnExemptionWhoseNotBeforeLiesAheadAgain) {
    RuleWindowsRig rig;
    rig.clock.set("2026-11-30T12:00:00Z");
    rig.windows.wall_clock_set();
    ASSERT_EQ(rig.seen.causes.size(), 1U);
    EXPECT_EQ(rig.seen.causes[0], RuleWindows::Cause::ClockSet);
    ASSERT_EQ(rig.seen.changes.size(), 1U);
    EXPECT_EQ(rig.seen.changes[0], std::make_pair(std::string("keyboard-exemption"), false));
}

TEST(TheWallClockSetForward, PastAnExpiryEndsTheExemptionAtOnce) {
    RuleWindowsRig rig;
    rig.clock.set("2026-12-09T12:00:00Z");
    rig.windows.wall_clock_set();
    ASSERT_EQ(rig.seen.changes.size(), 1U);
    EXPECT_FALSE(rig.seen.changes[0].second);
}

TEST(TheWallClockSet, ComparesWithTheLastLookNotWithTheStart) {
    // Back before not_before, then forward into the window again: it takes effect again.
    RuleWindowsRig rig;
    rig.clock.set("2026-11-30T12:00:00Z");
    rig.windows.wall_clock_set();
    rig.clock.set("2026-12-02T12:00:00Z");
    rig.windows.wall_clock_set();
    ASSERT_EQ(rig.seen.changes.size(), 2U);
    EXPECT_FALSE(rig.seen.changes[0].second);
    EXPECT_TRUE(rig.seen.changes[1].second);
}

TEST(TheWallClockSet, WithinTheWindowChangesNoRuleButStillAsksForASweep) {
    RuleWindowsRig rig;
    rig.clock.set("2026-12-06T12:00:00Z");
    rig.windows.wall_clock_set();
    EXPECT_TRUE(rig.seen.changes.empty());
    EXPECT_EQ(rig.seen.causes.size(), 1U);
}

TEST(ANewPolicy, IsComparedFromTheInstantItWasLoaded) {
    RuleWindowsRig rig;
    rig.clock.set("2026-12-09T12:00:00Z");
    rig.windows.policy_replaced();  // its reload sweep decided every device at this instant
    rig.windows.wall_clock_set();
    EXPECT_TRUE(rig.seen.changes.empty());
}

}  // namespace
}  // namespace btfence::testing
