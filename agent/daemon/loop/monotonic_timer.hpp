#pragma once
// The event loop's side of retry::WakeupTimer: one CLOCK_MONOTONIC sd-event source, created
// once and switched on only while something is due (RetryQueue arms it for the earliest
// retry). The monotonic clock: a wall-clock step must neither fire retries early nor hold
// them back for hours.
#include <functional>

#include "loop/event_loop.hpp"
#include "retry/retry_queue.hpp"

namespace btfence::loop {

class MonotonicTimer final : public retry::WakeupTimer {
  public:
    explicit MonotonicTimer(EventLoop& loop);

    [[nodiscard]] retry::Clock::time_point now() const override;
    void on_due(std::function<void()> due) override { due_ = std::move(due); }
    void wake_at(std::optional<retry::Clock::time_point> when) override;

  private:
    static int fired(sd_event_source* source, std::uint64_t usec, void* userdata);

    std::function<void()> due_;
    Source source_;
};

}  // namespace btfence::loop
