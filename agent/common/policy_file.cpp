#include "policy_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace btfence {
namespace {

policy::ParseResult failure(const std::string& path, std::string message) {
    policy::ParseResult result;
    result.errors.push_back(policy::PolicyError{path, 0, 0, std::move(message)});
    return result;
}

std::string errno_text(int error) {
    return std::strerror(error);
}

std::string octal_mode(mode_t mode) {
    std::array<char, 8> text{};
    const auto bits = static_cast<unsigned>(mode & 07777U);
    (void)std::snprintf(text.data(), text.size(), "%04o", bits);
    return text.data();
}

std::optional<std::string> permission_problem(const struct stat& st) {
    if (st.st_uid != 0) {
        return "owned by uid " + std::to_string(st.st_uid) +
               ", not root: a non-root user could change the policy (chown root:root)";
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        return "writable by group or others (mode " + octal_mode(st.st_mode) +
               "): a non-root user could change the policy (chmod go-w)";
    }
    return std::nullopt;
}

/// Closes the descriptor on every path out of load_policy_file.
class FileDescriptor {
  public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    [[nodiscard]] int get() const { return fd_; }

  private:
    int fd_;
};

}  // namespace

std::optional<std::string> policy_file_permission_problem(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return "cannot stat: " + errno_text(errno);
    }
    return permission_problem(st);
}

policy::ParseResult load_policy_file(const std::string& path, bool check_permissions) {
    // O_NONBLOCK: opening a FIFO planted at the path must not hang the daemon.
    const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (fd.get() < 0) {
        return failure(path, "cannot read the policy file: " + errno_text(errno));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        return failure(path, "cannot read the policy file: " + errno_text(errno));
    }
    if (!S_ISREG(st.st_mode)) {
        return failure(path, "cannot read the policy file: not a regular file");
    }
    if (check_permissions) {
        if (auto problem = permission_problem(st)) {
            return failure(path, "refusing the policy file: " + *problem);
        }
    }
    if (static_cast<std::size_t>(st.st_size) > kMaxPolicyFileBytes) {
        return failure(path, "refusing the policy file: larger than " +
                                 std::to_string(kMaxPolicyFileBytes) + " bytes");
    }
    std::string bytes;
    std::array<char, 16384> buffer{};
    for (;;) {
        const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return failure(path, "cannot read the policy file: " + errno_text(errno));
        }
        if (n == 0) {
            break;
        }
        bytes.append(buffer.data(), static_cast<std::size_t>(n));
        if (bytes.size() > kMaxPolicyFileBytes) {  // grew while we read it
            return failure(path, "refusing the policy file: larger than " +
                                     std::to_string(kMaxPolicyFileBytes) + " bytes");
        }
    }
    return policy::parse_policy(bytes, path);
}

}  // namespace btfence
