// Malformed TOML that toml++ 3.3.0 guards against only with assertions (TOML_ASSERT_ASSUME on
// the character under the cursor), found by fuzzing: parse_table_header() enters parse_key()
// with a character that cannot start a key ("[`", "[[[1]]]", "[[="; marzer/tomlplusplus#301,
// fixed upstream after 3.3.0), parse_date_time() enters parse_time() without a digit after 'T'
// ("2026-12-08T:"), parse_value() scans on after a date and a space ("2026-12-08 2"), and an
// array hands parse_value() a closing brace ("[}]"). The Debian library btfence links is built
// without assertions and reports a syntax error. These tests pin that down: such a typo is one
// positioned syntax error, never a crash or an accepted file. (The fuzz build compiles toml++
// with its assertions and tolerates this kind, see tests/fuzz/toml_known_assertions.hpp.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "btfence/policy/parser.hpp"

namespace btfence::policy {
namespace {

using ::testing::HasSubstr;

struct Malformed {
    std::string text;
    int line;
    int column;
};

void expect_one_syntax_error(const Malformed& input) {
    const auto result = parse_policy(input.text, "p.toml");
    ASSERT_FALSE(result.ok()) << input.text;
    ASSERT_EQ(result.errors.size(), 1U) << input.text;
    EXPECT_EQ(result.errors[0].line, input.line) << input.text;
    EXPECT_EQ(result.errors[0].column, input.column) << input.text;
    EXPECT_THAT(result.errors[0].message, HasSubstr("TOML syntax")) << input.text;
}

TEST(ATableHeaderStartingWithACharacterNoKeyMayStartWith, IsASyntaxErrorAtThatCharacter) {
    expect_one_syntax_error({"[`\n", 1, 2});
    expect_one_syntax_error({"[policy]\nversion = 1\n[=]\n", 3, 2});
    expect_one_syntax_error({"[policy]\nversion = 1\n[\x12]\n", 3, 2});
}

TEST(AnArrayOfTablesHeaderWithAThirdBracket, IsASyntaxErrorAtTheThirdBracket) {
    expect_one_syntax_error({"[[[1]]]\n", 1, 3});
    expect_one_syntax_error({"[policy]\nversion = 1\n[[[rule]]]\n", 3, 3});
}

TEST(AnArrayOfTablesHeaderWithoutAName, IsASyntaxErrorWhereTheNameShouldBe) {
    expect_one_syntax_error({"[[=\n", 1, 3});
    expect_one_syntax_error({"[policy]\nversion = 1\n[[]]\n", 3, 3});
}

TEST(ADateFollowedByTWithoutAnHour, IsASyntaxErrorWhereTheHourShouldBe) {
    expect_one_syntax_error({"x=2026-12-08T:\n", 1, 14});
    expect_one_syntax_error(
        {"[policy]\nversion = 1\n[[rule]]\nid = \"r\"\nverdict = \"allow\"\nexpires = "
         "2026-12-08T:00:00Z\n",
         6, 22});
}

TEST(ADateFollowedByASpaceAndASingleDigit, IsASyntaxErrorAtTheValue) {
    expect_one_syntax_error({"n=2026-12-08 2\n", 1, 3});
    expect_one_syntax_error(
        {"[policy]\nversion = 1\n[[rule]]\nid = \"r\"\nverdict = \"allow\"\nexpires = "
         "2026-12-08 1\n",
         6, 11});
}

TEST(AClosingBraceInsideAnArray, IsASyntaxErrorAtTheBrace) {
    expect_one_syntax_error({"x = [}]\n", 1, 6});
    expect_one_syntax_error(
        {"[policy]\nversion = 1\n[[rule]]\nid = \"r\"\nverdict = \"allow\"\nclass = "
         "[\"fido-ble\", }]\n",
         6, 22});
}

}  // namespace
}  // namespace btfence::policy
