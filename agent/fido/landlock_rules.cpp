#include "landlock_rules.hpp"

#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace btfence::fido {
namespace {

// File system rights by ABI (include/uapi/linux/landlock.h of later kernels).
constexpr std::uint64_t kFsAbi1 = (std::uint64_t{1} << 13U) - 1;            // EXECUTE .. MAKE_SYM
constexpr std::uint64_t kFsRefer = std::uint64_t{1} << 13U;                 // ABI 2
constexpr std::uint64_t kFsTruncate = std::uint64_t{1} << 14U;              // ABI 3
constexpr std::uint64_t kFsIoctlDev = std::uint64_t{1} << 15U;              // ABI 5
constexpr std::uint64_t kNetBindTcp = std::uint64_t{1} << 0U;               // ABI 4
constexpr std::uint64_t kNetConnectTcp = std::uint64_t{1} << 1U;            // ABI 4
constexpr std::uint64_t kScopeAbstractUnixSocket = std::uint64_t{1} << 0U;  // ABI 6
constexpr std::uint64_t kScopeSignal = std::uint64_t{1} << 1U;              // ABI 6
constexpr int kCompleteAbi = 6;

constexpr std::uint64_t kReadOnly =
    LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;

// struct landlock_ruleset_attr as of ABI 6; older kernels are given the prefix they know.
struct RulesetAttr {
    std::uint64_t handled_access_fs = 0;
    std::uint64_t handled_access_net = 0;
    std::uint64_t scoped = 0;
};

class Fd {
  public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) {
            close(fd_);
        }
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    [[nodiscard]] int get() const { return fd_; }

  private:
    int fd_;
};

std::string errno_text(const char* what, int error) {
    return std::string(what) + ": " + std::strerror(error);
}

}  // namespace

LandlockOutcome restrict_with_landlock(const std::vector<std::string>& readable_directories) {
    LandlockOutcome outcome;
    const long abi =
        syscall(__NR_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 1) {
        // ENOSYS: not built in; EOPNOTSUPP: not in the kernel's lsm= list; EPERM: a seccomp
        // filter around us (an old systemd unit) forbids the call.
        outcome.issue = errno_text("Landlock unavailable", errno);
        return outcome;
    }
    RulesetAttr attr;
    std::size_t attr_size = sizeof(attr.handled_access_fs);
    attr.handled_access_fs = kFsAbi1;
    if (abi >= 2) {
        attr.handled_access_fs |= kFsRefer;
    }
    if (abi >= 3) {
        attr.handled_access_fs |= kFsTruncate;
    }
    if (abi >= 4) {
        attr.handled_access_net = kNetBindTcp | kNetConnectTcp;
        attr_size = offsetof(RulesetAttr, scoped);
    }
    if (abi >= 5) {
        attr.handled_access_fs |= kFsIoctlDev;
    }
    if (abi >= kCompleteAbi) {
        attr.scoped = kScopeAbstractUnixSocket | kScopeSignal;
        attr_size = sizeof(attr);
    }
    const Fd ruleset(static_cast<int>(syscall(__NR_landlock_create_ruleset, &attr, attr_size, 0)));
    if (ruleset.get() < 0) {
        outcome.issue = errno_text("landlock_create_ruleset", errno);
        return outcome;
    }
    for (const auto& directory : readable_directories) {
        const Fd dir(open(directory.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (dir.get() < 0) {
            continue;  // e.g. no /lib64 on this system: nothing to allow there
        }
        landlock_path_beneath_attr beneath{};
        beneath.allowed_access = kReadOnly;
        beneath.parent_fd = dir.get();
        if (syscall(__NR_landlock_add_rule, ruleset.get(), LANDLOCK_RULE_PATH_BENEATH, &beneath,
                    0) != 0) {
            outcome.issue = errno_text(("landlock_add_rule " + directory).c_str(), errno);
            return outcome;
        }
    }
    if (syscall(__NR_landlock_restrict_self, ruleset.get(), 0) != 0) {
        outcome.issue = errno_text("landlock_restrict_self", errno);
        return outcome;
    }
    outcome.abi = static_cast<int>(abi);
    if (abi < kCompleteAbi) {
        outcome.issue = "Landlock ABI " + std::to_string(abi) +
                        " (before Linux 6.12): no signal scoping; the seccomp filter still "
                        "forbids signals to other processes";
    }
    return outcome;
}

}  // namespace btfence::fido
