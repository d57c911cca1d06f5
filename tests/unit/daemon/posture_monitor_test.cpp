// bluetoothd's posture, audited (agent/daemon/posture/posture_monitor.hpp): one event at the
// first check, another only when the findings change.
#include "posture/posture_monitor.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace btfence::posture {
namespace {

class APostureMonitor : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("btfence-posture-monitor-" + std::to_string(getpid()));
        std::filesystem::create_directories(dir_);
        write("input.conf", "[General]\nClassicBondedOnly=true\n");
        write("main.conf", "[GATT]\nKeySize=16\n");
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    void write(const std::string& name, const std::string& text) {
        std::ofstream(dir_ / name) << text;
    }

    std::filesystem::path dir_;
    std::vector<audit::Event> events_;
    PostureMonitor make() {
        return PostureMonitor(dir_.string(), [this](audit::Event e) { events_.push_back(e); });
    }
};

TEST_F(APostureMonitor, AuditsAtTheFirstCheckEvenWhenNothingIsRisky) {
    auto monitor = make();
    monitor.check("start");
    ASSERT_EQ(events_.size(), 1U);
    EXPECT_EQ(events_[0].action, audit::Action::Posture);
    EXPECT_EQ(events_[0].outcome, audit::Outcome::Success);
    EXPECT_EQ(events_[0].reason, "no risky setting");
    ASSERT_TRUE(events_[0].posture.has_value());
    EXPECT_EQ(events_[0].posture->high + events_[0].posture->medium + events_[0].posture->low, 0U);
    EXPECT_EQ(events_[0].trigger, "start");
}

TEST_F(APostureMonitor, SummarizesWhatItLastAuditedForStatus) {
    auto monitor = make();
    EXPECT_FALSE(monitor.summary().has_value()) << "before the first check it does not know";
    monitor.check("start");
    ASSERT_EQ(events_.size(), 1U);
    EXPECT_EQ(monitor.summary(), events_[0].reason);
    write("input.conf", "[General]\nClassicBondedOnly=false\n");
    monitor.check("input.conf changed");
    ASSERT_EQ(events_.size(), 2U);
    EXPECT_EQ(monitor.summary(), events_[1].reason);
}

TEST_F(APostureMonitor, AuditsAgainOnlyWhenTheFindingsChange) {
    auto monitor = make();
    monitor.check("start");
    monitor.check("main.conf changed");  // same content
    EXPECT_EQ(events_.size(), 1U);

    write("input.conf", "[General]\nClassicBondedOnly=false\n");
    monitor.check("input.conf changed");
    ASSERT_EQ(events_.size(), 2U);
    EXPECT_EQ(events_[1].trigger, "input.conf changed");
    ASSERT_TRUE(events_[1].posture.has_value());
    EXPECT_EQ(events_[1].posture->high, 1U);
    EXPECT_EQ(events_[1].posture->findings.rfind(
                  "high input.conf [General] ClassicBondedOnly=false: ", 0),
              0U)
        << events_[1].posture->findings;
    EXPECT_NE(events_[1].posture->findings.find("CVE-2023-45866"), std::string::npos);

    monitor.set_admin_policy(false);
    monitor.check("bluez-found");
    ASSERT_EQ(events_.size(), 3U);
    EXPECT_NE(events_[2].posture->findings.find("\ninfo bluetoothd=no AdminPolicySet1: "),
              std::string::npos)
        << events_[2].posture->findings;
}

}  // namespace
}  // namespace btfence::posture
