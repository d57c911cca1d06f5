#pragma once
// Reading a policy file from disk: the I/O and the ownership check the pure parser does not
// do. Shared by btfenced (start and reload) and btfencectl (check, explain).
#include <cstddef>
#include <optional>
#include <string>

#include "btfence/policy/parser.hpp"

namespace btfence {

/// Policy files larger than this are refused unread: a real one is a few kilobytes, and the
/// daemon must not be made to swallow /dev/zero.
inline constexpr std::size_t kMaxPolicyFileBytes = std::size_t{1024} * 1024;

/// Reads and parses `path`. With `check_permissions`, a file not owned by root or writable by
/// group or others is refused: whoever can write the policy can switch btfence off. The check
/// is made on the opened file, so the bytes parsed are the bytes checked. Read and permission
/// problems are returned as errors with line and column 0.
policy::ParseResult load_policy_file(const std::string& path, bool check_permissions);

/// Just the ownership/mode check of the file at `path`; nullopt when it is acceptable.
std::optional<std::string> policy_file_permission_problem(const std::string& path);

}  // namespace btfence
