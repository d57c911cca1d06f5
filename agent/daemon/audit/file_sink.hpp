#pragma once
// Appends audit events as JSON lines (json_line.hpp) to the audit file, by default
// /var/log/btfence/audit.jsonl.
//
// Durability: by default every line is followed by fdatasync(2). Audit events are rare (a few
// per pairing attempt, a few per policy load), so the cost — about a millisecond on an SSD —
// is paid rarely, and in exchange an event that was reported is on disk: an attacker who pairs
// a keyboard and then pulls the power does not erase the record of it within the moment the
// writer thread (background_sink.hpp) takes to reach the line. The Agent1 reply is sent before
// the event is even queued, so the sync never delays a pairing decision.
//
// Failure handling: write() does not throw (only the callbacks could). If the file cannot be
// opened, created or written, the sink reports it through the error callback (the daemon logs it
// loudly and sends an audit-log-error event to journald) and drops the line — the journal still has
// the event. The next event retries from scratch (create the directory, open the file), so a full
// disk that was cleaned up or a directory that was recreated recovers by itself, and the recovery
// callback says how many lines the file is missing.
//
// Rotation: before each line the sink stat(2)s the path and compares device and inode with the
// open descriptor; if the file was renamed or deleted (logrotate without copytruncate, or an
// admin), it closes its descriptor and creates a fresh file. One stat per event is cheap next
// to the fdatasync, and checking every time means no line ever goes to a rotated-away file.
// copytruncate needs nothing: O_APPEND writes at the new end.
//
// Not thread-safe: one thread at a time. In the daemon that is the audit writer thread
// (background_sink.hpp), so the fdatasync below never blocks the event loop.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <system_error>

#include "audit/audit_sink.hpp"

namespace btfence::audit {

struct FileSinkError {
    std::string operation;  ///< "open", "create directory", "write", "fdatasync"
    std::string path;       ///< the file or directory concerned
    std::error_code error;
    std::string detail;  ///< extra facts, e.g. how much of a short write got through; may be empty
    /// Events missing from the file since the last good write, this one included; 0 when the
    /// line was written but the sync failed.
    std::uint64_t events_lost = 0;

    /// "cannot open /var/log/btfence/audit.jsonl: Permission denied"
    [[nodiscard]] std::string describe() const;
};

enum class SyncPolicy {
    EveryEvent,  ///< fdatasync after each line (default; see above)
    Never,       ///< leave it to the kernel's writeback (tests, benchmarks)
};

struct FileSinkOptions {
    SyncPolicy sync = SyncPolicy::EveryEvent;
    /// Called with the number of events the file missed once a line is written (and synced)
    /// again after a failure. Optional.
    std::function<void(std::uint64_t events_lost)> on_recovered;
};

class FileSink final : public AuditSink {
  public:
    using ErrorCallback = std::function<void(const FileSinkError&)>;

    /// Opens nothing yet: the file is created (mode 0640, missing parent directories 0750,
    /// both reduced by the umask) when the first event is written, so a failure is reported
    /// through the callback like any later one.
    FileSink(std::filesystem::path path, ErrorCallback on_error, FileSinkOptions options = {});
    ~FileSink() override;
    FileSink(const FileSink&) = delete;
    FileSink& operator=(const FileSink&) = delete;

    /// Appends the event as one line with one write(2). audit-log-error events are skipped:
    /// they are for journald (event_catalog.hpp), and they report this file's own failures.
    void write(const Event& event) override;
    [[nodiscard]] std::string_view name() const override { return "audit file"; }

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

  private:
    void close_if_rotated();
    bool open_file();
    bool create_parent_directories();
    bool append(const std::string& line);
    bool sync();
    void close_file();
    void fail(std::string operation, std::string path, int error_number, bool event_lost,
              std::string detail = {});

    std::filesystem::path path_;
    ErrorCallback on_error_;
    FileSinkOptions options_;
    int fd_ = -1;
    dev_t device_ = 0;  ///< of the open file, to notice rotation
    ino_t inode_ = 0;
    bool needs_newline_ = false;  ///< a short write left a partial line at the end of the file
    bool failing_ = false;
    std::uint64_t events_lost_ = 0;
};

}  // namespace btfence::audit
