#pragma once
// The benches' event loop over one sd-bus connection: dispatches incoming messages, writes
// queued ones and wakes the registered tickers (paced signal emitters, periodic probes) when
// they asked to be woken. Every wait ends at a condition or a deadline, never a fixed sleep.
#include <functional>
#include <vector>

#include "support/bus.hpp"

namespace btfence::bench {

/// Something the pump wakes on a schedule.
class Ticker {
  public:
    virtual ~Ticker() = default;
    /// Does what is due at `now`; returns when it next wants to be woken.
    virtual Clock::time_point tick(Clock::time_point now) = 0;
};

class Pump {
  public:
    explicit Pump(sd_bus* bus) : bus_(bus) {}

    void add(Ticker& ticker) { tickers_.push_back(&ticker); }
    void remove(Ticker& ticker);

    /// Runs until `done()` holds (true) or `deadline` passes (false).
    bool run_until(const std::function<bool()>& done, Clock::time_point deadline);

  private:
    sd_bus* bus_;
    std::vector<Ticker*> tickers_;
};

/// Calls `task(now)` every `period` while registered with a pump.
class PeriodicTask : public Ticker {
  public:
    PeriodicTask(Clock::duration period, std::function<void(Clock::time_point)> task)
        : period_(period), task_(std::move(task)) {}

    Clock::time_point tick(Clock::time_point now) override;

  private:
    Clock::duration period_;
    std::function<void(Clock::time_point)> task_;
    Clock::time_point next_{};
};

}  // namespace btfence::bench
