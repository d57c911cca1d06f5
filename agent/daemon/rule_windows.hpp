#pragma once
// Layer 5's clock: rules with `not_before`/`expires` start and stop matching by themselves.
// One wall-clock timer is armed for the policy's next boundary; and because those instants
// are wall-clock instants, a set of the wall clock (forward or back, `date -s`, NTP, resume)
// re-evaluates them too. Either way the owner hears which rules changed and re-decides every
// device. The same timer ends runtime exemptions: the owner may give it one more deadline (the
// earliest exemption's end), which it arms for like a rule's boundary. Nothing polls.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "btfence/policy/policy.hpp"
#include "clock.hpp"
#include "loop/event_loop.hpp"
#include "policy_store.hpp"

namespace btfence {

class RuleWindows {
  public:
    /// Why the windows were looked at again.
    enum class Cause { Boundary, ClockSet };
    using Changed = std::function<void(const std::vector<policy::WindowChange>&, Cause)>;
    /// A deadline besides the policy's boundaries (nullopt: none), asked each time the timer
    /// is armed.
    using NextDeadline = std::function<std::optional<policy::TimePoint>()>;

    RuleWindows(loop::EventLoop& loop, const PolicyStore& policies, const DecisionClock& clock,
                Changed changed, NextDeadline other_deadline = {})
        : loop_(loop),
          policies_(policies),
          clock_(clock),
          changed_(std::move(changed)),
          other_deadline_(std::move(other_deadline)) {}

    /// Starts watching the wall clock and arms the timer for the policy in force.
    void start();
    /// A new policy is in force (its sweep decided every device now): arm for its boundaries.
    void policy_replaced();
    /// The other deadline changed (an exemption granted, revoked or ended): arm for it.
    void deadline_changed() { arm(); }
    /// The wall clock was set (EventLoop::on_wall_clock_set); public for the tests.
    void wall_clock_set();

  private:
    void look(Cause cause);
    void arm();

    loop::EventLoop& loop_;
    const PolicyStore& policies_;
    const DecisionClock& clock_;
    Changed changed_;
    NextDeadline other_deadline_;
    loop::TimerSlot timer_;
    policy::TimePoint last_look_{};
};

}  // namespace btfence
