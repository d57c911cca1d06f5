// The probe's cell (agent/fido/sandbox.hpp), tried from inside: each test forks, enters the
// same sandbox btfence-probe enters (same function, same limits but a smaller address space),
// and attempts what hijacked parsing code would attempt. The child reports by exit status;
// it never touches gtest. Landlock-only properties skip when the kernel has no Landlock.
#include "sandbox.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "ble_framing.hpp"
#include "probe.hpp"
#include "scripted_authenticator.hpp"

namespace btfence::fido {
namespace {

constexpr int kRefused = 0;     // the attempt failed, as it must
constexpr int kWorked = 0;      // what the probe needs still works
constexpr int kBreach = 1;      // the attempt succeeded
constexpr int kNoSandbox = 2;   // enter_probe_sandbox threw
constexpr int kUnexpected = 3;  // failed, but not the way a refusal fails
constexpr std::uint64_t kSmallAddressSpace = std::uint64_t{256} << 20U;

struct ChildResult {
    bool exited = false;
    int status = -1;  ///< exit status, or the signal that ended it
};

SandboxLimits test_limits() {
    SandboxLimits limits = probe_sandbox_limits(std::chrono::milliseconds{5000});
    limits.address_space_bytes = kSmallAddressSpace;
    return limits;
}

ChildResult run_confined(const std::function<int()>& attempt,
                         const SandboxLimits& limits = test_limits()) {
    const pid_t pid = fork();
    if (pid == 0) {
        try {
            enter_probe_sandbox(limits, probe_readable_directories());
        } catch (...) {
            _exit(kNoSandbox);
        }
        _exit(attempt());
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status)) {
        return {true, WEXITSTATUS(status)};
    }
    return {false, WTERMSIG(status)};
}

int refused_if(bool failed, int expected_errno_a, int expected_errno_b = -1) {
    if (!failed) {
        return kBreach;
    }
    return (errno == expected_errno_a || errno == expected_errno_b) ? kRefused : kUnexpected;
}

// The cell closes every inherited descriptor, so the child reports by its exit status.
int landlock_abi_in_a_child() {
    const pid_t pid = fork();
    if (pid == 0) {
        try {
            _exit(enter_probe_sandbox(test_limits(), probe_readable_directories()).landlock_abi);
        } catch (...) {
            _exit(0);
        }
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 0;
}

class AConfinedProbe : public ::testing::Test {
  protected:
    void SetUp() override {
        directory_ = std::filesystem::temp_directory_path() /
                     ("btfence-sandbox-test-" + std::to_string(getpid()));
        std::filesystem::create_directories(directory_);
        audit_log_ = directory_ / "audit.jsonl";
        std::ofstream(audit_log_) << "{\"event\":\"first\"}\n";
    }
    void TearDown() override { std::filesystem::remove_all(directory_); }

    [[nodiscard]] std::string audit_log_text() const {
        std::ifstream in(audit_log_);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

    std::filesystem::path directory_;
    std::filesystem::path audit_log_;
};

TEST_F(AConfinedProbe, CannotAppendToTheAuditLog) {
    const std::string path = audit_log_;
    const auto result = run_confined([&] {
        const int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
        return refused_if(fd < 0, EPERM, EACCES);
    });
    EXPECT_TRUE(result.exited);
    EXPECT_EQ(result.status, kRefused);
    EXPECT_EQ(audit_log_text(), "{\"event\":\"first\"}\n");
}

TEST_F(AConfinedProbe, CannotOverwriteTruncateOrReplaceTheAuditLog) {
    const std::string path = audit_log_;
    const std::string elsewhere = directory_ / "forged.jsonl";
    std::ofstream(elsewhere) << "forged\n";
    const auto result = run_confined([&] {
        if (open(path.c_str(), O_RDWR | O_CLOEXEC) >= 0 ||
            open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC) >= 0 ||
            truncate(path.c_str(), 0) == 0 || rename(elsewhere.c_str(), path.c_str()) == 0 ||
            unlink(path.c_str()) == 0 ||
            open((path + ".new").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600) >= 0 ||
            chmod(path.c_str(), 0666) == 0) {
            return kBreach;
        }
        return kRefused;
    });
    EXPECT_EQ(result.status, kRefused);
    EXPECT_EQ(audit_log_text(), "{\"event\":\"first\"}\n");
    EXPECT_FALSE(std::filesystem::exists(directory_ / "audit.jsonl.new"));
}

TEST_F(AConfinedProbe, CannotSignalItsParentInAnyWay) {
    // Blocked here, so that a breach shows up as a pending signal instead of killing the test.
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigset_t previous;
    ASSERT_EQ(sigprocmask(SIG_BLOCK, &usr1, &previous), 0);

    const auto result = run_confined([] {
        const pid_t parent = getppid();
        // To the process group and to everyone only signal 0 (a permission check that sends
        // nothing): were the cell broken, SIGUSR1 would go to every process of the machine.
        if (kill(parent, SIGUSR1) == 0 || kill(0, 0) == 0 || kill(-1, 0) == 0 ||
            syscall(SYS_tkill, parent, SIGUSR1) == 0 ||
            syscall(SYS_tgkill, parent, parent, SIGUSR1) == 0) {
            return kBreach;
        }
        siginfo_t info{};
        info.si_code = SI_QUEUE;
        if (syscall(SYS_rt_sigqueueinfo, parent, SIGUSR1, &info) == 0) {
            return kBreach;
        }
        const long pidfd = syscall(SYS_pidfd_open, parent, 0);
        if (pidfd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, SIGUSR1, nullptr, 0) == 0) {
            return kBreach;
        }
        return kRefused;
    });
    sigset_t pending;
    sigpending(&pending);
    const bool got_signal = sigismember(&pending, SIGUSR1) == 1;
    if (got_signal) {
        int signal = 0;
        sigwait(&usr1, &signal);
    }
    sigprocmask(SIG_SETMASK, &previous, nullptr);
    EXPECT_EQ(result.status, kRefused);
    EXPECT_FALSE(got_signal);
}

TEST_F(AConfinedProbe, CannotTraceOrReadItsParentsMemory) {
    const auto result = run_confined([] {
        const pid_t parent = getppid();
        // SEIZE, not ATTACH: a broken cell must not leave the test runner stopped.
        if (ptrace(PTRACE_SEIZE, parent, nullptr, nullptr) == 0) {
            return kBreach;
        }
        char byte = 0;
        iovec local{&byte, 1};
        iovec remote{reinterpret_cast<void*>(&local), 1};  // NOLINT: any address will do
        if (syscall(SYS_process_vm_readv, parent, &local, 1, &remote, 1, 0) >= 0) {
            return kBreach;
        }
        const std::string mem = "/proc/" + std::to_string(parent) + "/mem";
        return refused_if(open(mem.c_str(), O_RDWR | O_CLOEXEC) < 0, EPERM, EACCES);
    });
    EXPECT_EQ(result.status, kRefused);
}

TEST_F(AConfinedProbe, StillDeliversSignalsToItselfSoACrashIsACrash) {
    const auto result = run_confined([] {
        std::abort();
        return kUnexpected;
    });
    EXPECT_FALSE(result.exited);
    EXPECT_EQ(result.status, SIGABRT);
}

TEST_F(AConfinedProbe, CannotAllocatePastItsAddressSpaceLimit) {
    const auto result = run_confined([] {
        // Twice the limit in one go, then the limit in 16 MiB steps: both must fail.
        if (std::malloc(2 * kSmallAddressSpace) != nullptr) {  // NOLINT
            return kBreach;
        }
        std::vector<void*> blocks;
        constexpr std::size_t kStep = std::size_t{16} << 20U;
        for (std::size_t total = 0; total <= kSmallAddressSpace; total += kStep) {
            void* block = std::malloc(kStep);  // NOLINT
            if (block == nullptr) {
                return kRefused;
            }
            std::memset(block, 1, kStep);
            blocks.push_back(block);
        }
        return kBreach;
    });
    EXPECT_TRUE(result.exited);
    EXPECT_EQ(result.status, kRefused);
}

// libcbor (under libfido2) allocates and clears a CBOR array's declared length before it reads
// one element: these 8 bytes of getInfo answer make an unconfined probe touch 512 MiB (and
// 0x9b with an 8-byte length, gigabytes). In the cell the allocation fails and so does the
// verification; the probe stays small.
TEST_F(AConfinedProbe, SurvivesAGetInfoAnswerThatDeclaresAHugeArray) {
    const auto result = run_confined([] {
        const auto answer = encode_frame(BleCommand::Msg, test::bytes("00a1019a0400000001"), 64);
        test::ScriptedAuthenticator key(64, [&answer](const BleFrame&) { return answer; });
        const ProbeVerdict verdict = run_probe(
            {"/org/bluez/hci0/dev_00_AA_01_00_00_00", std::chrono::milliseconds{5000}},
            [&key](const std::string&, Deadline) {
                struct Link final : FidoGattLink {
                    explicit Link(FidoGattLink& to) : target(to) {}
                    std::size_t control_point_length() const override {
                        return target.control_point_length();
                    }
                    void write_control_point(std::span<const std::uint8_t> f, Deadline d) override {
                        target.write_control_point(f, d);
                    }
                    std::optional<std::vector<std::uint8_t>> next_notification(
                        Deadline d) override {
                        return target.next_notification(d);
                    }
                    FidoGattLink& target;
                };
                return std::make_unique<Link>(key);
            });
        rusage usage{};
        getrusage(RUSAGE_SELF, &usage);
        constexpr long kMaxRssKib = 128L * 1024L;
        if (verdict.passed || usage.ru_maxrss > kMaxRssKib) {
            return kBreach;
        }
        return kRefused;
    });
    EXPECT_TRUE(result.exited) << "signal " << result.status;
    EXPECT_EQ(result.status, kRefused);
}

TEST_F(AConfinedProbe, CannotStartProgramsOrProcesses) {
    const auto result = run_confined([] {
        const pid_t child = fork();
        if (child == 0) {
            _exit(0);
        }
        if (child > 0) {
            return kBreach;
        }
        char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};  // NOLINT
        execv("/bin/true", argv);
        return refused_if(true, EPERM);
    });
    EXPECT_EQ(result.status, kRefused);
}

TEST_F(AConfinedProbe, CannotEnterNewNamespacesOrUseIoUring) {
    const auto result = run_confined([] {
        if (unshare(CLONE_NEWUSER) == 0 || unshare(CLONE_NEWNET) == 0) {
            return kBreach;
        }
        return refused_if(syscall(SYS_io_uring_setup, 8, nullptr) < 0, EPERM);
    });
    EXPECT_EQ(result.status, kRefused);
}

TEST_F(AConfinedProbe, CannotOpenNetworkSockets) {
    const auto result = run_confined([] {
        if (socket(AF_INET, SOCK_STREAM, 0) >= 0 || socket(AF_INET6, SOCK_DGRAM, 0) >= 0 ||
            socket(AF_NETLINK, SOCK_RAW, 0) >= 0) {
            return kBreach;
        }
        return refused_if(socket(AF_BLUETOOTH, SOCK_SEQPACKET, 0) < 0, EPERM);
    });
    EXPECT_EQ(result.status, kRefused);
}

TEST_F(AConfinedProbe, StillReachesTheBusSocketAndReadsItsLibraries) {
    // Stands in for /run/dbus/system_bus_socket: a listening AF_UNIX socket by path.
    const std::string path = directory_ / "bus";
    const int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(listener, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);  // NOLINT
    ASSERT_EQ(listen(listener, 1), 0);

    const auto result = run_confined([&] {
        const int client = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (client < 0 || connect(client, reinterpret_cast<const sockaddr*>(&address),
                                  sizeof address) != 0) {  // NOLINT
            return kUnexpected;
        }
        const int library = open("/etc/os-release", O_RDONLY | O_CLOEXEC);
        return library >= 0 ? kWorked : kUnexpected;
    });
    close(listener);
    EXPECT_EQ(result.status, kWorked);
}

TEST_F(AConfinedProbe, DiesWhenItSpinsPastItsCpuTime) {
    SandboxLimits limits = test_limits();
    limits.cpu_seconds = 1;
    const auto result = run_confined(
        [] {
            // Bounded by the wall clock, so that a missing limit fails the test instead of
            // hanging it.
            std::atomic<std::uint64_t> spin{0};
            const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds{60};
            while (std::chrono::steady_clock::now() < give_up) {
                spin.fetch_add(1, std::memory_order_relaxed);
            }
            return kBreach;
        },
        limits);
    EXPECT_FALSE(result.exited);
    EXPECT_TRUE(result.status == SIGXCPU || result.status == SIGKILL) << result.status;
}

TEST_F(AConfinedProbe, CannotReadOutsideItsReadableDirectoriesWhenLandlockIsThere) {
    if (landlock_abi_in_a_child() == 0) {
        GTEST_SKIP() << "this kernel has no Landlock: the seccomp filter alone cannot scope reads";
    }
    const std::string path = audit_log_;
    const auto result = run_confined(
        [&] { return refused_if(open(path.c_str(), O_RDONLY | O_CLOEXEC) < 0, EACCES); });
    EXPECT_EQ(result.status, kRefused);
}

TEST(ProbeSandboxLimits, GiveTheProbeItsTimeoutPlusAMarginOfCpuTime) {
    EXPECT_EQ(probe_sandbox_limits(std::chrono::milliseconds{5000}).cpu_seconds, 7U);
    EXPECT_EQ(probe_sandbox_limits(std::chrono::milliseconds{1}).cpu_seconds, 3U);
}

}  // namespace
}  // namespace btfence::fido
