// RFC 3339 instants: what policy files and audit events use; always with an offset.
#include "btfence/policy/time_format.hpp"

#include <gtest/gtest.h>

namespace btfence::policy {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr TimePoint utc(int y, unsigned m, unsigned d, int hh = 0, int mm = 0, int ss = 0) {
    return TimePoint{
        std::chrono::sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}}
            .time_since_epoch() +
        hours{hh} + minutes{mm} + seconds{ss}};
}

TEST(AUtcInstant, Parses) {
    EXPECT_EQ(parse_rfc3339("2026-12-08T17:00:00Z"), utc(2026, 12, 8, 17));
    EXPECT_EQ(parse_rfc3339("2026-12-08t17:00:00z"), utc(2026, 12, 8, 17));
    EXPECT_EQ(parse_rfc3339("2026-12-08 17:00:00Z"), utc(2026, 12, 8, 17));
}

TEST(AnInstantWithAnOffset, IsConvertedToUtc) {
    EXPECT_EQ(parse_rfc3339("2026-12-08T18:00:00+01:00"), utc(2026, 12, 8, 17));
    EXPECT_EQ(parse_rfc3339("2026-12-08T11:30:00-05:30"), utc(2026, 12, 8, 17));
    EXPECT_EQ(parse_rfc3339("2026-12-09T00:30:00+07:30"), utc(2026, 12, 8, 17));
}

TEST(FractionalSeconds, AreTruncated) {
    EXPECT_EQ(parse_rfc3339("2026-12-08T17:00:00.999Z"), utc(2026, 12, 8, 17));
}

TEST(ALocalTimeWithoutOffset, IsRejected) {
    EXPECT_EQ(parse_rfc3339("2026-12-08T17:00:00"), std::nullopt);
}

TEST(MalformedInstants, AreRejected) {
    for (const std::string_view bad :
         {"", "2026-12-08", "2026-12-08T17:00Z", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z",
          "2026-12-08T24:00:00Z", "2026-12-08T17:60:00Z", "2026-12-08T17:00:00+1:00",
          "2026-12-08T17:00:00+01:00x", "2026-12-08T17:00:00.Z", "26-12-08T17:00:00Z",
          "2026-12-08X17:00:00Z"}) {
        EXPECT_EQ(parse_rfc3339(bad), std::nullopt) << "\"" << bad << "\"";
    }
}

TEST(FormattedInstants, AreUtcWithZ) {
    EXPECT_EQ(format_rfc3339(TimePoint{}), "1970-01-01T00:00:00Z");
    EXPECT_EQ(format_rfc3339(utc(2026, 12, 8, 17, 5, 9)), "2026-12-08T17:05:09Z");
}

TEST(AFormattedInstant, ParsesBackToItself) {
    for (const auto t :
         {utc(2000, 2, 29, 23, 59, 59), utc(2026, 12, 31), utc(2099, 1, 1, 1, 1, 1)}) {
        EXPECT_EQ(parse_rfc3339(format_rfc3339(t)), t);
    }
}

}  // namespace
}  // namespace btfence::policy
