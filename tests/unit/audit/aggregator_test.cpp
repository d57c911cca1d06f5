// Aggregation: a device that re-pairs every second costs one event at once and one summary
// per window, not one event per attempt; nothing held back is lost.
#include "audit/aggregator.hpp"

#include <gtest/gtest.h>

#include "audit/auditor.hpp"
#include "test_support.hpp"

namespace btfence::audit {
namespace {

using testing::denied_keyboard_event;
using testing::FakeClock;
using testing::MemorySink;

constexpr std::int64_t kSecond = 1'000'000;

class AnAggregator : public ::testing::Test {
  protected:
    Aggregator aggregator{AggregationOptions{std::chrono::seconds{60}, 4}};
};

TEST_F(AnAggregator, LetsTheFirstOccurrenceThroughAndHoldsItsRepeats) {
    EXPECT_TRUE(aggregator.admit(denied_keyboard_event(), 0, 1000 * kSecond));
    for (int i = 1; i <= 10; ++i) {
        EXPECT_FALSE(aggregator.admit(denied_keyboard_event(), i * kSecond, (1000 + i) * kSecond));
    }
    EXPECT_EQ(aggregator.repeats_held(), 10U);
    EXPECT_TRUE(aggregator.due(59 * kSecond).empty()) << "the window is not over";
    const auto summaries = aggregator.due(60 * kSecond);
    ASSERT_EQ(summaries.size(), 1U);
    ASSERT_TRUE(summaries[0].repetition);
    EXPECT_EQ(summaries[0].repetition->count, 10U);
    EXPECT_EQ(summaries[0].repetition->first_us, 1001 * kSecond);
    EXPECT_EQ(summaries[0].repetition->last_us, 1010 * kSecond);
    EXPECT_EQ(summaries[0].action, Action::PairingDenied);
    EXPECT_EQ(summaries[0].device->address, "AA:BB:CC:DD:EE:01");
}

TEST_F(AnAggregator, TreatsAnyDifferenceAsAFirstOccurrence) {
    EXPECT_TRUE(aggregator.admit(denied_keyboard_event(), 0, 0));
    Event other_device = denied_keyboard_event();
    other_device.device->address = "AA:BB:CC:DD:EE:02";
    EXPECT_TRUE(aggregator.admit(other_device, 1, 1));
    Event other_outcome = denied_keyboard_event();
    other_outcome.outcome = Outcome::Failure;
    EXPECT_TRUE(aggregator.admit(other_outcome, 2, 2));
    Event other_action = denied_keyboard_event();
    other_action.action = Action::DeviceRemoved;
    EXPECT_TRUE(aggregator.admit(other_action, 3, 3));
}

TEST_F(AnAggregator, KeepsSummarizingWhileTheRepeatsGoOnAndForgetsAQuietEvent) {
    EXPECT_TRUE(aggregator.admit(denied_keyboard_event(), 0, 0));
    EXPECT_FALSE(aggregator.admit(denied_keyboard_event(), 30 * kSecond, 30 * kSecond));
    EXPECT_EQ(aggregator.due(60 * kSecond).size(), 1U);
    EXPECT_EQ(aggregator.next_deadline(), 120 * kSecond) << "a new window for a live repeat";
    EXPECT_FALSE(aggregator.admit(denied_keyboard_event(), 90 * kSecond, 90 * kSecond));
    EXPECT_EQ(aggregator.due(120 * kSecond).size(), 1U);
    EXPECT_TRUE(aggregator.due(180 * kSecond).empty()) << "quiet for a window";
    EXPECT_EQ(aggregator.tracked(), 0U);
    EXPECT_EQ(aggregator.next_deadline(), std::nullopt) << "no timer when nothing is pending";
    EXPECT_TRUE(aggregator.admit(denied_keyboard_event(), 200 * kSecond, 200 * kSecond))
        << "after a quiet window the event is a first occurrence again";
}

TEST_F(AnAggregator, PassesEventsThroughWhenItsTableIsFull) {
    for (int i = 0; i < 4; ++i) {
        Event event = denied_keyboard_event();
        event.device->address = "AA:BB:CC:DD:EE:0" + std::to_string(i);
        EXPECT_TRUE(aggregator.admit(event, 0, 0));
    }
    Event fifth = denied_keyboard_event();
    fifth.device->address = "AA:BB:CC:DD:EE:09";
    EXPECT_TRUE(aggregator.admit(fifth, 0, 0));
    EXPECT_TRUE(aggregator.admit(fifth, 1, 1)) << "untracked: every one goes out";
}

TEST_F(AnAggregator, NeverHoldsTheDaemonsOwnLife) {
    for (const Action action : {Action::DaemonStarted, Action::PolicyLoaded,
                                Action::AuditEventsDropped, Action::AgentReleased}) {
        Event event;
        event.action = action;
        EXPECT_TRUE(aggregator.admit(event, 0, 0));
        EXPECT_TRUE(aggregator.admit(event, 1, 1)) << info(action).name;
    }
}

TEST_F(AnAggregator, DrainsEveryPendingSummary) {
    EXPECT_TRUE(aggregator.admit(denied_keyboard_event(), 0, 0));
    EXPECT_FALSE(aggregator.admit(denied_keyboard_event(), 1, 1));
    const auto summaries = aggregator.drain();
    ASSERT_EQ(summaries.size(), 1U);
    EXPECT_EQ(summaries[0].repetition->count, 1U);
    EXPECT_EQ(aggregator.next_deadline(), std::nullopt);
}

/// A monotonic clock the test moves, and a timer the test fires.
struct ManualTime final : MonotonicClock, RepeatTimer {
    std::int64_t now = 0;
    std::optional<std::int64_t> deadline;
    std::function<void()> fire;
    std::int64_t now_us() override { return now; }
    void arm(std::optional<std::int64_t> when, std::function<void()> callback) override {
        deadline = when;
        fire = std::move(callback);
    }
    void advance_to_deadline() {
        ASSERT_TRUE(deadline);
        now = *deadline;
        fire();
    }
};

TEST(AnAggregatingAuditor, EmitsTheFirstAtOnceAndASummaryAtTheWindowsEndWithoutSequenceGaps) {
    FakeClock wall(1'000 * kSecond, kSecond);
    ManualTime time;
    Auditor auditor(wall, "laptop");
    auto sink = std::make_unique<MemorySink>();
    MemorySink& seen = *sink;
    auditor.add_sink(std::move(sink));
    auditor.aggregate_repeats({std::chrono::seconds{60}}, time, time);

    for (int attempt = 0; attempt < 30; ++attempt) {  // a device re-pairing every second
        time.now = attempt * kSecond;
        auditor.emit(denied_keyboard_event());
    }
    ASSERT_EQ(seen.events.size(), 1U) << "the first occurrence, at once";
    EXPECT_FALSE(seen.events[0].repetition);
    EXPECT_EQ(auditor.repeats_held(), 29U);

    time.advance_to_deadline();
    ASSERT_EQ(seen.events.size(), 2U);
    EXPECT_EQ(seen.events[1].repetition->count, 29U);
    EXPECT_EQ(seen.events[1].sequence, 2U) << "held repeats take no sequence number";

    time.advance_to_deadline();  // quiet window: forgotten, timer disarmed
    EXPECT_EQ(seen.events.size(), 2U);
    EXPECT_EQ(time.deadline, std::nullopt);
}

TEST(AnAggregatingAuditor, EmitsPendingSummariesBeforeDaemonStopping) {
    FakeClock wall(0, kSecond);
    ManualTime time;
    Auditor auditor(wall, "laptop");
    auto sink = std::make_unique<MemorySink>();
    MemorySink& seen = *sink;
    auditor.add_sink(std::move(sink));
    auditor.aggregate_repeats({std::chrono::seconds{60}}, time, time);
    auditor.emit(denied_keyboard_event());
    auditor.emit(denied_keyboard_event());
    Event stopping;
    stopping.action = Action::DaemonStopping;
    auditor.emit(stopping);
    ASSERT_EQ(seen.events.size(), 3U);
    EXPECT_EQ(seen.events[1].repetition->count, 1U);
    EXPECT_EQ(seen.events[2].action, Action::DaemonStopping);
}

}  // namespace
}  // namespace btfence::audit
