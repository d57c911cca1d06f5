#include "audit/linux_audit_sink.hpp"

#include <libaudit.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "audit/linux_audit_record.hpp"

namespace btfence::audit {
namespace {

/// Errors that mean "audit is not usable by this process", not "this record was lost".
bool unusable(int error) {
    return error == EPROTONOSUPPORT || error == EAFNOSUPPORT || error == EINVAL || error == EPERM ||
           error == ECONNREFUSED;
}

}  // namespace

LinuxAuditSink::LinuxAuditSink(bool required)
    : required_(required), sender_([this](int type, const std::string& message, int result) {
          return send(type, message, result);
      }) {}

LinuxAuditSink::LinuxAuditSink(bool required, Sender sender)
    : required_(required), sender_(std::move(sender)) {}

LinuxAuditSink::~LinuxAuditSink() {
    if (fd_ >= 0) {
        audit_close(fd_);
    }
}

int LinuxAuditSink::send(int type, const std::string& message, int result) {
    if (fd_ < 0) {
        fd_ = audit_open();
        if (fd_ < 0) {
            return -errno;
        }
    }
    // comm "btfenced"; no host, address or tty: the record is about a local device.
    const int sent = audit_log_user_comm_message(fd_, type, message.c_str(), "btfenced", nullptr,
                                                 nullptr, nullptr, result);
    if (sent <= 0) {
        const int error = errno != 0 ? errno : EIO;
        audit_close(fd_);  // reopen on the next record: auditd may have restarted
        fd_ = -1;
        return -error;
    }
    return 0;
}

void LinuxAuditSink::write(const Event& event) {
    if (disabled_) {
        return;
    }
    const auto message = to_linux_audit_message(event);
    if (!message) {
        return;
    }
    errno = 0;
    const int result = sender_(AUDIT_USER_DEVICE, *message, event.outcome == Outcome::Success);
    if (result == 0) {
        return;
    }
    if (!required_ && unusable(-result)) {
        disabled_ = true;
        spdlog::warn(
            "Linux audit records are off: {} (no audit in the kernel, or no CAP_AUDIT_WRITE); "
            "the audit file and journald still have every event",
            std::generic_category().message(-result));
        return;
    }
    throw std::system_error(-result, std::generic_category(), "audit_log_user_comm_message");
}

}  // namespace btfence::audit
