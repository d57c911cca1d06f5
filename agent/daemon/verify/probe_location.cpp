#include "verify/probe_location.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace btfence::verify {
namespace {

std::filesystem::path canonical_or_empty(const std::string& path) {
    std::error_code error;
    auto canonical = std::filesystem::canonical(path, error);
    return error ? std::filesystem::path() : canonical;
}

}  // namespace

std::string default_probe_path(const std::string& self_exe, const std::string& build_daemon,
                               const std::string& build_probe, const std::string& installed_probe) {
    if (!build_daemon.empty() && !build_probe.empty()) {
        const auto self = canonical_or_empty(self_exe);
        if (!self.empty() && self == canonical_or_empty(build_daemon)) {
            return build_probe;
        }
    }
    return installed_probe;
}

std::string default_probe_path() {
    std::error_code error;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
    return default_probe_path(error ? std::string() : self.string(), BTFENCE_BUILD_DAEMON_PATH,
                              BTFENCE_BUILD_PROBE_PATH, BTFENCE_PROBE_PATH);
}

std::optional<std::string> probe_unusable(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        return path + ": " + std::strerror(errno);
    }
    if (!S_ISREG(st.st_mode)) {
        return path + ": not a regular file";
    }
    if (::access(path.c_str(), X_OK) != 0) {
        return path + ": not executable by btfenced (" + std::strerror(errno) + ")";
    }
    return std::nullopt;
}

}  // namespace btfence::verify
