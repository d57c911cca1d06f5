// Where btfenced finds btfence-probe: the build tree's probe for the build tree's btfenced,
// the installed one otherwise; and when a probe path cannot be run.
#include "verify/probe_location.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace btfence::testing {
namespace {

class ProbeLocationTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("btfence-probe-location-" + std::to_string(getpid()));
        std::filesystem::create_directories(dir_ / "build/agent/daemon");
        std::filesystem::create_directories(dir_ / "build/agent/fido");
        daemon_ = (dir_ / "build/agent/daemon/btfenced").string();
        probe_ = (dir_ / "build/agent/fido/btfence-probe").string();
        std::ofstream(daemon_) << "#!/bin/sh\n";
        std::ofstream(probe_) << "#!/bin/sh\n";
        chmod(daemon_.c_str(), 0755);
        chmod(probe_.c_str(), 0755);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::filesystem::path dir_;
    std::string daemon_;
    std::string probe_;
    const std::string installed_ = "/usr/libexec/btfence/btfence-probe";
};

TEST_F(ProbeLocationTest, TheBuildTreesBtfencedRunsTheBuildTreesProbe) {
    EXPECT_EQ(verify::default_probe_path(daemon_, daemon_, probe_, installed_), probe_);
}

TEST_F(ProbeLocationTest, TheBuildTreesBtfencedIsRecognisedThroughASymlink) {
    const auto link = dir_ / "btfenced-link";
    std::filesystem::create_symlink(daemon_, link);
    EXPECT_EQ(verify::default_probe_path(link.string(), daemon_, probe_, installed_), probe_);
}

TEST_F(ProbeLocationTest, AnyOtherBtfencedRunsTheInstalledProbe) {
    // An installed /usr/sbin/btfenced never runs a probe from wherever it was built.
    EXPECT_EQ(verify::default_probe_path("/usr/sbin/btfenced", daemon_, probe_, installed_),
              installed_);
    EXPECT_EQ(verify::default_probe_path("", daemon_, probe_, installed_), installed_);
    EXPECT_EQ(verify::default_probe_path(daemon_, daemon_, "", installed_), installed_)
        << "built without the probe";
}

TEST_F(ProbeLocationTest, AProbeMustBeAnExecutableRegularFile) {
    EXPECT_EQ(verify::probe_unusable(probe_), std::nullopt);
    const auto missing = verify::probe_unusable((dir_ / "absent").string());
    ASSERT_TRUE(missing.has_value());
    EXPECT_NE(missing->find("No such file"), std::string::npos) << *missing;
    EXPECT_TRUE(verify::probe_unusable(dir_.string()).has_value()) << "a directory";
    chmod(probe_.c_str(), 0644);  // no x bit at all: not even root may execute it
    EXPECT_TRUE(verify::probe_unusable(probe_).has_value()) << "not executable";
}

}  // namespace
}  // namespace btfence::testing
