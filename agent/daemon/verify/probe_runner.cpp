#include "verify/probe_runner.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <system_error>

#include "verify/probe_output.hpp"

extern char** environ;

namespace btfence::verify {
namespace {

// Past the probe's own deadline: it cancels and answers by then unless it is stuck.
constexpr std::chrono::seconds kKillMargin{3};
constexpr std::size_t kMaxOutput = std::size_t{16} * 1024U;

// No verdict on the device: btfenced could not run or finish the probe, or the device went
// away mid-conversation. Retried at the next connection, never taken for a spoof.
policy::Verification inconclusive(std::string detail) {
    policy::Verification result;
    result.state = policy::VerificationState::Inconclusive;
    result.detail = std::move(detail);
    return result;
}

}  // namespace

struct ProbeRunner::Probe {
    pid_t pid = -1;
    int output_fd = -1;
    loop::Source child;
    loop::TimerSlot deadline;
    ProbeRunner* runner = nullptr;
    std::string device_path;
    bool killed_at_deadline = false;

    ~Probe() {
        if (output_fd >= 0) {
            close(output_fd);
        }
    }

    std::string drain() const {
        std::string out;
        std::array<char, 4096> buffer{};
        while (out.size() < kMaxOutput) {
            const ssize_t n = read(output_fd, buffer.data(), buffer.size());
            if (n <= 0) {
                break;
            }
            out.append(buffer.data(), static_cast<std::size_t>(n));
        }
        return out;
    }
};

ProbeRunner::ProbeRunner(loop::EventLoop& loop, std::string probe_path, Done done)
    : loop_(loop), probe_path_(std::move(probe_path)), done_(std::move(done)) {}

ProbeRunner::~ProbeRunner() {
    probes_.clear();
}

bool ProbeRunner::running(const std::string& device_path) const {
    return probes_.contains(device_path);
}

void ProbeRunner::start(const std::string& device_path, std::chrono::milliseconds timeout) {
    if (running(device_path)) {
        return;
    }
    // sd-event can only watch children while SIGCHLD is blocked.
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, nullptr);

    std::array<int, 2> pipe_fds{};
    if (pipe2(pipe_fds.data(), O_CLOEXEC) != 0) {
        report_later(device_path, inconclusive("cannot create a pipe for the probe"));
        return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    // The probe gets stdout (its verdict) and stderr (the journal) and nothing else of
    // btfenced's: a descriptor left without O_CLOEXEC must not reach code a device drives.
    // The probe then confines itself (agent/fido/sandbox.hpp, docs/security.md).
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t empty;
    sigemptyset(&empty);
    posix_spawnattr_setsigmask(&attributes, &empty);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);

    const std::string timeout_text = std::to_string(timeout.count());
    std::array<const char*, 6> argv = {probe_path_.c_str(),  "--device",
                                       device_path.c_str(),  "--timeout-ms",
                                       timeout_text.c_str(), nullptr};
    pid_t pid = -1;
    const int spawn_error = posix_spawn(&pid, probe_path_.c_str(), &actions, &attributes,
                                        const_cast<char* const*>(argv.data()), environ);  // NOLINT
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    close(pipe_fds[1]);
    if (spawn_error != 0) {
        close(pipe_fds[0]);
        report_later(device_path,
                     inconclusive("cannot start " + probe_path_ + ": " +
                                  std::error_code(spawn_error, std::generic_category()).message()));
        return;
    }
    fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);

    auto probe = std::make_unique<Probe>();
    probe->pid = pid;
    probe->output_fd = pipe_fds[0];
    probe->runner = this;
    probe->device_path = device_path;
    sd_event_source* child = nullptr;
    const int result = sd_event_add_child(
        loop_.get(), &child, pid, WEXITED,
        [](sd_event_source*, const siginfo_t* info, void* userdata) {
            auto* self = static_cast<Probe*>(userdata);
            const int status =
                info->si_code == CLD_EXITED ? info->si_status : 128 + info->si_status;
            if (self->killed_at_deadline) {
                // Stuck past its own deadline: proves nothing about the device.
                self->runner->finish(self->device_path,
                                     inconclusive("the probe did not finish by its deadline "
                                                  "and was killed"));
                return 0;
            }
            self->runner->finish(self->device_path, parse_probe_output(self->drain(), status));
            return 0;
        },
        probe.get());
    if (result < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        report_later(device_path, inconclusive("cannot watch the probe process"));
        return;
    }
    // Unreffing the source kills and reaps the child: cancel() and shutdown leave no zombie.
    sd_event_source_set_child_process_own(child, 1);
    probe->child = loop::Source(child);
    // Monotonic: a wall-clock step must neither kill a probe early nor let it run on.
    Probe* raw = probe.get();
    loop_.set_monotonic_timer(raw->deadline, timeout + kKillMargin, [raw] {
        raw->killed_at_deadline = true;
        kill(raw->pid, SIGKILL);
    });
    probes_.emplace(device_path, std::move(probe));
}

void ProbeRunner::report_later(const std::string& device_path, policy::Verification result) {
    // Never from inside start(): its caller is in the middle of handling a device change.
    loop_.defer([this, device_path, result = std::move(result)]() mutable {
        done_(device_path, std::move(result));
    });
}

void ProbeRunner::cancel(const std::string& device_path) {
    // Deferred: cancel() may run inside this probe's own child callback chain.
    const auto it = probes_.find(device_path);
    if (it == probes_.end()) {
        return;
    }
    auto probe = std::shared_ptr<Probe>(std::move(it->second));
    probes_.erase(it);
    loop_.defer([probe] {});
}

void ProbeRunner::finish(const std::string& device_path, policy::Verification result) {
    const auto it = probes_.find(device_path);
    if (it == probes_.end()) {
        return;
    }
    // The source that called us must outlive this callback: release it on the next iteration.
    auto probe = std::shared_ptr<Probe>(std::move(it->second));
    probes_.erase(it);
    loop_.defer([probe] {});
    done_(device_path, std::move(result));
}

}  // namespace btfence::verify
