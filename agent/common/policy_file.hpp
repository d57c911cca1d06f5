#pragma once
// Reading a policy file from disk: the I/O and the ownership check the pure parser does not
// do. Shared by btfenced (start and reload) and btfencectl (check, explain).
#include <optional>
#include <string>

#include "btfence/policy/parser.hpp"

namespace btfence {

/// Reads and parses `path`. With `check_permissions`, a file not owned by root or writable by
/// group or others is refused: whoever can write the policy can switch btfence off. Read and
/// permission problems are returned as errors with line and column 0.
policy::ParseResult load_policy_file(const std::string& path, bool check_permissions);

/// Just the ownership/mode check; nullopt when the file is acceptable.
std::optional<std::string> policy_file_permission_problem(const std::string& path);

}  // namespace btfence
