#pragma once
// RFC 3339 timestamps, as the policy file and audit events use them. Pure: no clock reads.
#include <optional>
#include <string>
#include <string_view>

#include "btfence/policy/policy.hpp"

namespace btfence::policy {

/// "2026-12-01T00:00:00Z" or with an offset ("+01:00"); nullopt if malformed.
std::optional<TimePoint> parse_rfc3339(std::string_view text);
/// Always UTC with 'Z': "2026-12-01T00:00:00Z".
std::string format_rfc3339(TimePoint t);

}  // namespace btfence::policy
