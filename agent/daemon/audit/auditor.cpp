#include "audit/auditor.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <utility>

namespace btfence::audit {

Auditor::Auditor(WallClock& clock, std::string host_name, std::uint64_t last_sequence)
    : clock_(clock), host_name_(std::move(host_name)), sequence_(last_sequence) {}

std::vector<OutputStats> Auditor::stats() const {
    std::vector<OutputStats> stats;
    stats.reserve(sinks_.size());
    for (const auto& sink : sinks_) {
        stats.push_back(OutputStats{std::string(sink->name()), sink->counters()});
    }
    return stats;
}

void Auditor::add_sink(std::unique_ptr<AuditSink> sink) {
    if (sink) {
        sinks_.push_back(std::move(sink));
    }
}

void Auditor::aggregate_repeats(AggregationOptions options, MonotonicClock& clock,
                                RepeatTimer& timer) {
    aggregator_.emplace(options);
    monotonic_ = &clock;
    timer_ = &timer;
}

void Auditor::emit(Event event) {
    if (aggregator_) {
        if (event.action == Action::DaemonStopping) {
            // Nothing held back is lost when the daemon stops: every pending summary first.
            for (Event& summary : aggregator_->drain()) {
                stamp_and_deliver(std::move(summary));
            }
            arm_timer();
        } else if (!aggregator_->admit(event, monotonic_->now_us(), clock_.now_us())) {
            return;  // a repeat: counted, summarized at the window's end
        } else {
            arm_timer();  // a first occurrence may have opened a window
        }
    }
    stamp_and_deliver(std::move(event));
}

void Auditor::emit_due_summaries() {
    for (Event& summary : aggregator_->due(monotonic_->now_us())) {
        stamp_and_deliver(std::move(summary));
    }
    arm_timer();
}

void Auditor::arm_timer() {
    timer_->arm(aggregator_->next_deadline(), [this] { emit_due_summaries(); });
}

void Auditor::stamp_and_deliver(Event event) {
    event.sequence = ++sequence_;
    event.timestamp_us = clock_.now_us();
    event.host_name = host_name_;
    if (delivering_) {
        pending_.push_back(std::move(event));
        return;
    }
    delivering_ = true;
    deliver(event);
    while (!pending_.empty()) {
        Event next = std::move(pending_.front());
        pending_.pop_front();
        deliver(next);
    }
    delivering_ = false;
}

void Auditor::deliver(const Event& event) {
    for (const auto& sink : sinks_) {
        try {
            sink->write(event);
        } catch (const std::exception& error) {
            spdlog::error("{} lost audit event {} ({}): {}", sink->name(), event.sequence,
                          info(event.action).name, error.what());
        } catch (...) {
            spdlog::error("{} lost audit event {} ({}): unknown exception", sink->name(),
                          event.sequence, info(event.action).name);
        }
    }
}

}  // namespace btfence::audit
