// The retry queue: one monotonic timer, armed only while a retry is due.
#include "retry/retry_queue.hpp"

#include <gtest/gtest.h>

#include "fakes.hpp"

namespace btfence::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(TheRetryQueue, ArmsItsTimerOnlyWhileSomethingIsDue) {
    FakeWakeupTimer timer;
    retry::RetryQueue queue(timer, {});
    EXPECT_FALSE(timer.armed().has_value());
    int ran = 0;
    auto handle = queue.schedule(seconds(2), [&] { ++ran; });
    ASSERT_TRUE(timer.armed().has_value());
    EXPECT_EQ(*timer.armed(), timer.now() + seconds(2));
    timer.advance(milliseconds(1999));
    EXPECT_EQ(ran, 0);
    timer.advance(milliseconds(1));
    EXPECT_EQ(ran, 1);
    EXPECT_FALSE(timer.armed().has_value()) << "nothing pending, no timer";
    EXPECT_FALSE(handle.pending());
}

TEST(TheRetryQueue, CancelsARetryWhoseHandleIsDropped) {
    FakeWakeupTimer timer;
    retry::RetryQueue queue(timer, {});
    int ran = 0;
    {
        auto handle = queue.schedule(seconds(1), [&] { ++ran; });
        EXPECT_TRUE(handle.pending());
    }
    EXPECT_FALSE(timer.armed().has_value());
    timer.advance(seconds(5));
    EXPECT_EQ(ran, 0);
}

TEST(TheRetryQueue, RunsInOrderAndSkipsWhatAnEarlierTaskCancelled) {
    FakeWakeupTimer timer;
    retry::RetryQueue queue(timer, {});
    std::vector<int> ran;
    retry::RetryQueue::Handle second;
    auto first = queue.schedule(seconds(1), [&] {
        ran.push_back(1);
        second.reset();  // its owner went away
    });
    second = queue.schedule(seconds(1), [&] { ran.push_back(2); });
    auto third = queue.schedule(milliseconds(500), [&] { ran.push_back(3); });
    timer.advance(seconds(1));
    EXPECT_EQ(ran, (std::vector<int>{3, 1}));
}

TEST(TheRetryQueue, RearmsForARetryScheduledByARetry) {
    FakeWakeupTimer timer;
    retry::RetryQueue queue(timer, {});
    int ran = 0;
    retry::RetryQueue::Handle again;
    auto handle = queue.schedule(seconds(1), [&] {
        ++ran;
        again = queue.schedule(seconds(2), [&] { ++ran; });
    });
    timer.advance(seconds(1));
    EXPECT_EQ(ran, 1);
    ASSERT_TRUE(timer.armed().has_value());
    timer.advance(seconds(2));
    EXPECT_EQ(ran, 2);
    EXPECT_FALSE(timer.armed().has_value());
}

TEST(TheBackoff, DoublesFromItsFirstDelayUpToItsCap) {
    retry::Backoff backoff({.first = milliseconds(250), .max = seconds(3)});
    std::vector<long> delays;
    for (int i = 0; i < 6; ++i) {
        delays.push_back(
            static_cast<long>(std::chrono::duration_cast<milliseconds>(backoff.next()).count()));
    }
    EXPECT_EQ(delays, (std::vector<long>{250, 500, 1000, 2000, 3000, 3000}));
    EXPECT_EQ(backoff.failures(), 6U);
}

}  // namespace
}  // namespace btfence::testing
