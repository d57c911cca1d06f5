// StateFile: the one way btfenced persists state (state/state_file.hpp).
#include "state/state_file.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace btfence::state {
namespace {

namespace fs = std::filesystem;

class AStateDirectory : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "btfence-state-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override { fs::remove_all(dir_); }

    [[nodiscard]] std::size_t entries() const {
        return static_cast<std::size_t>(
            std::distance(fs::directory_iterator(dir_), fs::directory_iterator()));
    }

    fs::path dir_;
};

TEST_F(AStateDirectory, ReportsAnAbsentFileAsAbsentNotAsAnError) {
    std::string error = "stale";
    EXPECT_EQ(StateFile(dir_ / "missing.json").read(error), std::nullopt);
    EXPECT_EQ(error, "");
}

TEST_F(AStateDirectory, ReadsBackWhatWasWrittenWithTheModeAsked) {
    const StateFile file(dir_ / "spoofs.json", 0600);
    std::string error;
    ASSERT_TRUE(file.write("{\"a\":1}\n", error)) << error;
    EXPECT_EQ(file.read(error), "{\"a\":1}\n");
    struct stat st {};
    ASSERT_EQ(::stat(file.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600U);
}

TEST_F(AStateDirectory, ReplacesTheWholeFileAndLeavesNoTemporaryBehind) {
    const StateFile file(dir_ / "keep.json");
    std::string error;
    ASSERT_TRUE(file.write(std::string(10000, 'x'), error)) << error;
    ASSERT_TRUE(file.write("short", error)) << error;
    EXPECT_EQ(file.read(error), "short");
    EXPECT_EQ(entries(), 1U);
}

TEST_F(AStateDirectory, KeepsThePreviousContentsWhenTheWriteFails) {
    const StateFile file(dir_ / "keep.json");
    std::string error;
    ASSERT_TRUE(file.write("old", error)) << error;
    {
        // A full disk, as root too: writes past RLIMIT_FSIZE fail with EFBIG.
        struct rlimit saved {};
        ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
        const auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
        struct rlimit small = saved;
        small.rlim_cur = 1024;
        ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
        const bool written = file.write(std::string(4096, 'n'), error);
        ::setrlimit(RLIMIT_FSIZE, &saved);
        std::signal(SIGXFSZ, previous_handler);
        EXPECT_FALSE(written);
    }
    EXPECT_NE(error, "");
    EXPECT_EQ(file.read(error), "old");
    EXPECT_EQ(entries(), 1U) << "the temporary file must not be left behind";
}

TEST_F(AStateDirectory, ReportsAnUnreadableFileAsAnError) {
    // A directory where a file is expected: open succeeds, read fails with EISDIR.
    fs::create_directory(dir_ / "not-a-file");
    std::string error;
    EXPECT_EQ(StateFile(dir_ / "not-a-file").read(error), std::nullopt);
    EXPECT_NE(error, "");
}

TEST_F(AStateDirectory, DoesNotFollowASymlinkPlacedWhereTheFileShouldBe) {
    { std::ofstream(dir_ / "elsewhere") << "secret"; }
    fs::create_symlink(dir_ / "elsewhere", dir_ / "state.json");
    std::string error;
    EXPECT_EQ(StateFile(dir_ / "state.json").read(error), std::nullopt);
    EXPECT_NE(error, "");
}

}  // namespace
}  // namespace btfence::state
