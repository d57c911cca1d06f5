#pragma once
// The wall clock the audit trail stamps events with. An interface so tests (and replays) can
// give events fixed, known times; the daemon uses SystemWallClock.
#include <cstdint>

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

}  // namespace btfence::audit
