// toml++ 3.3.0 (Debian 12) reaches __builtin_unreachable() in
// is_non_ascii_horizontal_whitespace() for some non-ASCII characters where the parser
// expects whitespace: U+00A1-U+0499 (accented Latin, Greek, Cyrillic) and U+2D6E-U+3167
// (upstream marzer/tomlplusplus#295, fixed after 3.3.0). Such a document is invalid TOML
// anyway; this test pins down that the library btfence links rejects every one of them with
// a syntax error at the character, rather than accepting it or crashing. (The fuzz build
// compiles toml++ from its headers and must tolerate the same UB, see tests/fuzz.)
#include <gtest/gtest.h>

#include <string>

#include "btfence/policy/parser.hpp"

namespace btfence::policy {
namespace {

std::string utf8(char32_t c) {
    std::string out;
    const auto byte = [](unsigned value) { return static_cast<char>(value); };
    const auto code = static_cast<unsigned>(c);
    if (code < 0x80U) {
        out += byte(code);
    } else if (code < 0x800U) {
        out += byte(0xC0U | (code >> 6U));
        out += byte(0x80U | (code & 0x3FU));
    } else {
        out += byte(0xE0U | (code >> 12U));
        out += byte(0x80U | ((code >> 6U) & 0x3FU));
        out += byte(0x80U | (code & 0x3FU));
    }
    return out;
}

bool rejected_at(const std::string& text, int line, int column) {
    const auto result = parse_policy(text, "p.toml");
    return !result.ok() && result.errors.size() == 1 && result.errors[0].line == line &&
           result.errors[0].column == column && result.errors[0].message.starts_with("TOML syntax");
}

TEST(ANonAsciiCharacterWhereWhitespaceMayStand, IsASyntaxErrorAtThatCharacter) {
    int checked = 0;
    for (char32_t c = 0x80; c <= 0xFFFD; ++c) {
        if (c >= 0xD800 && c <= 0xDFFF) {
            continue;  // surrogates are not characters
        }
        const bool in_unreachable_range = (c >= 0xA1 && c < 0x49A) || (c >= 0x2D6E && c < 0x3168);
        const std::string ch = utf8(c);
        ASSERT_TRUE(rejected_at("[policy]\nversion = 1\n" + ch + "\n", 3, 1))
            << "U+" << std::hex << static_cast<unsigned>(c) << " at the start of a line";
        if (in_unreachable_range) {
            ASSERT_TRUE(rejected_at("[policy]\nversion = 1 " + ch + "\n", 2, 13))
                << "U+" << std::hex << static_cast<unsigned>(c) << " after a value";
            ASSERT_TRUE(rejected_at("[policy]\nversion " + ch + "= 1\n", 2, 9))
                << "U+" << std::hex << static_cast<unsigned>(c) << " after a key";
        }
        ++checked;
    }
    EXPECT_EQ(checked, 0xFFFD - 0x80 + 1 - 0x800);
}

TEST(NonAsciiTextInStringsAndComments, IsAccepted) {
    const auto result = parse_policy(
        "# Richtlinie für Jörg — 鍵\n[policy]\nversion = 1\n[[rule]]\nid = \"jörg\"\n"
        "verdict = \"allow\"\nname = \"Jörg’s Tastatur*\"\nreason = \"\"\"Ticket §4711: "
        "«ё»\"\"\"\n",
        "p.toml");
    ASSERT_TRUE(result.ok()) << result.errors.front().to_string();
    EXPECT_EQ(result.policy->rules.front().name_glob, "Jörg’s Tastatur*");
}

}  // namespace
}  // namespace btfence::policy
