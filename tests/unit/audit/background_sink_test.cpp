// BackgroundSink: the audit file's fdatasync must not block the event loop, and moving it to
// a thread must not lose, reorder or unboundedly queue events.
#include "audit/background_sink.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <condition_variable>
#include <csignal>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace btfence::audit::testing {
namespace {

/// Records events; can be made to block inside write() (a disk that does not answer) and to
/// throw for one sequence number.
struct GatedSink final : AuditSink {
    struct Shared {
        std::mutex mutex;
        std::condition_variable changed;
        bool open = true;  ///< write() returns only while open
        int entered = 0;   ///< write() calls started
        std::vector<std::uint64_t> written;
        bool sigterm_blocked_in_writer = false;
        std::uint64_t throw_on = 0;
    };
    explicit GatedSink(Shared& shared) : s(shared) {}

    void write(const Event& event) override {
        sigset_t current;
        pthread_sigmask(SIG_BLOCK, nullptr, &current);
        std::unique_lock lock(s.mutex);
        s.sigterm_blocked_in_writer = sigismember(&current, SIGTERM) == 1;
        ++s.entered;
        s.changed.notify_all();
        s.changed.wait(lock, [this] { return s.open; });
        if (event.sequence == s.throw_on) {
            throw std::runtime_error("disk on fire");
        }
        s.written.push_back(event.sequence);
    }
    Shared& s;
};

Event numbered(std::uint64_t sequence) {
    Event event;
    event.sequence = sequence;
    event.action = Action::PairingAllowed;
    return event;
}

void set_open(GatedSink::Shared& shared, bool open) {
    const std::lock_guard lock(shared.mutex);
    shared.open = open;
    shared.changed.notify_all();
}

void wait_entered(GatedSink::Shared& shared, int count) {
    std::unique_lock lock(shared.mutex);
    shared.changed.wait(lock, [&] { return shared.entered >= count; });
}

TEST(ABackgroundSink, ReturnsWhileTheFileIsStuckAndWritesEverythingInOrderAfterwards) {
    GatedSink::Shared shared;
    shared.open = false;  // the first write blocks, as an fdatasync on a slow disk does
    BackgroundSink sink(std::make_unique<GatedSink>(shared));
    for (std::uint64_t i = 1; i <= 5; ++i) {
        sink.write(numbered(i));  // would hang here if write() waited for the disk
    }
    wait_entered(shared, 1);
    set_open(shared, true);
    sink.flush();
    EXPECT_EQ(shared.written, (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
    EXPECT_EQ(sink.dropped(), 0U);
}

TEST(ABackgroundSink, WritesEveryQueuedEventBeforeItIsDestroyed) {
    GatedSink::Shared shared;
    {
        BackgroundSink sink(std::make_unique<GatedSink>(shared));
        for (std::uint64_t i = 1; i <= 1000; ++i) {
            sink.write(numbered(i));
        }
    }  // a stopping daemon
    ASSERT_EQ(shared.written.size(), 1000U);
    for (std::uint64_t i = 0; i < 1000; ++i) {
        ASSERT_EQ(shared.written[i], i + 1);
    }
}

TEST(ABackgroundSink, DropsAndCountsWhatDoesNotFitWhileTheDiskHangs) {
    GatedSink::Shared shared;
    shared.open = false;
    BackgroundSink sink(std::make_unique<GatedSink>(shared),
                        2 * BackgroundSink::weight(numbered(1)));
    sink.write(numbered(1));
    wait_entered(shared, 1);  // event 1 is with the disk; the queue is empty again
    for (std::uint64_t i = 2; i <= 6; ++i) {
        sink.write(numbered(i));
    }
    EXPECT_EQ(sink.dropped(), 3U);
    set_open(shared, true);
    sink.flush();
    EXPECT_EQ(shared.written, (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST(ABackgroundSink, KeepsWritingAfterTheInnerSinkThrows) {
    GatedSink::Shared shared;
    shared.throw_on = 2;
    BackgroundSink sink(std::make_unique<GatedSink>(shared));
    for (std::uint64_t i = 1; i <= 3; ++i) {
        sink.write(numbered(i));
    }
    sink.flush();
    EXPECT_EQ(shared.written, (std::vector<std::uint64_t>{1, 3}));
    EXPECT_EQ(sink.counters().failed, 1U);
    EXPECT_EQ(sink.counters().delivered, 2U);
}

TEST(ABackgroundSink, BoundsItsQueueInBytesNotEvents) {
    GatedSink::Shared shared;
    shared.open = false;
    Event small = numbered(1);
    BackgroundSink sink(std::make_unique<GatedSink>(shared), 4 * BackgroundSink::weight(small));
    sink.write(small);
    wait_entered(shared, 1);
    Event heavy = numbered(2);
    heavy.message.assign(4 * BackgroundSink::weight(small), 'x');  // a device name from hell
    sink.write(heavy);  // weighs more than the room left: dropped
    sink.write(numbered(3));
    sink.write(numbered(4));
    EXPECT_EQ(sink.counters().dropped, 1U);
    EXPECT_GT(sink.counters().queued_bytes, 0U);
    set_open(shared, true);
    sink.flush();
    EXPECT_EQ(shared.written, (std::vector<std::uint64_t>{1, 3, 4}));
    EXPECT_EQ(sink.counters().queued_bytes, 0U);
}

TEST(ABackgroundSink, ReportsWhatItLostOnceTheOutputWorksAgain) {
    GatedSink::Shared shared;
    shared.open = false;
    std::mutex mutex;
    std::vector<std::pair<std::string, std::uint64_t>> reports;
    BackgroundSink sink(std::make_unique<GatedSink>(shared),
                        2 * BackgroundSink::weight(numbered(1)),
                        [&](std::string_view output, std::uint64_t lost) {
                            const std::lock_guard lock(mutex);
                            reports.emplace_back(output, lost);
                        });
    sink.write(numbered(1));
    wait_entered(shared, 1);
    for (std::uint64_t i = 2; i <= 6; ++i) {
        sink.write(numbered(i));  // 2 and 3 queued, 4..6 dropped
    }
    {
        const std::lock_guard lock(mutex);
        EXPECT_TRUE(reports.empty()) << "nothing to report before the output works again";
    }
    set_open(shared, true);
    sink.flush();
    const std::lock_guard lock(mutex);
    ASSERT_EQ(reports.size(), 1U);
    EXPECT_EQ(reports[0].second, 3U);
}

TEST(ABackgroundSink, ReportsEventsItsOutputRefusedOnceItTakesOneAgain) {
    GatedSink::Shared shared;
    shared.throw_on = 2;  // journald not running for event 2
    std::uint64_t reported = 0;
    BackgroundSink sink(std::make_unique<GatedSink>(shared), BackgroundSink::kMaxQueuedBytes,
                        [&](std::string_view, std::uint64_t lost) { reported += lost; });
    for (std::uint64_t i = 1; i <= 3; ++i) {
        sink.write(numbered(i));
    }
    sink.flush();
    EXPECT_EQ(reported, 1U);
}

TEST(ABackgroundSink, WritesWithTheDaemonsSignalsBlocked) {
    // sd-event takes SIGTERM/SIGHUP through a signalfd: a thread with them unblocked would
    // receive them instead, and SIGTERM's default action would kill btfenced.
    sigset_t unblocked;
    sigemptyset(&unblocked);
    sigaddset(&unblocked, SIGTERM);
    sigset_t saved;
    pthread_sigmask(SIG_UNBLOCK, &unblocked, &saved);
    GatedSink::Shared shared;
    {
        BackgroundSink sink(std::make_unique<GatedSink>(shared));
        sink.write(numbered(1));
        sink.flush();
    }
    pthread_sigmask(SIG_SETMASK, &saved, nullptr);
    EXPECT_TRUE(shared.sigterm_blocked_in_writer);
}

}  // namespace
}  // namespace btfence::audit::testing
