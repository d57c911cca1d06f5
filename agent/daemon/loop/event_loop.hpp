#pragma once
// The daemon's one event loop: sd-event, with small RAII helpers for the sources btfenced
// uses. Nothing here polls: every wake-up is a message, a signal, a file change or a timer
// armed for a known instant.
#include <systemd/sd-event.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace btfence::loop {

/// Owns one sd_event_source and unrefs it on destruction.
class Source {
  public:
    Source() = default;
    explicit Source(sd_event_source* source) : source_(source) {}
    ~Source() { reset(); }
    Source(Source&& other) noexcept : source_(other.source_) { other.source_ = nullptr; }
    Source& operator=(Source&& other) noexcept;
    Source(const Source&) = delete;
    Source& operator=(const Source&) = delete;
    void reset();
    [[nodiscard]] sd_event_source* get() const { return source_; }

  private:
    sd_event_source* source_ = nullptr;
};

/// What happened to a watched file (EventLoop::watch_file).
enum class FileChange {
    Replaced,        ///< a file was renamed onto the name (IN_MOVED_TO): complete when it lands
    WrittenInPlace,  ///< the file was written and closed (IN_CLOSE_WRITE): maybe one of pieces
    Removed,         ///< the name was deleted or renamed away (IN_DELETE, IN_MOVED_FROM)
};

/// A re-armable timer (wall-clock or monotonic): one source and the handler it calls.
struct TimerSlot {
    Source source;
    std::function<void()> handler;
};

class EventLoop {
  public:
    EventLoop();
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    [[nodiscard]] sd_event* get() const { return event_; }

    /// Blocks `signal` and delivers it to `handler` through the loop.
    void on_signal(int signal, std::function<void()> handler);
    /// Runs `task` once, on the next loop iteration (after the current dispatch returns).
    void defer(std::function<void()> task);
    /// Like defer(), but callable from any thread (the audit writer thread reports its
    /// failures this way): the task runs on the loop's thread. Tasks posted after the loop
    /// stopped never run.
    void post(std::function<void()> task);
    /// Arms (or re-arms) the single wall-clock timer `slot` for `when`; nullopt disarms it.
    void set_realtime_timer(TimerSlot& slot,
                            std::optional<std::chrono::system_clock::time_point> when,
                            std::function<void()> handler);
    /// Arms (or re-arms) `slot` to fire once `after` has elapsed on the monotonic clock
    /// (CLOCK_MONOTONIC: deadlines and grace periods, which a wall-clock step must neither
    /// shorten nor stretch); nullopt disarms it.
    void set_monotonic_timer(TimerSlot& slot, std::optional<std::chrono::microseconds> after,
                             std::function<void()> handler);
    /// Calls `handler` whenever the wall clock (CLOCK_REALTIME) is set discontinuously:
    /// `date -s`, an NTP step, a suspended laptop's clock corrected at resume. A timerfd armed
    /// with TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET: the kernel cancels it on every set.
    /// sd-event's own CLOCK_REALTIME timers fire when the clock is set past them, but nobody
    /// is told when it is set back, so instants already acted on can become the future again.
    void on_wall_clock_set(std::function<void()> handler);
    /// Calls `handler` when the file named `file_name` in `directory` is replaced (renamed
    /// onto), written in place and closed, or removed. Creation alone is not reported: an
    /// empty new file is no change worth acting on, and its writer's close follows.
    void watch_file(const std::string& directory, const std::string& file_name,
                    std::function<void(FileChange)> handler);
    /// Sends WATCHDOG=1 at half of WATCHDOG_USEC, when systemd asked for it.
    void enable_watchdog();

    int run();
    void exit(int code);

  private:
    void run_posted();

    sd_event* event_ = nullptr;
    int post_fd_ = -1;  ///< eventfd that wakes the loop for post()
    std::mutex posted_mutex_;
    std::vector<std::function<void()>> posted_;
    std::vector<std::shared_ptr<void>> userdata_;  ///< what long-lived sources point at
    std::vector<Source> sources_;                  ///< destroyed before userdata_
};

}  // namespace btfence::loop
