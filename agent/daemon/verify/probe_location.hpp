#pragma once
// Where btfenced finds btfence-probe, and whether it can run it. Without a runnable probe,
// `fido.verify = true` could only ever fail keys, so such a policy is refused (at start and at
// reload) instead of turning every FIDO key into a "suspected spoof" (docs/verification.md,
// "Where btfenced finds the probe").
#include <optional>
#include <string>

namespace btfence::verify {

/// The probe btfenced runs when no --probe is given: the build tree's probe when btfenced
/// itself is the build tree's binary (`self_exe` equals `build_daemon`, as
/// `build/agent/daemon/btfenced` in the README), else the installed one. Comparisons are on
/// canonical paths.
std::string default_probe_path(const std::string& self_exe, const std::string& build_daemon,
                               const std::string& build_probe, const std::string& installed_probe);

/// This process's default: default_probe_path() with /proc/self/exe and the paths CMake
/// compiled in (BTFENCE_BUILD_DAEMON_PATH, BTFENCE_BUILD_PROBE_PATH, BTFENCE_PROBE_PATH).
std::string default_probe_path();

/// nullopt when `path` is a regular file this process may execute; else why not.
std::optional<std::string> probe_unusable(const std::string& path);

}  // namespace btfence::verify
