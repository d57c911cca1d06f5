#pragma once
// Runs another sink — the audit file, journald, the Linux audit record — on a thread of its
// own, so that a slow output never holds up the event loop: the next Agent1 call, a
// RemoveDevice, a flood of signals are served while the line is made durable (the audit
// file's fdatasync: about a millisecond on an SSD, far more on a busy or failing disk) or while
// journald, busy or stopped, lets its socket fill (sd_journal_sendv blocks then). The
// benchmarks measured the synchronous file writes adding 20–45 % to the median Agent1 round
// trip (docs/performance.md).
//
// Order is kept: one thread writes the events in the order they were handed over. On
// destruction every queued event is written before the thread is joined, so a stopping daemon
// loses nothing.
//
// Nothing is lost silently. The queue is bounded in bytes (a flood of events with long device
// names costs what it weighs): what does not fit is dropped and counted; an event the inner
// sink refuses (throws: journald not running, the file not writable) is counted as failed.
// When the output takes an event again after losing some, the loss callback is told how many
// were lost in between, so the daemon can emit an audit-events-dropped event — which every
// output then carries — and counters() gives the totals for `btfencectl status`.
//
// The inner sink's callbacks (FileSink's error and recovery callbacks) and the loss callback
// run on the writer thread: they must be thread-safe or hand their work to the event loop
// (EventLoop::post).
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "audit/audit_sink.hpp"

namespace btfence::audit {

class BackgroundSink final : public AuditSink {
  public:
    /// 4 MiB: about 5,000 typical events (an event in memory weighs 600–900 bytes).
    static constexpr std::size_t kMaxQueuedBytes = std::size_t{4} << 20U;
    /// Called on the writer thread with the output's name and how many events it lost (dropped
    /// or failed) since it last delivered one.
    using LossCallback = std::function<void(std::string_view output, std::uint64_t lost)>;

    explicit BackgroundSink(std::unique_ptr<AuditSink> inner,
                            std::size_t max_queued_bytes = kMaxQueuedBytes,
                            LossCallback on_loss = {});
    ~BackgroundSink() override;
    BackgroundSink(const BackgroundSink&) = delete;
    BackgroundSink& operator=(const BackgroundSink&) = delete;

    /// Queues a copy of the event and returns at once.
    void write(const Event& event) override;
    [[nodiscard]] std::string_view name() const override { return inner_->name(); }
    [[nodiscard]] DeliveryCounters counters() const override;

    /// Blocks until everything queued so far has been handed to the inner sink.
    void flush();
    /// Events dropped because the queue was full, since the start.
    [[nodiscard]] std::uint64_t dropped() const { return counters().dropped; }

    /// What an event is counted as in the queue: its size and the text it owns.
    static std::size_t weight(const Event& event);

  private:
    void run();
    void deliver(const Event& event);

    std::unique_ptr<AuditSink> inner_;
    const std::size_t max_queued_bytes_;
    LossCallback on_loss_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;     ///< writer: work or stop
    std::condition_variable drained_;  ///< flush(): queue empty and writer idle
    std::deque<Event> queue_;
    DeliveryCounters counters_;     ///< guarded by mutex_
    std::uint64_t unreported_ = 0;  ///< lost since the last delivered event; guarded by mutex_
    bool failing_ = false;          ///< writer thread only
    bool writing_ = false;
    bool stopping_ = false;
    std::thread thread_;  ///< last: started once everything above exists
};

}  // namespace btfence::audit
