#include "paced_emitter.hpp"

#include <algorithm>
#include <cmath>

namespace btfence::bench {

PacedEmitter::PacedEmitter(sd_bus* bus, double rate_per_second, EmitOne emit_one,
                           Clock::duration max_lag, Clock::duration granularity)
    : bus_(bus),
      rate_(rate_per_second),
      emit_one_(std::move(emit_one)),
      max_lag_signals_(std::max(1.0, rate_per_second * to_s(max_lag))),
      burst_(std::max(1.0, rate_per_second * to_s(granularity))) {}

void PacedEmitter::start(Clock::time_point now) {
    running_ = rate_ > 0;
    started_ = now;
    stopped_ = now;
    sent_ = 0;
    skipped_ = 0;
}

void PacedEmitter::stop(Clock::time_point now) {
    if (running_) {
        stopped_ = now;
    }
    running_ = false;
}

double PacedEmitter::achieved_rate() const {
    const double seconds = elapsed_seconds();
    return seconds > 0 ? static_cast<double>(sent_) / seconds : 0.0;
}

Clock::time_point PacedEmitter::tick(Clock::time_point now) {
    if (!running_) {
        return Clock::time_point::max();
    }
    const double due = std::floor(rate_ * to_s(now - started_));
    double owed = due - static_cast<double>(sent_ + skipped_);

    std::uint64_t queued = 0;
    check(sd_bus_get_n_queued_write(bus_, &queued), "sd_bus_get_n_queued_write");
    while (owed >= 1 && queued < kMaxQueuedWrites) {
        emit_one_(sent_ + skipped_);
        ++sent_;
        owed -= 1;
        check(sd_bus_get_n_queued_write(bus_, &queued), "sd_bus_get_n_queued_write");
    }
    if (owed > max_lag_signals_) {
        const auto dropped = static_cast<std::uint64_t>(owed - max_lag_signals_);
        skipped_ += dropped;
    }
    if (queued >= kMaxQueuedWrites) {
        // The bus is not taking more: the pump's wait wakes on POLLOUT well before this.
        return now + std::chrono::milliseconds(5);
    }
    // Next burst: when `burst_` more signals are due.
    const double next_index = static_cast<double>(sent_ + skipped_) + burst_;
    return started_ + std::chrono::duration_cast<Clock::duration>(
                          std::chrono::duration<double>(next_index / rate_));
}

}  // namespace btfence::bench
