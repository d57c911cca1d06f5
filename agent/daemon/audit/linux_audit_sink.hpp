#pragma once
// Sends a USER_DEVICE record to the kernel audit (auditd) for each device decision, through
// libaudit (audit_log_user_comm_message), as USBGuard does: the decision lands in
// /var/log/audit/audit.log beside logins and sudo, where `ausearch -m USER_DEVICE` and audit
// rules find it. Needs CAP_AUDIT_WRITE (the unit grants it; docs/admin-guide.md). Runs on a
// writer thread of its own (background_sink.hpp): a netlink send can block when auditd is
// slow (its backlog full).
//
// Modes (--linux-audit): "auto" sends when the kernel has audit and btfenced may write to it,
// and otherwise stops after saying so once (a kernel without audit, no CAP_AUDIT_WRITE: the
// other outputs have the events); "on" treats every failed send as a lost event (counted,
// reported as audit-events-dropped); "off" adds no such output.
#include <functional>
#include <string>

#include "audit/audit_sink.hpp"

namespace btfence::audit {

class LinuxAuditSink final : public AuditSink {
  public:
    /// Sends one record (type, message, result 1/0); returns 0 or a negative errno. A seam so
    /// tests can see what would be sent; the default opens the audit netlink socket lazily.
    using Sender = std::function<int(int type, const std::string& message, int result)>;

    explicit LinuxAuditSink(bool required);  ///< libaudit
    LinuxAuditSink(bool required, Sender sender);
    ~LinuxAuditSink() override;
    LinuxAuditSink(const LinuxAuditSink&) = delete;
    LinuxAuditSink& operator=(const LinuxAuditSink&) = delete;

    /// Device decisions only; other events are skipped. Throws when a record is lost (in
    /// "auto" mode only while audit works at all).
    void write(const Event& event) override;
    [[nodiscard]] std::string_view name() const override { return "linux audit"; }

  private:
    int send(int type, const std::string& message, int result);

    bool required_;
    Sender sender_;
    int fd_ = -1;
    bool disabled_ = false;  ///< "auto" and audit is not usable here
};

}  // namespace btfence::audit
