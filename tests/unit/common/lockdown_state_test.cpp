// Whether the two opt-in lockdowns are configured (agent/common/lockdown_state.hpp), as
// btfenced's Status reports them: read from the files the admin guide has the admin write.
#include "lockdown_state.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "profile_lockdown.hpp"

namespace btfence::lockdown {
namespace {

constexpr std::string_view kAdminGuideInclude =
    "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN\"\n"
    " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
    "<busconfig>\n"
    "  <include ignore_missing=\"yes\">/usr/share/btfence/org.bluez-btfence-lockdown.conf"
    "</include>\n"
    "</busconfig>\n";

TEST(TheDbusLockdownInclude, IsFoundAsTheAdminGuideWritesIt) {
    EXPECT_TRUE(includes_dbus_lockdown(kAdminGuideInclude));
    EXPECT_TRUE(includes_dbus_lockdown(
        "<busconfig><include>\n  /usr/share/btfence/org.bluez-btfence-lockdown.conf\n"
        "</include></busconfig>"));
}

TEST(TheDbusLockdownInclude, IsNotFoundInACommentOrAnotherInclude) {
    EXPECT_FALSE(includes_dbus_lockdown(
        "<busconfig><!-- <include>/usr/share/btfence/org.bluez-btfence-lockdown.conf</include>"
        " --></busconfig>"));
    EXPECT_FALSE(includes_dbus_lockdown(
        "<busconfig><include>/etc/other.conf</include>"
        "<includedir>/usr/share/btfence/org.bluez-btfence-lockdown.conf</includedir>"
        "</busconfig>"));
    EXPECT_FALSE(includes_dbus_lockdown(
        "<busconfig><include>/usr/share/btfence/org.bluez-btfence-lockdown.conf.bak</include>"
        "</busconfig>"));
    EXPECT_FALSE(includes_dbus_lockdown(""));
    EXPECT_FALSE(includes_dbus_lockdown("<busconfig><include ignore_missing=\"yes\">"));
}

class ARootDirectory : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = ::testing::TempDir() + "lockdown_state_XXXXXX";
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        root_ = pattern;
    }
    void TearDown() override { std::filesystem::remove_all(root_); }

    void write(std::string_view absolute, std::string_view text) {
        const auto path = root_ / std::filesystem::path(absolute).relative_path();
        std::filesystem::create_directories(path.parent_path());
        std::ofstream(path) << text;
    }

    std::filesystem::path root_;
};

TEST_F(ARootDirectory, WithNeitherFileHasNothingConfigured) {
    const auto state = read_lockdown_state(root_);
    EXPECT_EQ(to_string(state.dbus), "not-configured");
    EXPECT_EQ(to_string(state.profiles), "not-configured");
}

TEST_F(ARootDirectory, WithTheSystemLocalIncludeHasTheDbusLockdownConfigured) {
    write(kDbusLocalConfPath, kAdminGuideInclude);
    EXPECT_EQ(read_lockdown_state(root_).dbus, Configured::Yes);
    EXPECT_EQ(read_lockdown_state(root_).profiles, Configured::No);
}

TEST_F(ARootDirectory, WithASystemLocalConfThatIncludesSomethingElseHasNoDbusLockdown) {
    write(kDbusLocalConfPath, "<busconfig><include>/etc/site.conf</include></busconfig>");
    EXPECT_EQ(read_lockdown_state(root_).dbus, Configured::No);
}

TEST_F(ARootDirectory, WithTheDropInHasTheProfileLockdownConfigured) {
    write(kDropInPath,
          "[Service]\nExecStart=\nExecStart=/usr/libexec/bluetooth/bluetoothd "
          "--noplugin=input,hog\n");
    EXPECT_EQ(read_lockdown_state(root_).profiles, Configured::Yes);
    EXPECT_EQ(read_lockdown_state(root_).dbus, Configured::No);
}

TEST_F(ARootDirectory, WithADropInThatLeavesNoPluginOutHasNoProfileLockdown) {
    write(kDropInPath, "[Service]\nExecStart=\nExecStart=/usr/libexec/bluetooth/bluetoothd\n");
    EXPECT_EQ(read_lockdown_state(root_).profiles, Configured::No);
}

TEST_F(ARootDirectory, WithAFileItCannotReadSaysUnreadableNotNotConfigured) {
    // A directory where the file should be: unreadable as a file for root too (CI runs as
    // root, which a mode-0000 file would not stop).
    std::filesystem::create_directories(root_ / std::filesystem::path(kDropInPath).relative_path());
    EXPECT_EQ(to_string(read_lockdown_state(root_).profiles), "unreadable");
    EXPECT_EQ(to_string(read_lockdown_state(root_).dbus), "not-configured");
}

}  // namespace
}  // namespace btfence::lockdown
