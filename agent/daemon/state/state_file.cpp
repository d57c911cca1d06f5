#include "state/state_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace btfence::state {
namespace {

std::string describe_errno(const std::string& what, const std::filesystem::path& path) {
    return what + " " + path.string() + ": " + std::strerror(errno);
}

// Closes the descriptor on every path out of write().
class Fd {
  public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    [[nodiscard]] int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

  private:
    int fd_;
};

bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t written = ::write(fd, data.data(), data.size());
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(written));
    }
    return true;
}

}  // namespace

std::optional<std::string> StateFile::read(std::string& error) const {
    error.clear();
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno != ENOENT) {
            error = describe_errno("cannot open", path_);
        }
        return std::nullopt;
    }
    Fd owned(fd);
    std::string contents;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(owned.get(), buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            error = describe_errno("cannot read", path_);
            return std::nullopt;
        }
        if (n == 0) {
            break;
        }
        contents.append(buffer, static_cast<std::size_t>(n));
    }
    return contents;
}

bool StateFile::write(std::string_view contents, std::string& error) const {
    error.clear();
    const std::filesystem::path directory =
        path_.has_parent_path() ? path_.parent_path() : std::filesystem::path(".");
    std::string temporary = (directory / ("." + path_.filename().string() + ".XXXXXX")).string();
    const int raw = ::mkostemp(temporary.data(), O_CLOEXEC);
    if (raw < 0) {
        error = describe_errno("cannot create a temporary file beside", path_);
        return false;
    }
    Fd fd(raw);
    const auto fail = [&](const std::string& what) {
        error = describe_errno(what, temporary);
        ::unlink(temporary.c_str());
        return false;
    };
    if (::fchmod(fd.get(), mode_) != 0) {
        return fail("cannot set the mode of");
    }
    if (!write_all(fd.get(), contents)) {
        return fail("cannot write");
    }
    if (::fsync(fd.get()) != 0) {
        return fail("cannot fsync");
    }
    if (::close(fd.release()) != 0) {
        return fail("cannot close");
    }
    if (::rename(temporary.c_str(), path_.c_str()) != 0) {
        return fail("cannot rename into place");
    }
    // The rename is durable only once the directory entry is.
    const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
        Fd owned_dir(dir);
        if (::fsync(owned_dir.get()) != 0) {
            error = describe_errno("cannot fsync", directory);
            return false;
        }
    }
    return true;
}

}  // namespace btfence::state
