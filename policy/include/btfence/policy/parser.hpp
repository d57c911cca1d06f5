#pragma once
// TOML policy parsing and validation. Pure: takes bytes, returns a Policy or every error found.
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "btfence/policy/policy.hpp"

namespace btfence::policy {

struct PolicyError {
    std::string source;  ///< file path or name given to the parser
    int line = 0;        ///< 1-based; 0 when no position applies
    int column = 0;      ///< 1-based
    std::string message;

    /// "SOURCE:LINE:COLUMN: message" (the format of `btfencectl check` and the daemon log).
    [[nodiscard]] std::string to_string() const;
};

struct ParseResult {
    std::optional<Policy> policy;     ///< set only when errors is empty
    std::vector<PolicyError> errors;  ///< in file order
    [[nodiscard]] bool ok() const { return policy.has_value(); }
};

/// Parses and validates a policy. `source` names the input in errors and in Policy::source.
/// The digest is the SHA-256 of `text` exactly as given.
ParseResult parse_policy(std::string_view text, std::string_view source);

}  // namespace btfence::policy
