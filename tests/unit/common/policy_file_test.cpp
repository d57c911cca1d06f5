// Loading the policy from disk: a file that a non-root user could write is refused, because
// whoever can write the policy can switch btfence off.
#include "policy_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace btfence {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kValidPolicy = "[policy]\nversion = 1\n";

class APolicyFile : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "btfence-policy-file-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
        path_ = (dir_ / "policy.toml").string();
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    void write(std::string_view text, mode_t mode) {
        std::ofstream(path_, std::ios::binary | std::ios::trunc) << text;
        ASSERT_EQ(::chmod(path_.c_str(), mode), 0);
    }

    static void skip_unless_root() {
        if (::geteuid() != 0) {
            GTEST_SKIP() << "needs root to own (or give away) a file";
        }
    }

    std::filesystem::path dir_;
    std::string path_;
};

TEST_F(APolicyFile, WritableByOthersIsRefused) {
    write(kValidPolicy, 0666);
    const auto result = load_policy_file(path_, /*check_permissions=*/true);
    ASSERT_FALSE(result.ok());
    ASSERT_EQ(result.errors.size(), 1U);
    EXPECT_EQ(result.errors[0].line, 0);
    EXPECT_EQ(result.errors[0].source, path_);
    EXPECT_THAT(result.errors[0].message, HasSubstr("writable by group or others (mode 0666)"));
    EXPECT_THAT(result.errors[0].to_string(), HasSubstr(path_ + ": refusing the policy file"));
}

TEST_F(APolicyFile, WritableByItsGroupIsRefused) {
    write(kValidPolicy, 0664);
    EXPECT_FALSE(load_policy_file(path_, true).ok());
    EXPECT_THAT(policy_file_permission_problem(path_).value_or(""), HasSubstr("mode 0664"));
}

TEST_F(APolicyFile, OwnedByRootAndMode0644IsLoaded) {
    skip_unless_root();
    write(kValidPolicy, 0644);
    const auto result = load_policy_file(path_, true);
    ASSERT_TRUE(result.ok()) << result.errors.front().to_string();
    EXPECT_EQ(result.policy->source, path_);
    EXPECT_EQ(policy_file_permission_problem(path_), std::nullopt);
}

TEST_F(APolicyFile, OwnedByAnotherUserIsRefused) {
    skip_unless_root();
    write(kValidPolicy, 0644);
    ASSERT_EQ(::chown(path_.c_str(), 65534, 65534), 0);
    const auto result = load_policy_file(path_, true);
    ASSERT_FALSE(result.ok());
    EXPECT_THAT(result.errors[0].message, HasSubstr("owned by uid 65534, not root"));
}

TEST_F(APolicyFile, WithThePermissionCheckOffIsLoadedWhateverItsMode) {
    write(kValidPolicy, 0666);
    EXPECT_TRUE(load_policy_file(path_, /*check_permissions=*/false).ok());
}

TEST_F(APolicyFile, ThatDoesNotExistIsAReadErrorWithoutPosition) {
    const auto result = load_policy_file((dir_ / "missing.toml").string(), false);
    ASSERT_EQ(result.errors.size(), 1U);
    EXPECT_EQ(result.errors[0].line, 0);
    EXPECT_THAT(result.errors[0].message,
                HasSubstr("cannot read the policy file: No such file or directory"));
}

TEST_F(APolicyFile, ThatIsADirectoryIsRefused) {
    const auto result = load_policy_file(dir_.string(), false);
    ASSERT_EQ(result.errors.size(), 1U);
    EXPECT_THAT(result.errors[0].message, HasSubstr("not a regular file"));
}

TEST_F(APolicyFile, ThatIsAFifoIsRefusedWithoutBlocking) {
    ASSERT_EQ(::mkfifo(path_.c_str(), 0600), 0);
    const auto result = load_policy_file(path_, false);
    ASSERT_EQ(result.errors.size(), 1U);
    EXPECT_THAT(result.errors[0].message, HasSubstr("not a regular file"));
}

TEST_F(APolicyFile, LargerThanOneMebibyteIsRefusedUnparsed) {
    write(std::string(kValidPolicy) + std::string(kMaxPolicyFileBytes, '#'), 0644);
    const auto result = load_policy_file(path_, false);
    ASSERT_EQ(result.errors.size(), 1U);
    EXPECT_THAT(result.errors[0].message, HasSubstr("larger than 1048576 bytes"));
}

TEST_F(APolicyFile, WithErrorsReportsThemAgainstItsPath) {
    write("[policy]\nversion = 1\nmode = \"enforced\"\n", 0644);
    const auto result = load_policy_file(path_, false);
    ASSERT_EQ(result.errors.size(), 1U);
    EXPECT_EQ(result.errors[0].to_string().rfind(path_ + ":3:8: policy.mode must be one of", 0),
              0U);
}

}  // namespace
}  // namespace btfence
