#pragma once
// Sends audit events to journald as structured entries (fields: journal_fields.hpp).
#include <sys/uio.h>

#include <functional>
#include <span>

#include "audit/audit_sink.hpp"

namespace btfence::audit {

class JournalSink final : public AuditSink {
  public:
    /// The call that hands one entry to journald; returns 0 or a negative errno like
    /// sd_journal_sendv. A seam so tests can see exactly what would be sent.
    using Sender = std::function<int(std::span<const iovec> fields)>;

    JournalSink();  ///< sends with sd_journal_sendv
    explicit JournalSink(Sender sender);

    /// Throws std::system_error if journald refused the entry (the Auditor reports it).
    void write(const Event& event) override;
    [[nodiscard]] std::string_view name() const override { return "journal"; }

  private:
    Sender sender_;
};

}  // namespace btfence::audit
