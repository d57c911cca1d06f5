#pragma once
// Appends audit events as JSON lines (ecs_line.hpp, or ocsf_line.hpp for the OCSF file) to an
// audit file, by default /var/log/btfence/audit.jsonl, each line chained to the one before
// (chain.hpp) when a chain is given.
//
// Durability: by default every line is followed by fdatasync(2). Audit events are rare (a few
// per pairing attempt, a few per policy load), so the cost — about a millisecond on an SSD —
// is paid rarely, and in exchange an event that was reported is on disk: an attacker who pairs
// a keyboard and then pulls the power does not erase the record of it within the moment the
// writer thread (background_sink.hpp) takes to reach the line. The Agent1 reply is sent before
// the event is even queued, so the sync never delays a pairing decision.
//
// Failure handling: if the file cannot be opened, created or written, the sink reports it
// through the error callback (the daemon logs it loudly and sends an audit-log-error event to
// journald), drops the line — the journal still has the event — and throws, so that the
// BackgroundSink around it counts the loss and reports it once lines go through again. The next
// event retries from scratch (create the directory, open the file), so a full disk that was cleaned
// up or a directory that was recreated recovers by itself, and the recovery callback says how many
// lines the file is missing.
//
// Rotation by size is built in (FileSinkOptions::rotate_bytes): before a line that would take
// the file past the limit, audit.jsonl.N-1 becomes .N (the oldest beyond `rotate_keep` is
// deleted), … audit.jsonl becomes audit.jsonl.1, and a new audit.jsonl is started. The chain
// does not care: the first line of the new file links to the last line of the old one.
// Rotation by someone else works too: before each line the sink stat(2)s the path and compares
// device and inode with the open descriptor; if the file was renamed or deleted (logrotate
// without copytruncate, or an admin), it closes its descriptor and creates a fresh file. One
// stat per event is cheap next to the fdatasync. copytruncate would lose the lines written
// between its copy and its truncation, which `btfencectl audit verify` then reports.
//
// Not thread-safe: one thread at a time. In the daemon that is the audit writer thread
// (background_sink.hpp), so the fdatasync below never blocks the event loop.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <system_error>

#include "audit/audit_sink.hpp"
#include "audit/chain.hpp"
#include "audit/ecs_line.hpp"

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
    /// For messages and audit-events-dropped: "audit file", "OCSF file".
    std::string name = "audit file";
    /// The line format: to_ecs_line (the default) or to_ocsf_line.
    ChainedSerializer serialize = to_ecs_line;
    /// Chains every line (chain.hpp) when set. Without it lines carry no chain fields.
    std::optional<Chain> chain;
    /// Called (writer thread) with the chain's head once a burst of lines is written (idle())
    /// and at destruction, so the next start continues the chain: the daemon stores it in the
    /// state directory. Optional.
    std::function<void(const ChainHead&)> save_head;
    /// Rotate before a line would take the file past this many bytes; 0: never.
    std::uint64_t rotate_bytes = 0;
    /// Rotated files kept (audit.jsonl.1 … .N); older ones are deleted.
    unsigned rotate_keep = 8;
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
    /// Throws std::runtime_error when the line was not written (after the error callback).
    void write(const Event& event) override;
    [[nodiscard]] std::string_view name() const override { return options_.name; }
    /// Saves the chain's head (save_head) if lines were written since the last save.
    void idle() override;

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

  private:
    void write_line(std::string line);
    void rotate_if_full(std::size_t line_bytes);
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
    std::string last_error_;
    std::uint64_t size_ = 0;  ///< of the open file, for rotation
    bool head_saved_ = true;  ///< the chain's head in save_head is up to date
};

}  // namespace btfence::audit
