#pragma once
#include <string>
#include <string_view>

namespace btfence::policy {
/// Lowercase hex SHA-256 of the bytes: the policy digest carried in every audit event.
std::string sha256_hex(std::string_view bytes);
}  // namespace btfence::policy
