#pragma once
// Where audit events go. The Auditor fans every event out to all its sinks.
#include <cstdint>
#include <string_view>

#include "audit/event.hpp"

namespace btfence::audit {

/// What one output did with the events it was given, since the start. For `btfencectl status`
/// (through Auditor::stats()) and the tests.
struct DeliveryCounters {
    std::uint64_t delivered = 0;     ///< written or sent
    std::uint64_t dropped = 0;       ///< not queued: the output's queue was full
    std::uint64_t failed = 0;        ///< the output refused or could not take them
    std::uint64_t queued_bytes = 0;  ///< waiting now (approximate)
};

class AuditSink {
  public:
    virtual ~AuditSink() = default;
    /// Record one event, fully filled in by the Auditor (sequence, timestamp, host name).
    /// May throw; the Auditor logs the failure and still delivers to the other sinks.
    virtual void write(const Event& event) = 0;
    /// For diagnostics when write() fails.
    [[nodiscard]] virtual std::string_view name() const { return "audit sink"; }
    /// Called when no more events are waiting (BackgroundSink: its queue ran empty), for work
    /// worth doing once per burst rather than once per event.
    virtual void idle() {}
    /// Sinks that count what they deliver (BackgroundSink) override this.
    [[nodiscard]] virtual DeliveryCounters counters() const { return {}; }
};

}  // namespace btfence::audit
