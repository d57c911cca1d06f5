#include "audit/clock.hpp"

#include <ctime>

namespace btfence::audit {

std::int64_t SystemWallClock::now_us() {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);  // cannot fail for CLOCK_REALTIME with a valid pointer
    return static_cast<std::int64_t>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1'000;
}

std::int64_t SystemMonotonicClock::now_us() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1'000;
}

}  // namespace btfence::audit
