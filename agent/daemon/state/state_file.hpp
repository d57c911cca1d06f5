#pragma once
// One file of btfenced's persistent state under its state directory (`--state-dir`,
// /var/lib/btfence under systemd's StateDirectory=). Several features keep state there
// (grandfathered bonds, suspected spoofs, runtime exemptions, the audit chain); they all
// read and write it through this class so that every file is replaced atomically: a crash
// or power loss mid-write leaves either the old contents or the new, never a mix.
//
// Write pattern: a temporary file in the same directory (O_EXCL, mode as given), write,
// fsync, rename over the target, fsync the directory.
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace btfence::state {

class StateFile {
  public:
    /// `mode`: permissions of the file when it is (re)written; 0600 keeps secrets from
    /// anyone but btfenced's own user.
    explicit StateFile(std::filesystem::path path, mode_t mode = 0600)
        : path_(std::move(path)), mode_(mode) {}

    /// The whole file, nullopt when it does not exist. Any other failure (permissions, I/O)
    /// is reported in `error` and also returns nullopt: callers must tell "absent" (a first
    /// start) from "unreadable" (fail closed, audit it).
    [[nodiscard]] std::optional<std::string> read(std::string& error) const;

    /// Replaces the file with `contents`. On failure returns false with `error` set, and the
    /// previous contents stay in place.
    bool write(std::string_view contents, std::string& error) const;

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
    mode_t mode_;
};

}  // namespace btfence::state
