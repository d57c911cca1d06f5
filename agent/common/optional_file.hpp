#pragma once
// A small configuration file that may be absent, read whole but bounded: bluetoothd's
// main.conf and input.conf for the posture check (bluez_posture.hpp), system-local.conf and
// the bluetooth.service drop-in for the lockdown state (lockdown_state.hpp). "Absent" and
// "there but unreadable" stay apart: the callers fail closed on the second, never treat it as
// the first.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

namespace btfence {

struct OptionalFile {
    std::optional<std::string> text;  ///< the content; nullopt when absent or unreadable
    std::string error;                ///< set when it exists but cannot be read: why
};

/// Reads at most `max_bytes` of `path` (configuration files are tiny; a huge one is cut, not
/// read into memory whole).
OptionalFile read_optional_file(const std::filesystem::path& path,
                                std::size_t max_bytes = std::size_t{1} << 20U);

}  // namespace btfence
