#pragma once
// The probe's cell. btfence-probe talks to a device nobody has verified yet and decodes its
// CBOR; should that ever be exploited, the code then running must not be able to touch
// btfenced, its audit log or its state, nor hold on to memory or CPU. btfence-probe enters
// the cell right after reading its command line, before the first byte from the device
// (probe_main.cpp), so it holds for everything the device can influence. It keeps what the
// probe needs: reading its libraries, the system bus socket, stdout (its verdict) and stderr.
//
// Layers, each enough on its own for what it guards (docs/security.md, "The probe"):
//   1. rlimits: address space, data, open files, CPU seconds, no core file, no locked
//      memory, no new processes (RLIMIT_NPROC = 0; root is exempt from that one, the seccomp
//      filter is not). Not RLIMIT_FSIZE: stdout and stderr may be files (btfenced's stderr
//      redirected by whoever started it), and a write past the limit kills with SIGXFSZ.
//   2. PR_SET_NO_NEW_PRIVS: no set-uid/file-capability gain through exec (and the
//      precondition of 3 and 4 without CAP_SYS_ADMIN).
//   3. Landlock, when the kernel has it: no file system writes anywhere, reads only below
//      /usr, /etc, /proc, /sys and /dev; no TCP; from ABI 6 no signal to a process outside
//      the probe and no abstract UNIX socket outside it. Missing Landlock (ENOSYS, disabled
//      at boot, or refused by a seccomp filter around btfenced) is reported, not fatal:
//      layer 4 already forbids what matters.
//   4. A seccomp filter (mandatory): no signal or ptrace to any other process, no exec, no
//      fork (threads allowed), no namespaces or mounts, no file opened for writing and no
//      path-changing call (rename, unlink, chmod, ...), sockets AF_UNIX only, no io_uring,
//      bpf, perf, userfaultfd or keyrings.
// A step other than Landlock that fails throws SandboxError: the probe then reports a failed
// verification instead of talking to the device unconfined (fail closed).
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace btfence::fido {

struct SandboxLimits {
    std::uint64_t address_space_bytes = std::uint64_t{512} << 20U;  ///< RLIMIT_AS
    std::uint64_t data_bytes = std::uint64_t{256} << 20U;           ///< RLIMIT_DATA
    std::uint64_t open_files = 64;                                  ///< RLIMIT_NOFILE
    std::uint64_t cpu_seconds = 10;  ///< RLIMIT_CPU soft; SIGKILL one second later
};

/// The limits for a probe that has `timeout` to finish: CPU time is the timeout (rounded up)
/// plus 2 s, so that a probe spinning in a parser dies by itself even if btfenced's own kill
/// timer never fires.
SandboxLimits probe_sandbox_limits(std::chrono::milliseconds timeout);

/// Directories the probe may read below once Landlock is in force (missing ones are skipped).
std::vector<std::string> probe_readable_directories();

struct SandboxReport {
    int landlock_abi = 0;        ///< 0: Landlock not in force
    std::string landlock_issue;  ///< why not (or what an old ABI leaves out); "" when complete
};

class SandboxError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Enters the cell for the rest of the process's life (irreversible). Throws SandboxError
/// when a mandatory layer cannot be applied.
SandboxReport enter_probe_sandbox(const SandboxLimits& limits,
                                  const std::vector<std::string>& readable_directories);

}  // namespace btfence::fido
