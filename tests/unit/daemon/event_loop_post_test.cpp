// EventLoop::post: how the audit writer thread hands work (audit-log-error events) to the
// loop's thread.
#include <gtest/gtest.h>

#include <thread>

#include "loop/event_loop.hpp"

namespace btfence::testing {
namespace {

TEST(TheEventLoop, RunsATaskPostedFromAnotherThreadOnItsOwnThread) {
    loop::EventLoop loop;
    std::thread::id ran_on;
    std::thread poster([&] {
        loop.post([&] {
            ran_on = std::this_thread::get_id();
            loop.exit(7);
        });
    });
    EXPECT_EQ(loop.run(), 7);  // woken by the post: nothing else would end run()
    poster.join();
    EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST(TheEventLoop, RunsPostedTasksInTheOrderTheyWerePosted) {
    loop::EventLoop loop;
    std::vector<int> order;
    for (int i = 0; i < 3; ++i) {
        loop.post([&order, i] { order.push_back(i); });
    }
    loop.post([&] { loop.exit(0); });
    EXPECT_EQ(loop.run(), 0);
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
}

}  // namespace
}  // namespace btfence::testing
