#include "audit/file_sink.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <utility>

#include "audit/ecs_line.hpp"

namespace btfence::audit {
namespace {

constexpr mode_t kFileMode = 0640;       // root writes, the log-reader group (adm) reads
constexpr mode_t kDirectoryMode = 0750;  // same audience for the directory

/// The line is not in the file (as opposed to in it but not synced).
class NotWritten : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

}  // namespace

std::string FileSinkError::describe() const {
    std::string text = "cannot " + operation + " " + path + ": " + error.message();
    if (!detail.empty()) {
        text += " (" + detail + ")";
    }
    return text;
}

FileSink::FileSink(std::filesystem::path path, ErrorCallback on_error, FileSinkOptions options)
    : path_(std::move(path)), on_error_(std::move(on_error)), options_(std::move(options)) {}

FileSink::~FileSink() {
    idle();
    close_file();
}

void FileSink::idle() {
    if (!head_saved_ && options_.chain && options_.save_head) {
        options_.save_head(options_.chain->head());
    }
    head_saved_ = true;
}

void FileSink::write(const Event& event) {
    if (event.action == Action::AuditLogError) {
        return;
    }
    // Serialized (and chained) first: the size decides rotation. A line that did not reach the
    // file must not move the chain on: the next line links to the last one in the file.
    std::optional<Chain> before = options_.chain;
    std::string line = options_.chain ? options_.chain->seal(event, options_.serialize)
                                      : options_.serialize(event, nullptr);
    line.push_back('\n');
    try {
        write_line(std::move(line));
    } catch (const NotWritten&) {
        options_.chain = std::move(before);
        throw;
    }
    head_saved_ = false;
}

void FileSink::write_line(std::string line) {
    close_if_rotated();
    if (fd_ >= 0) {
        rotate_if_full(line.size());
    }
    if (fd_ < 0 && !open_file()) {
        throw NotWritten("not written: " + last_error_);
    }
    if (needs_newline_) {
        line.insert(line.begin(), '\n');  // terminate the fragment so this line parses alone
    }
    if (!append(line)) {
        close_file();  // the next event starts over: reopen, recreate, re-stat
        throw NotWritten("not written: " + last_error_);
    }
    size_ += line.size();
    if (!sync()) {
        close_file();
        throw std::runtime_error("written but not synced: " + last_error_);
    }
    if (failing_) {
        failing_ = false;
        const std::uint64_t lost = std::exchange(events_lost_, 0);
        if (options_.on_recovered) {
            options_.on_recovered(lost);
        }
    }
}

void FileSink::rotate_if_full(std::size_t line_bytes) {
    if (options_.rotate_bytes == 0 || size_ == 0 || size_ + line_bytes <= options_.rotate_bytes) {
        return;
    }
    close_file();
    const auto generation = [this](unsigned n) {
        return std::filesystem::path(path_.string() + "." + std::to_string(n));
    };
    // Oldest first, so no rename replaces a file that is still to be moved.
    std::error_code ignored;
    std::filesystem::remove(generation(options_.rotate_keep), ignored);
    for (unsigned n = options_.rotate_keep; n > 1; --n) {
        std::filesystem::rename(generation(n - 1), generation(n), ignored);
    }
    if (options_.rotate_keep == 0) {
        std::filesystem::remove(path_, ignored);
    } else if (::rename(path_.c_str(), generation(1).c_str()) != 0) {
        // Keep writing to the full file rather than lose lines; the next line tries again.
        fail("rotate", path_.string(), errno, false);
    }
}

void FileSink::close_if_rotated() {
    if (fd_ < 0) {
        return;
    }
    struct stat current {};
    if (::stat(path_.c_str(), &current) != 0) {
        if (errno == ENOENT) {
            close_file();  // renamed or deleted: start a new file
        }
        // Any other error: the path cannot be judged, but the descriptor still works; keep
        // writing to it rather than lose the line.
        return;
    }
    if (current.st_dev != device_ || current.st_ino != inode_) {
        close_file();
    }
}

bool FileSink::open_file() {
    constexpr int kFlags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY;
    int fd = ::open(path_.c_str(), kFlags, kFileMode);
    if (fd < 0 && errno == ENOENT) {
        if (!create_parent_directories()) {
            return false;
        }
        fd = ::open(path_.c_str(), kFlags, kFileMode);
    }
    if (fd < 0) {
        fail("open", path_.string(), errno, true);
        return false;
    }
    struct stat opened {};
    if (::fstat(fd, &opened) != 0) {
        const int error_number = errno;
        ::close(fd);
        fail("stat", path_.string(), error_number, true);
        return false;
    }
    fd_ = fd;
    device_ = opened.st_dev;
    inode_ = opened.st_ino;
    size_ = static_cast<std::uint64_t>(opened.st_size);
    if (opened.st_size == 0) {
        needs_newline_ = false;  // a new file has no fragment to terminate
    }
    return true;
}

bool FileSink::create_parent_directories() {
    std::filesystem::path prefix;
    for (const auto& component : path_.parent_path()) {
        prefix /= component;
        if (::mkdir(prefix.c_str(), kDirectoryMode) != 0 && errno != EEXIST) {
            fail("create directory", prefix.string(), errno, true);
            return false;
        }
    }
    return true;
}

bool FileSink::append(const std::string& line) {
    // One write(2) per line: with O_APPEND the kernel places it at the end of the file
    // atomically, so lines from two writers (e.g. an old and a new daemon during a restart)
    // interleave whole.
    ssize_t written = 0;
    do {
        written = ::write(fd_, line.data(), line.size());
    } while (written < 0 && errno == EINTR);
    if (written < 0) {
        fail("write", path_.string(), errno, true);
        return false;
    }
    if (static_cast<std::size_t>(written) < line.size()) {
        // Only a full disk or a file size limit does this to a regular file. The fragment stays
        // in the file; the next line starts with a newline so it parses on its own.
        needs_newline_ = true;
        fail("write", path_.string(), EIO, true,
             "short write: " + std::to_string(written) + " of " + std::to_string(line.size()) +
                 " bytes");
        return false;
    }
    needs_newline_ = false;
    return true;
}

bool FileSink::sync() {
    if (options_.sync == SyncPolicy::Never) {
        return true;
    }
    int result = 0;
    do {
        result = ::fdatasync(fd_);
    } while (result != 0 && errno == EINTR);
    if (result != 0) {
        fail("fdatasync", path_.string(), errno, false);
        return false;
    }
    return true;
}

void FileSink::close_file() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

void FileSink::fail(std::string operation, std::string path, int error_number, bool event_lost,
                    std::string detail) {
    failing_ = true;
    if (event_lost) {
        ++events_lost_;
    }
    const FileSinkError error{std::move(operation), std::move(path),
                              std::error_code(error_number, std::generic_category()),
                              std::move(detail), events_lost_};
    last_error_ = error.describe();
    if (on_error_) {
        on_error_(error);
    }
}

}  // namespace btfence::audit
