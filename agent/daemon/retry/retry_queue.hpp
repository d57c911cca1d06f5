#pragma once
// Retries on the monotonic clock. Every call btfenced must see through (GetManagedObjects,
// RemoveDevice, SetServiceAllowList, lookups, agent registration) is retried with a capped
// exponential backoff until it succeeds or bluetoothd says the object is gone
// (docs/architecture.md, "Calls on bluetoothd"). All retries share one timer, armed for the
// earliest one due and disarmed when none is pending: no periodic wake-up when nothing is
// waiting.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>

namespace btfence::retry {

using Clock = std::chrono::steady_clock;

/// The seam to the event loop's monotonic timer (loop::EventLoop in btfenced, a hand-driven
/// clock in unit tests).
class WakeupTimer {
  public:
    virtual ~WakeupTimer() = default;
    [[nodiscard]] virtual Clock::time_point now() const = 0;
    /// Sets what runs when the timer fires (once, before the first wake_at()).
    virtual void on_due(std::function<void()> due) = 0;
    /// Arms the one timer for `when`; nullopt disarms it. Callable from the `due` handler.
    virtual void wake_at(std::optional<Clock::time_point> when) = 0;
};

struct BackoffSettings {
    Clock::duration first = std::chrono::seconds(1);
    Clock::duration max = std::chrono::seconds(30);
};

/// Delays of successive attempts: first, 2×first, 4×first, … capped at max.
class Backoff {
  public:
    explicit Backoff(BackoffSettings settings) : settings_(settings) {}
    /// The delay before the next attempt; counts one failure.
    Clock::duration next();
    [[nodiscard]] unsigned failures() const { return failures_; }

  private:
    BackoffSettings settings_;
    unsigned failures_ = 0;
};

class RetryQueue {
  public:
    using Task = std::function<void()>;

    /// A scheduled retry; destroying it (or reset()) cancels the retry if it has not run.
    class Handle {
      public:
        Handle() = default;
        ~Handle() { reset(); }
        Handle(Handle&& other) noexcept
            : queue_(std::exchange(other.queue_, nullptr)), id_(other.id_) {}
        Handle& operator=(Handle&& other) noexcept;
        Handle(const Handle&) = delete;
        Handle& operator=(const Handle&) = delete;
        void reset();
        /// Scheduled and not yet run.
        [[nodiscard]] bool pending() const;

      private:
        friend class RetryQueue;
        Handle(RetryQueue* queue, std::uint64_t id) : queue_(queue), id_(id) {}
        RetryQueue* queue_ = nullptr;
        std::uint64_t id_ = 0;
    };

    RetryQueue(WakeupTimer& timer, BackoffSettings settings);
    ~RetryQueue();
    RetryQueue(const RetryQueue&) = delete;
    RetryQueue& operator=(const RetryQueue&) = delete;

    /// Runs `task` on the loop after `delay`, unless the handle is dropped first.
    [[nodiscard]] Handle schedule(Clock::duration delay, Task task);
    [[nodiscard]] Backoff backoff() const { return Backoff(settings_); }
    [[nodiscard]] std::size_t size() const { return due_.size(); }

  private:
    void cancel(std::uint64_t id);
    void run_due();
    void rearm();

    WakeupTimer& timer_;
    BackoffSettings settings_;
    std::uint64_t next_id_ = 1;
    std::map<std::pair<Clock::time_point, std::uint64_t>, Task> due_;  ///< earliest first
    std::unordered_map<std::uint64_t, Clock::time_point> when_;
    std::optional<Clock::time_point> armed_for_;
};

}  // namespace btfence::retry
