#pragma once
// The wall clock the audit trail stamps events with. An interface so tests (and replays) can
// give events fixed, known times; the daemon uses SystemWallClock.
#include <cstdint>
#include <functional>
#include <optional>

namespace btfence::audit {

class WallClock {
  public:
    virtual ~WallClock() = default;
    /// Microseconds since the Unix epoch, UTC. Wall time, not monotonic: audit timestamps must
    /// be comparable with other hosts' logs, so they follow NTP adjustments.
    virtual std::int64_t now_us() = 0;
};

/// CLOCK_REALTIME.
class SystemWallClock final : public WallClock {
  public:
    std::int64_t now_us() override;
};

/// The clock aggregation windows run on: monotonic, so a wall-clock step neither ends a window
/// early nor holds repeats back longer.
class MonotonicClock {
  public:
    virtual ~MonotonicClock() = default;
    virtual std::int64_t now_us() = 0;  ///< µs on CLOCK_MONOTONIC
};

/// CLOCK_MONOTONIC.
class SystemMonotonicClock final : public MonotonicClock {
  public:
    std::int64_t now_us() override;
};

/// One re-armable timer on the monotonic clock (the daemon's: EventLoop::set_monotonic_timer).
class RepeatTimer {
  public:
    virtual ~RepeatTimer() = default;
    /// Calls `fire` once at `deadline_us` (monotonic µs), replacing any earlier arming;
    /// nullopt disarms.
    virtual void arm(std::optional<std::int64_t> deadline_us, std::function<void()> fire) = 0;
};

}  // namespace btfence::audit
