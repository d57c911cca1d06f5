#include "support/pump.hpp"

#include <algorithm>

namespace btfence::bench {

void Pump::remove(Ticker& ticker) {
    std::erase(tickers_, &ticker);
}

bool Pump::run_until(const std::function<bool()>& done, Clock::time_point deadline) {
    for (;;) {
        // sd_bus_process handles one message (or flushes the write queue) per call.
        for (;;) {
            const int progressed = check(sd_bus_process(bus_, nullptr), "sd_bus_process");
            if (done()) {
                return true;
            }
            if (progressed == 0) {
                break;
            }
        }
        auto now = Clock::now();
        if (now >= deadline) {
            return false;
        }
        Clock::time_point wake = deadline;
        for (Ticker* ticker : tickers_) {
            wake = std::min(wake, ticker->tick(now));
        }
        now = Clock::now();
        if (wake > now) {
            // Wakes early for incoming messages, and for POLLOUT while our queue is not empty.
            check(sd_bus_wait(bus_, usec_until(now, wake)), "sd_bus_wait");
        }
    }
}

Clock::time_point PeriodicTask::tick(Clock::time_point now) {
    if (now >= next_) {
        task_(now);
        next_ = now + period_;
    }
    return next_;
}

}  // namespace btfence::bench
