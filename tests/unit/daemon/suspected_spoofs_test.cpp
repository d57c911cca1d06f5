// Suspected spoofs survive a restart of btfenced, and an unreadable list is never overwritten.
#include "enforce/suspected_spoofs.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "btfence/policy/time_format.hpp"

namespace btfence::enforce {
namespace {

namespace fs = std::filesystem;

policy::TimePoint at(const char* text) {
    return *policy::parse_rfc3339(text);
}

class ASpoofList : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "btfence-spoofs-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { fs::remove_all(dir_); }
    [[nodiscard]] SuspectedSpoofs open() const {
        return SuspectedSpoofs(state::StateFile(dir_ / "suspected-spoofs.json"));
    }
    [[nodiscard]] std::string contents() const {
        std::ifstream in(dir_ / "suspected-spoofs.json");
        return {std::istreambuf_iterator<char>(in), {}};
    }

    fs::path dir_;
};

TEST_F(ASpoofList, SurvivesARestart) {
    {
        SuspectedSpoofs spoofs = open();
        EXPECT_EQ(spoofs.load(), std::nullopt) << "no file yet is no error";
        EXPECT_EQ(spoofs.remember(
                      {"C0:FF:EE:00:00:01", "NotAKey", "served HID", at("2026-12-02T12:00:00Z")}),
                  std::nullopt);
    }
    SuspectedSpoofs restarted = open();
    ASSERT_EQ(restarted.load(), std::nullopt);
    const auto* record = restarted.find("C0:FF:EE:00:00:01", at("2026-12-02T11:00:00Z"));
    ASSERT_NE(record, nullptr);
    EXPECT_EQ(record->reason, "served HID");
    EXPECT_EQ(record->name, "NotAKey");
    EXPECT_EQ(restarted.find("C0:FF:EE:00:00:01", at("2026-12-02T12:00:00Z")), nullptr)
        << "not in force once its time is up";
    EXPECT_EQ(restarted.next_expiry(), at("2026-12-02T12:00:00Z"));
}

TEST_F(ASpoofList, NeverShortensABlockAndForgetsWhatExpired) {
    SuspectedSpoofs spoofs = open();
    ASSERT_EQ(spoofs.load(), std::nullopt);
    spoofs.remember({"C0:FF:EE:00:00:01", "", "a", at("2026-12-03T00:00:00Z")});
    spoofs.remember({"C0:FF:EE:00:00:01", "", "b", at("2026-12-02T00:00:00Z")});
    spoofs.remember({"C0:FF:EE:00:00:02", "", "c", at("2026-12-02T00:00:00Z")});
    EXPECT_EQ(spoofs.find("C0:FF:EE:00:00:01", at("2026-12-02T12:00:00Z"))->reason, "b");
    std::optional<std::string> error;
    const auto expired = spoofs.expire(at("2026-12-02T12:00:00Z"), error);
    EXPECT_EQ(error, std::nullopt);
    ASSERT_EQ(expired.size(), 1U);
    EXPECT_EQ(expired[0].address, "C0:FF:EE:00:00:02");
    SuspectedSpoofs restarted = open();
    ASSERT_EQ(restarted.load(), std::nullopt);
    EXPECT_EQ(restarted.size(), 1U);
}

TEST_F(ASpoofList, ThatIsCorruptIsAnErrorAndIsNeverOverwritten) {
    { std::ofstream(dir_ / "suspected-spoofs.json") << "{\"version\": 1, \"spoofs\": [{"; }
    SuspectedSpoofs spoofs = open();
    const auto error = spoofs.load();
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find("corrupt"), std::string::npos) << *error;
    const auto write_error =
        spoofs.remember({"C0:FF:EE:00:00:01", "", "x", at("2026-12-03T00:00:00Z")});
    ASSERT_TRUE(write_error.has_value());
    EXPECT_EQ(contents(), "{\"version\": 1, \"spoofs\": [{") << "what it held is not lost";
    EXPECT_NE(spoofs.find("C0:FF:EE:00:00:01", at("2026-12-02T00:00:00Z")), nullptr)
        << "remembered in memory meanwhile";
}

}  // namespace
}  // namespace btfence::enforce
