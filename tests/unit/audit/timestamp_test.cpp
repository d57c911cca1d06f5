#include "audit/timestamp.hpp"

#include <gtest/gtest.h>

namespace btfence::audit {
namespace {

TEST(AnAuditTimestamp, IsRfc3339UtcWithSixFractionalDigits) {
    EXPECT_EQ(format_timestamp_us(1'795'849'262'123'456), "2026-11-28T07:01:02.123456Z");
}

TEST(AnAuditTimestamp, KeepsLeadingZerosInEveryField) {
    EXPECT_EQ(format_timestamp_us(0), "1970-01-01T00:00:00.000000Z");
    EXPECT_EQ(format_timestamp_us(946'782'245'000'007), "2000-01-02T03:04:05.000007Z");
}

TEST(AnAuditTimestamp, HandlesTheLastMicrosecondOfALeapDay) {
    // 2028-02-29T23:59:59.999999Z
    EXPECT_EQ(format_timestamp_us(1'835'481'599'999'999), "2028-02-29T23:59:59.999999Z");
}

TEST(AnAuditTimestamp, RoundsTimesBeforeTheEpochDownNotTowardZero) {
    EXPECT_EQ(format_timestamp_us(-1), "1969-12-31T23:59:59.999999Z");
}

}  // namespace
}  // namespace btfence::audit
