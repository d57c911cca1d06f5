#pragma once
// The `@timestamp` text of an audit event.
#include <cstdint>
#include <string>

namespace btfence::audit {

/// RFC 3339, UTC, always six fractional digits: "2026-11-28T07:01:02.123456Z".
/// Fixed width so lines sort as text and a SIEM never has to guess the precision.
std::string format_timestamp_us(std::int64_t us_since_epoch);

}  // namespace btfence::audit
