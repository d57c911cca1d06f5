#include "loop/monotonic_timer.hpp"

#include <cstdint>
#include <system_error>

namespace btfence::loop {
namespace {

// Retries need no precision; a coarse accuracy lets sd-event batch wake-ups.
constexpr std::uint64_t kAccuracyUsec = 50'000;

void check(int result, const char* what) {
    if (result < 0) {
        throw std::system_error(-result, std::generic_category(), what);
    }
}

}  // namespace

MonotonicTimer::MonotonicTimer(EventLoop& loop) {
    sd_event_source* source = nullptr;
    check(sd_event_add_time(loop.get(), &source, CLOCK_MONOTONIC, UINT64_MAX, kAccuracyUsec,
                            &MonotonicTimer::fired, this),
          "sd_event_add_time");
    source_ = Source(source);
    check(sd_event_source_set_enabled(source, SD_EVENT_OFF), "sd_event_source_set_enabled");
}

retry::Clock::time_point MonotonicTimer::now() const {
    // std::chrono::steady_clock is CLOCK_MONOTONIC on Linux, the clock of this source.
    return retry::Clock::now();
}

void MonotonicTimer::wake_at(std::optional<retry::Clock::time_point> when) {
    if (!when) {
        sd_event_source_set_enabled(source_.get(), SD_EVENT_OFF);
        return;
    }
    const auto usec =
        std::chrono::duration_cast<std::chrono::microseconds>(when->time_since_epoch()).count();
    check(sd_event_source_set_time(source_.get(), usec < 0 ? 0 : static_cast<std::uint64_t>(usec)),
          "sd_event_source_set_time");
    check(sd_event_source_set_enabled(source_.get(), SD_EVENT_ONESHOT),
          "sd_event_source_set_enabled");
}

int MonotonicTimer::fired(sd_event_source* /*source*/, std::uint64_t /*usec*/, void* userdata) {
    auto* self = static_cast<MonotonicTimer*>(userdata);
    if (self->due_) {
        self->due_();
    }
    return 0;
}

}  // namespace btfence::loop
