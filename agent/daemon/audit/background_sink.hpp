#pragma once
// Runs another sink — the audit file — on a thread of its own, so that its fdatasync (about a
// millisecond on an SSD, far more on a busy or failing disk) never holds up the event loop:
// the next Agent1 call, a RemoveDevice, a flood of signals are served while the line is made
// durable. The benchmarks measured the synchronous version adding 20–45 % to the median
// Agent1 round trip (docs/performance.md).
//
// Order is kept: one thread writes the events in the order they were handed over. On
// destruction every queued event is written before the thread is joined, so a stopping daemon
// loses nothing. The queue is bounded (kMaxQueued): if the disk stops answering, later events
// are dropped from the file — counted and logged; journald, written synchronously, still has
// them — instead of growing the daemon without limit.
//
// The inner sink's callbacks (FileSink's error and recovery callbacks) run on the writer
// thread: they must be thread-safe or hand their work to the event loop (EventLoop::post).
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "audit/audit_sink.hpp"

namespace btfence::audit {

class BackgroundSink final : public AuditSink {
  public:
    static constexpr std::size_t kMaxQueued = 16384;

    explicit BackgroundSink(std::unique_ptr<AuditSink> inner, std::size_t max_queued = kMaxQueued);
    ~BackgroundSink() override;
    BackgroundSink(const BackgroundSink&) = delete;
    BackgroundSink& operator=(const BackgroundSink&) = delete;

    /// Queues a copy of the event and returns at once.
    void write(const Event& event) override;
    [[nodiscard]] std::string_view name() const override { return inner_->name(); }

    /// Blocks until everything queued so far has been handed to the inner sink.
    void flush();
    /// Events dropped because the queue was full, since the start.
    [[nodiscard]] std::uint64_t dropped() const;

  private:
    void run();

    std::unique_ptr<AuditSink> inner_;
    const std::size_t max_queued_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;     ///< writer: work or stop
    std::condition_variable drained_;  ///< flush(): queue empty and writer idle
    std::deque<Event> queue_;
    bool writing_ = false;
    bool stopping_ = false;
    std::uint64_t dropped_ = 0;
    std::uint64_t dropped_unreported_ = 0;
    std::thread thread_;  ///< last: started once everything above exists
};

}  // namespace btfence::audit
