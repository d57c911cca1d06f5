#include "rule_windows.hpp"

namespace btfence {

void RuleWindows::start() {
    loop_.on_wall_clock_set([this] { wall_clock_set(); });
    policy_replaced();
}

void RuleWindows::policy_replaced() {
    last_look_ = clock_.now();
    arm();
}

void RuleWindows::wall_clock_set() {
    look(Cause::ClockSet);
}

void RuleWindows::look(Cause cause) {
    const policy::TimePoint now = clock_.now();
    const auto changes = policies_.current().window_changes(last_look_, now);
    last_look_ = now;
    // Re-armed before the owner acts: the next boundary depends on where the clock is now
    // (after a set back, a boundary already passed lies ahead again).
    arm();
    changed_(changes, cause);
}

void RuleWindows::arm() {
    auto next = policies_.current().next_boundary_after(clock_.now());
    if (other_deadline_) {
        if (const auto other = other_deadline_(); other && (!next || *other < *next)) {
            next = other;
        }
    }
    loop_.set_realtime_timer(
        timer_,
        next ? std::optional(std::chrono::system_clock::time_point(next->time_since_epoch()))
             : std::nullopt,
        // Deferred: look() re-arms this very timer, which must not happen inside its handler.
        [this] { loop_.defer([this] { look(Cause::Boundary); }); });
}

}  // namespace btfence
