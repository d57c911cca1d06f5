#include "audit_outputs.hpp"

#include <spdlog/spdlog.h>

#include "audit/background_sink.hpp"
#include "audit/ecs_line.hpp"
#include "audit/file_sink.hpp"
#include "audit/journal_sink.hpp"
#include "audit/linux_audit_sink.hpp"
#include "audit/ocsf_line.hpp"

namespace btfence {
namespace {

audit::BackgroundSink::LossCallback loss_reporter(audit::Auditor& auditor, loop::EventLoop& loop) {
    // An output that loses events (queue full, journald gone, file unwritable) says how many
    // once it works again; the report is an event every output carries.
    return [&auditor, &loop](std::string_view output, std::uint64_t lost) {
        loop.post([&auditor, output = std::string(output), lost] {
            audit::Event report;
            report.action = audit::Action::AuditEventsDropped;
            report.outcome = audit::Outcome::Success;
            report.message = "The " + output + " lost " + std::to_string(lost) +
                             " audit event(s); it delivers again";
            report.loss = audit::Loss{output, lost};
            auditor.emit(std::move(report));
        });
    };
}

void emit_audit_log_error(audit::Auditor& auditor, const std::string& description) {
    audit::Event alarm;  // the file sinks skip it: it reaches journald
    alarm.action = audit::Action::AuditLogError;
    alarm.outcome = audit::Outcome::Failure;
    alarm.message = "Audit log problem: " + description;
    alarm.reason = description;
    auditor.emit(std::move(alarm));
}

}  // namespace

void LoopRepeatTimer::arm(std::optional<std::int64_t> deadline_us, std::function<void()> fire) {
    std::optional<std::chrono::microseconds> after;
    if (deadline_us) {
        after =
            std::chrono::microseconds{std::max<std::int64_t>(*deadline_us - clock_.now_us(), 0)};
    }
    loop_.set_monotonic_timer(slot_, after, std::move(fire));
}

AuditOutputs::AuditOutputs(const Options& options, loop::EventLoop& loop)
    : options_(options), loop_(loop), store_(options.state_dir) {
    if (!options.audit_log_path.empty()) {
        files_.push_back({"ecs", options.audit_log_path, audit::to_ecs_line, {}});
    }
    if (!options.ocsf_log_path.empty()) {
        files_.push_back({"ocsf", options.ocsf_log_path, audit::to_ocsf_line, {}});
    }
    if (files_.empty()) {
        return;
    }
    std::string error;
    key_ = store_.load_or_create_key(error);
    if (!key_) {
        problems_.push_back("cannot use the audit chain key (" + error +
                            "); lines are written without the chain and `btfencectl audit "
                            "verify` will report them");
    }
    for (ChainedFile& file : files_) {
        file.head = store_.load_head(file.output, file.path, error);
        if (!error.empty()) {
            problems_.push_back("cannot read the chain head of " + file.path + " (" + error +
                                "); the chain continues from the file's last line");
        }
        last_sequence_ = std::max(last_sequence_, file.head.sequence);
    }
}

void AuditOutputs::attach(audit::Auditor& auditor) {
    const auto report_loss = loss_reporter(auditor, loop_);
    if (options_.journal) {
        // On a thread of its own: sd_journal_sendv blocks while journald's socket is full.
        // Always added when enabled: while journald is not running the sends fail and are
        // counted, and they succeed again once it is back (sd_journal_sendv addresses the
        // socket anew on every send).
        auditor.add_sink(std::make_unique<audit::BackgroundSink>(
            std::make_unique<audit::JournalSink>(), audit::BackgroundSink::kMaxQueuedBytes,
            report_loss));
    }
    for (const ChainedFile& file : files_) {
        add_file(auditor, file);
    }
    if (options_.linux_audit != "off") {
        // A netlink send blocks while auditd's backlog is full: a thread of its own too.
        auditor.add_sink(std::make_unique<audit::BackgroundSink>(
            std::make_unique<audit::LinuxAuditSink>(options_.linux_audit == "on"),
            audit::BackgroundSink::kMaxQueuedBytes, report_loss));
    }
    for (const std::string& problem : problems_) {
        spdlog::critical("AUDIT CHAIN: {}", problem);
        emit_audit_log_error(auditor, problem);
    }
}

void AuditOutputs::add_file(audit::Auditor& auditor, const ChainedFile& file) {
    audit::FileSinkOptions file_options;
    file_options.serialize = file.serialize;
    file_options.name = file.output == "ocsf" ? "OCSF file" : "audit file";
    file_options.rotate_bytes = options_.audit_log_max_bytes;
    file_options.rotate_keep = options_.audit_log_keep;
    if (key_) {
        file_options.chain.emplace(*key_, file.head);
        file_options.save_head = [this, output = file.output](const audit::ChainHead& head) {
            std::string error;
            if (!store_.save_head(output, head, error)) {
                // The next start reads the head from the file's last line instead.
                spdlog::error("cannot save the audit chain head: {}", error);
            }
        };
    }
    file_options.on_recovered = [path = file.path](std::uint64_t events_lost) {
        spdlog::warn("{} writable again; {} event(s) are missing from it (journald has them)", path,
                     events_lost);
    };
    // The file is written (and fdatasync'ed) on its own thread: see background_sink.hpp. Its
    // error callback runs there; the audit-log-error event is emitted on the loop.
    auto sink = std::make_unique<audit::FileSink>(
        file.path,
        [&auditor, this](const audit::FileSinkError& error) {
            spdlog::critical(
                "AUDIT LOG NOT WRITTEN: {} ({} event(s) missing from the file; journald still "
                "has them). Enforcement continues.",
                error.describe(), error.events_lost);
            loop_.post([&auditor, description = error.describe()] {
                emit_audit_log_error(auditor, description);
            });
        },
        std::move(file_options));
    auditor.add_sink(std::make_unique<audit::BackgroundSink>(
        std::move(sink), audit::BackgroundSink::kMaxQueuedBytes, loss_reporter(auditor, loop_)));
}

}  // namespace btfence
