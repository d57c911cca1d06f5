// bluetoothd's configuration read as GLib 2.74's GKeyFile reads it (agent/common/
// bluez_key_file.hpp). Each expectation below was checked against g_key_file_load_from_data
// and g_key_file_get_boolean/_integer/_string on Debian 12.
#include "bluez_key_file.hpp"

#include <gtest/gtest.h>

namespace btfence::bluez_config {
namespace {

KeyFile parsed(const std::string& text) {
    auto result = parse_key_file(text);
    EXPECT_TRUE(std::holds_alternative<KeyFile>(result)) << text;
    return std::holds_alternative<KeyFile>(result) ? std::get<KeyFile>(result) : KeyFile{};
}

int error_line(const std::string& text) {
    const auto result = parse_key_file(text);
    const auto* error = std::get_if<KeyFileError>(&result);
    return error == nullptr ? 0 : error->line;
}

TEST(ABluezKeyFile, ReadsKeysOfGroupsWithGKeyFilesWhitespaceRules) {
    const auto file =
        parsed("# comment\n\n[General]\n  X = true   \n\tY=\t1\r\n[GATT]\nKeySize=16\n");
    EXPECT_EQ(file.raw("General", "X"), "true   ");
    EXPECT_EQ(file.raw("General", "Y"), "1");
    EXPECT_EQ(file.raw("GATT", "KeySize"), "16");
    EXPECT_EQ(file.raw("General", "KeySize"), std::nullopt);
    EXPECT_EQ(file.raw("Missing", "X"), std::nullopt);
}

TEST(ABluezKeyFile, LetsTheLastOfDuplicateKeysWinAcrossRepeatedGroups) {
    const auto file = parsed("[General]\nX=1\n[Other]\nX=2\n[General]\nX=0\n");
    EXPECT_EQ(file.raw("General", "X"), "0");
    EXPECT_EQ(file.raw("Other", "X"), "2");
}

TEST(ABluezKeyFile, RejectsTheWholeFileForOneLineGKeyFileRejects) {
    EXPECT_EQ(error_line("X=1\n[General]\n"), 1);                // key before any group
    EXPECT_EQ(error_line("[General]\nClassicBondedOnly\n"), 2);  // no '='
    EXPECT_EQ(error_line("[General]\n=1\n"), 2);                 // empty key
    EXPECT_EQ(error_line("[General] # x\nX=1\n"), 1);            // text after the group
    EXPECT_EQ(error_line("[Gen]eral]\nX=1\n"), 1);
    EXPECT_EQ(error_line("[]\nX=1\n"), 1);
    EXPECT_EQ(error_line("[General]\nX[=1\n"), 2);  // broken locale suffix
    EXPECT_EQ(error_line("[General]\nX]=1\n"), 2);
    EXPECT_EQ(error_line("\xef\xbb\xbf[General]\nX=1\n"), 1);  // a byte order mark
    EXPECT_EQ(error_line("[General]  \n  [GATT]\nX=1\n"), 0);  // trailing blanks are fine
}

TEST(ABluezKeyFile, KeepsLocalizedKeysApartFromThePlainOne) {
    const auto file = parsed("[General]\nX[de]=1\nX Y=2\n");
    EXPECT_EQ(file.raw("General", "X"), std::nullopt);
    EXPECT_EQ(file.raw("General", "X Y"), "2");
}

TEST(BluezBooleans, AreExactlyTrueFalseOneOrZero) {
    EXPECT_EQ(as_boolean("true"), true);
    EXPECT_EQ(as_boolean("1"), true);
    EXPECT_EQ(as_boolean("false   "), false);
    EXPECT_EQ(as_boolean("0"), false);
    EXPECT_EQ(as_boolean("True"), std::nullopt);
    EXPECT_EQ(as_boolean("yes"), std::nullopt);
    EXPECT_EQ(as_boolean("true # comment"), std::nullopt);
    EXPECT_EQ(as_boolean(""), std::nullopt);
}

TEST(BluezIntegers, AcceptTrailingTextAfterWhitespaceLikeGKeyFile) {
    EXPECT_EQ(as_integer("16"), 16);
    EXPECT_EQ(as_integer("+5"), 5);
    EXPECT_EQ(as_integer("12 "), 12);
    EXPECT_EQ(as_integer("1 # comment"), 1);
    EXPECT_EQ(as_integer("0x10"), std::nullopt);
    EXPECT_EQ(as_integer("16bytes"), std::nullopt);
    EXPECT_EQ(as_integer("99999999999"), std::nullopt);
    EXPECT_EQ(as_integer(""), std::nullopt);
}

TEST(BluezStrings, DecodeGKeyFileEscapesAndRefuseBadOnes) {
    EXPECT_EQ(as_string("always"), "always");
    EXPECT_EQ(as_string("\\salways"), " always");
    EXPECT_EQ(as_string("a\\\\b"), "a\\b");
    EXPECT_EQ(as_string("alw\\ays"), std::nullopt);
    EXPECT_EQ(as_string("trailing\\"), std::nullopt);
    EXPECT_EQ(as_string("\xff"), std::nullopt);
}

}  // namespace
}  // namespace btfence::bluez_config
