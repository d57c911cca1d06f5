#pragma once
// Emits signals at a target rate (e.g. 20,000 PropertiesChanged/s) from the pump's thread.
// Signals go out in small bursts, one burst per `granularity`, as bluetoothd's own bursts of
// advertising reports do. When the bus cannot take them (our write queue is full) the owed
// signals beyond `max_lag` are skipped and counted, so that sent()/elapsed is the rate the bus
// really sustained rather than a burst released later.
#include <cstdint>
#include <functional>

#include "support/pump.hpp"

namespace btfence::bench {

class PacedEmitter : public Ticker {
  public:
    using EmitOne = std::function<void(std::uint64_t sequence)>;

    PacedEmitter(sd_bus* bus, double rate_per_second, EmitOne emit_one,
                 Clock::duration max_lag = std::chrono::milliseconds(20),
                 Clock::duration granularity = std::chrono::microseconds(200));

    void start(Clock::time_point now);
    void stop(Clock::time_point now);

    Clock::time_point tick(Clock::time_point now) override;

    [[nodiscard]] std::uint64_t sent() const { return sent_; }
    [[nodiscard]] std::uint64_t skipped() const { return skipped_; }
    [[nodiscard]] double elapsed_seconds() const { return to_s(stopped_ - started_); }
    /// Signals actually emitted per second over [start, stop].
    [[nodiscard]] double achieved_rate() const;

  private:
    /// Our own write queue (messages sd-bus could not hand to the socket yet) above which
    /// nothing new is generated.
    static constexpr std::uint64_t kMaxQueuedWrites = 2048;

    sd_bus* bus_;
    double rate_;
    EmitOne emit_one_;
    double max_lag_signals_;
    double burst_;
    bool running_ = false;
    Clock::time_point started_{};
    Clock::time_point stopped_{};
    std::uint64_t sent_ = 0;
    std::uint64_t skipped_ = 0;
};

}  // namespace btfence::bench
