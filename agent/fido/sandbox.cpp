#include "sandbox.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "landlock_rules.hpp"
#include "seccomp_filter.hpp"

namespace btfence::fido {
namespace {

constexpr std::uint64_t kCpuMarginSeconds = 2;
constexpr unsigned kFirstInheritedFd = 3;

void set_limit(int resource, const char* name, rlim_t soft, rlim_t hard) {
    const rlimit limit{soft, hard};
    if (setrlimit(resource, &limit) != 0) {
        throw SandboxError(std::string("setrlimit(") + name + "): " + std::strerror(errno));
    }
}

void set_limit(int resource, const char* name, rlim_t value) {
    set_limit(resource, name, value, value);
}

// Descriptors btfenced (or whoever started us) left open by mistake are not ours to use.
void close_inherited_descriptors() {
    if (syscall(__NR_close_range, kFirstInheritedFd, ~0U, 0) == 0) {
        return;
    }
    // Kernels before 5.9: close them one by one, up to the limit just set.
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    for (rlim_t fd = kFirstInheritedFd; fd < limit.rlim_cur; ++fd) {
        close(static_cast<int>(fd));
    }
}

}  // namespace

SandboxLimits probe_sandbox_limits(std::chrono::milliseconds timeout) {
    SandboxLimits limits;
    const auto seconds = std::chrono::ceil<std::chrono::seconds>(timeout).count();
    limits.cpu_seconds = static_cast<std::uint64_t>(seconds < 0 ? 0 : seconds) + kCpuMarginSeconds;
    return limits;
}

std::vector<std::string> probe_readable_directories() {
    return {"/usr", "/lib", "/lib64", "/etc", "/proc", "/sys", "/dev"};
}

SandboxReport enter_probe_sandbox(const SandboxLimits& limits,
                                  const std::vector<std::string>& readable_directories) {
    set_limit(RLIMIT_AS, "RLIMIT_AS", limits.address_space_bytes);
    set_limit(RLIMIT_DATA, "RLIMIT_DATA", limits.data_bytes);
    set_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", limits.open_files);
    set_limit(RLIMIT_CPU, "RLIMIT_CPU", limits.cpu_seconds, limits.cpu_seconds + 1);
    set_limit(RLIMIT_CORE, "RLIMIT_CORE", 0);
    set_limit(RLIMIT_NPROC, "RLIMIT_NPROC", 0);
    set_limit(RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK", 0);
    close_inherited_descriptors();

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        throw SandboxError(std::string("PR_SET_NO_NEW_PRIVS: ") + std::strerror(errno));
    }
    // Not dumpable: other processes of the same user cannot ptrace it or open its
    // /proc/PID/mem, which matters when someone runs the probe outside btfenced's unit.
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        throw SandboxError(std::string("PR_SET_DUMPABLE: ") + std::strerror(errno));
    }

    const LandlockOutcome landlock = restrict_with_landlock(readable_directories);

    const auto program = probe_seccomp_program(getpid());
    if (!program) {
        throw SandboxError("no seccomp filter for this CPU architecture");
    }
    if (const int error = install_seccomp_program(*program); error != 0) {
        throw SandboxError(std::string("seccomp: ") + std::strerror(error));
    }
    return SandboxReport{landlock.abi, landlock.issue};
}

}  // namespace btfence::fido
