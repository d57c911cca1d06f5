#pragma once
// The probe's seccomp filter (layer 4 of sandbox.hpp), as a classic BPF program written
// against the kernel headers: a deny list of the calls a hijacked probe could use against
// btfenced or the system, with the argument checks that keep what the probe itself needs
// (threads, signals to itself, read-only opens, the AF_UNIX bus socket). libseccomp would
// express the same in fewer lines but adds a library to every btfence installation for about
// sixty rules; the program is small enough to write and review here.
#include <linux/filter.h>
#include <sys/types.h>

#include <optional>
#include <vector>

namespace btfence::fido {

/// The filter for a process whose pid (thread group id) is `self`: tgkill is allowed only to
/// its own threads (raise and abort use it). nullopt when btfence was built for an
/// architecture the filter does not know: the caller must treat that as a failure.
std::optional<std::vector<sock_filter>> probe_seccomp_program(pid_t self);

/// Installs `program` for this thread and every thread created later (TSYNC not needed: the
/// probe is single-threaded when it calls this). Needs PR_SET_NO_NEW_PRIVS first.
/// Returns 0 or an errno value.
int install_seccomp_program(const std::vector<sock_filter>& program);

}  // namespace btfence::fido
