#pragma once
// The one entry point through which the daemon records what it decided and did. It stamps
// each event (sequence, time, host) and hands it to every sink — today the audit file and
// journald.
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/aggregator.hpp"
#include "audit/audit_sink.hpp"
#include "audit/clock.hpp"
#include "audit/event.hpp"

namespace btfence::audit {

/// One output's counters, by name ("audit file", "journal", …).
struct OutputStats {
    std::string name;
    DeliveryCounters counters;
};

class Auditor {
  public:
    /// `clock` must outlive the Auditor. `host_name` goes into every event (`host.name`);
    /// the daemon passes gethostname(). `last_sequence`: the sequence number the previous run
    /// ended with (chain_store.hpp), so numbers continue across restarts; 0 at a first start.
    Auditor(WallClock& clock, std::string host_name, std::uint64_t last_sequence = 0);

    /// Holds back repeats of identical events and emits their summaries (aggregator.hpp).
    /// `clock` and `timer` must outlive the Auditor. Call once, before the first emit.
    void aggregate_repeats(AggregationOptions options, MonotonicClock& clock, RepeatTimer& timer);

    /// Takes ownership. Sinks receive events in the order they were added.
    void add_sink(std::unique_ptr<AuditSink> sink);

    /// With aggregation on, a repeat of an event emitted within the window is held and counted
    /// instead (its summary comes at the window's end, or before daemon-stopping). Otherwise:
    /// sets `sequence` (last_sequence + 1, + 2, …), `timestamp_us` and `host_name`, then
    /// writes the event to every sink. A sink that throws is reported (spdlog, error level)
    /// and skipped; the other sinks still get the event. Never throws.
    ///
    /// May be called from inside a sink's callback (a FileSink's error callback emitting
    /// audit-log-error): such an event is queued and delivered right after the current one,
    /// so sinks are never re-entered and see events in sequence order.
    ///
    /// Not thread-safe: call from the daemon's event loop.
    void emit(Event event);

    /// The sequence number of the last event emitted; `last_sequence` before the first.
    [[nodiscard]] std::uint64_t last_sequence() const { return sequence_; }

    /// Every sink's counters, in the order the sinks were added. Thread-safe as far as the
    /// sinks' counters() are (BackgroundSink's are); call from the loop.
    [[nodiscard]] std::vector<OutputStats> stats() const;
    /// Repeats held back by aggregation since the start (each counted in a summary event).
    [[nodiscard]] std::uint64_t repeats_held() const {
        return aggregator_ ? aggregator_->repeats_held() : 0;
    }

  private:
    void stamp_and_deliver(Event event);
    void deliver(const Event& event);
    void emit_due_summaries();
    void arm_timer();

    WallClock& clock_;
    std::string host_name_;
    std::vector<std::unique_ptr<AuditSink>> sinks_;
    std::uint64_t sequence_ = 0;
    std::deque<Event> pending_;  ///< events emitted while another was being delivered
    bool delivering_ = false;
    std::optional<Aggregator> aggregator_;
    MonotonicClock* monotonic_ = nullptr;
    RepeatTimer* timer_ = nullptr;
};

}  // namespace btfence::audit
