// An instant whose fields carry a sign ("T-1:00:00Z") is not RFC 3339: every field is a fixed
// number of digits (RFC 3339 §5.6). docs/policy.md makes bad dates errors, so such an instant
// must be refused, by the normaliser and in a policy file, rather than read as another time.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "btfence/policy/parser.hpp"
#include "btfence/policy/time_format.hpp"

namespace btfence::policy {
namespace {

using ::testing::HasSubstr;

TEST(AnInstantWithASignInsideADateOrTimeField, IsRejected) {
    for (const std::string_view bad : {
             "-026-12-08T17:00:00Z",       // year
             "2026-12-08T-1:00:00Z",       // hour: would be 2026-12-07T23:00:00Z
             "2026-12-08T17:-1:00Z",       // minute
             "2026-12-08T17:00:-1Z",       // second
             "2026-12-08T17:00:00+-1:00",  // offset hours
             "2026-12-08T17:00:00+01:-1",  // offset minutes
             "2026-12-08T+1:00:00Z",
         }) {
        const auto parsed = parse_rfc3339(bad);
        EXPECT_FALSE(parsed.has_value())
            << "\"" << bad << "\" was read as " << (parsed ? format_rfc3339(*parsed) : "");
    }
}

TEST(AnExpiryStringWithANegativeHour, IsRejectedAtTheValue) {
    const auto result = parse_policy(
        "[policy]\nversion = 1\n[[rule]]\nid = \"r\"\nverdict = \"allow\"\n"
        "expires = \"2026-12-08T-1:00:00Z\"\n",
        "p.toml");
    ASSERT_EQ(result.errors.size(), 1U) << "the policy was accepted";
    EXPECT_EQ(result.errors[0].line, 6);
    EXPECT_EQ(result.errors[0].column, 11);
    EXPECT_THAT(result.errors[0].message,
                HasSubstr("rule.expires is not an RFC 3339 date-time with offset"));
}

}  // namespace
}  // namespace btfence::policy
