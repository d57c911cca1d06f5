#pragma once
// Where audit events go. The Auditor fans every event out to all its sinks.
#include <string_view>

#include "audit/event.hpp"

namespace btfence::audit {

class AuditSink {
  public:
    virtual ~AuditSink() = default;
    /// Record one event, fully filled in by the Auditor (sequence, timestamp, host name).
    /// May throw; the Auditor logs the failure and still delivers to the other sinks.
    virtual void write(const Event& event) = 0;
    /// For diagnostics when write() fails.
    [[nodiscard]] virtual std::string_view name() const { return "audit sink"; }
};

}  // namespace btfence::audit
