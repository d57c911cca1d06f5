// existing_bonds = "keep" persists: the set of grandfathered bonds is recorded at btfenced's
// first start and a later start keeps exactly that set; a bond made while btfenced was down
// is enforced; an unreadable state file fails closed and is left alone.
#include "enforce/grandfathered_bonds.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "device_builder.hpp"
#include "enforce/enforcer.hpp"
#include "fakes.hpp"

namespace btfence::testing {
namespace {

std::string with_bonds(const char* existing_bonds) {
    std::string policy = kPasskeyOnlyPolicy;
    policy.replace(policy.find("default"), 0,
                   std::string("existing_bonds = \"") + existing_bonds + "\"\n");
    return policy;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

/// One run of btfenced: a mirror filled with bluetoothd's devices, then the start-up sweep.
/// Runs share the state directory `state_dir` as restarts of btfenced do.
class DaemonRun : public bluez::MirrorObserver {
  public:
    DaemonRun(const std::string& policy_text, const std::filesystem::path& state_dir)
        : policy(policy_text),
          grandfathered(state::StateFile(state_dir / enforce::GrandfatheredBonds::kFileName)),
          enforcer(mirror, calls, retries, policy.store(), clock, grandfathered,
                   [this](audit::Event e) { events.push_back(std::move(e)); }) {
        mirror.set_observer(this);
        add_adapter(mirror, "hci0", "00:AA:01:00:00:00");
    }
    ~DaemonRun() override { mirror.set_observer(nullptr); }
    DaemonRun(const DaemonRun&) = delete;
    DaemonRun& operator=(const DaemonRun&) = delete;

    void device_changed(const bluez::DeviceState& d, bluez::FactChanges c, bool added) override {
        if (started) {
            enforcer.device_changed(d, c, added);
        }
    }
    void device_removed(const std::string& path) override { enforcer.device_removed(path); }
    void adapter_added(const bluez::AdapterState&) override {}
    void adapter_removed(const std::string&) override {}
    void adapter_allowlist_changed(const bluez::AdapterState&) override {}
    void device_unknown(const std::string&) override {}

    /// A keyboard bluetoothd already has a bond with.
    DeviceBuilder bonded_keyboard(const std::string& address) {
        DeviceBuilder keyboard;
        keyboard.at(address).uuids(kKeyboardUuids).flag("Paired").flag("Bonded");
        keyboard.add_to(mirror);
        return keyboard;
    }
    std::optional<std::string> start() {
        auto error = grandfathered.load();
        enforcer.sweep(enforce::SweepKind::Startup);
        calls.settle();  // bluetoothd answers: Disconnect, then RemoveDevice
        started = true;
        return error;
    }
    void sweep(enforce::SweepKind kind) {
        enforcer.sweep(kind);
        calls.settle();
    }
    [[nodiscard]] bool removed(const DeviceBuilder& device) {
        calls.settle();
        for (const auto& call : calls.calls) {
            if (call.method == "RemoveDevice" && call.argument == device.path()) {
                return true;
            }
        }
        return false;
    }
    [[nodiscard]] std::size_t count(audit::Action action) const {
        std::size_t n = 0;
        for (const auto& e : events) {
            n += e.action == action ? 1U : 0U;
        }
        return n;
    }

    bool started = false;
    bluez::BluezMirror mirror;
    RecordingBluezCalls calls;
    FakeWakeupTimer timer;
    retry::RetryQueue retries{timer, retry::BackoffSettings{}};
    FixedClock clock{"2026-12-01T12:00:00Z"};
    TempPolicy policy;
    std::vector<audit::Event> events;
    enforce::GrandfatheredBonds grandfathered;
    enforce::Enforcer enforcer;
};

class GrandfatheredBondsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        state_dir_ =
            std::filesystem::temp_directory_path() / ("btfence-state-" + std::to_string(getpid()));
        std::filesystem::create_directories(state_dir_);
    }
    void TearDown() override { std::filesystem::remove_all(state_dir_); }
    [[nodiscard]] std::filesystem::path file() const {
        return state_dir_ / enforce::GrandfatheredBonds::kFileName;
    }

    std::filesystem::path state_dir_;
};

TEST_F(GrandfatheredBondsTest, ALaterStartKeepsExactlyTheBondsOfTheFirstStart) {
    {
        DaemonRun first(with_bonds("keep"), state_dir_);
        const auto old_keyboard = first.bonded_keyboard("AA:BB:CC:DD:EE:02");
        EXPECT_EQ(first.start(), std::nullopt);
        EXPECT_FALSE(first.removed(old_keyboard));
        EXPECT_EQ(first.count(audit::Action::BondKept), 1U);
    }
    ASSERT_TRUE(std::filesystem::exists(file())) << "recorded at the first start";
    EXPECT_NE(read_file(file()).find("AA:BB:CC:DD:EE:02"), std::string::npos);

    // btfenced was down; meanwhile someone paired another keyboard.
    DaemonRun second(with_bonds("keep"), state_dir_);
    const auto old_keyboard = second.bonded_keyboard("AA:BB:CC:DD:EE:02");
    const auto paired_while_down = second.bonded_keyboard("AA:BB:CC:DD:EE:03");
    EXPECT_EQ(second.start(), std::nullopt);
    EXPECT_FALSE(second.removed(old_keyboard)) << "grandfathered at the first start";
    EXPECT_TRUE(second.removed(paired_while_down)) << "not grandfathered: made while down";
    EXPECT_EQ(read_file(file()).find("AA:BB:CC:DD:EE:03"), std::string::npos);
}

TEST_F(GrandfatheredBondsTest, AFirstStartUnderEnforceRecordsNothingToKeepLater) {
    {
        DaemonRun first(with_bonds("enforce"), state_dir_);
        const auto keyboard = first.bonded_keyboard("AA:BB:CC:DD:EE:02");
        first.start();
        EXPECT_TRUE(first.removed(keyboard));
    }
    DaemonRun second(with_bonds("keep"), state_dir_);
    const auto paired_while_down = second.bonded_keyboard("AA:BB:CC:DD:EE:03");
    second.start();
    EXPECT_TRUE(second.removed(paired_while_down))
        << "switching to keep later must not grandfather bonds made after btfence took over";
}

TEST_F(GrandfatheredBondsTest, AnUnreadableFileFailsClosedIsReportedAndLeftAlone) {
    std::ofstream(file()) << "{ this is not json";
    DaemonRun run(with_bonds("keep"), state_dir_);
    const auto keyboard = run.bonded_keyboard("AA:BB:CC:DD:EE:02");
    const auto error = run.start();
    ASSERT_TRUE(error.has_value());
    EXPECT_NE(error->find(file().string()), std::string::npos) << *error;
    EXPECT_TRUE(run.removed(keyboard)) << "fail closed: nothing is grandfathered";
    EXPECT_EQ(read_file(file()), "{ this is not json") << "never a silent reset";
}

TEST_F(GrandfatheredBondsTest, AFileWithUnexpectedContentsIsUnreadableToo) {
    std::ofstream(file()) << R"({"version": 1, "bonds": [{"address": 7}]})";
    DaemonRun run(with_bonds("keep"), state_dir_);
    const auto keyboard = run.bonded_keyboard("AA:BB:CC:DD:EE:02");
    EXPECT_TRUE(run.start().has_value());
    EXPECT_TRUE(run.removed(keyboard));
}

TEST_F(GrandfatheredBondsTest, ARemovedGrandfatheredDeviceIsForgotten) {
    DaemonRun run(with_bonds("keep"), state_dir_);
    const auto keyboard = run.bonded_keyboard("AA:BB:CC:DD:EE:02");
    run.start();
    ASSERT_EQ(run.grandfathered.size(), 1U);
    run.mirror.interfaces_removed(keyboard.path(), {"org.bluez.Device1"});
    EXPECT_EQ(run.grandfathered.size(), 0U);
    EXPECT_EQ(read_file(file()).find("AA:BB:CC:DD:EE:02"), std::string::npos)
        << "pairing it again later is a new bond";
}

TEST_F(GrandfatheredBondsTest, AReloadToEnforceRemovesTheGrandfatheredBonds) {
    DaemonRun run(with_bonds("keep"), state_dir_);
    const auto keyboard = run.bonded_keyboard("AA:BB:CC:DD:EE:02");
    run.start();
    EXPECT_FALSE(run.removed(keyboard));
    run.policy.write(with_bonds("enforce"));
    ASSERT_EQ(run.policy.store().load(), std::nullopt);
    run.sweep(enforce::SweepKind::Reload);
    EXPECT_TRUE(run.removed(keyboard)) << "enforce means enforce, from the reload on";
}

TEST_F(GrandfatheredBondsTest, AReloadToKeepGrandfathersNothingNew) {
    DaemonRun run(with_bonds("enforce"), state_dir_);
    run.start();
    run.policy.write(with_bonds("keep"));
    ASSERT_EQ(run.policy.store().load(), std::nullopt);
    const auto keyboard = run.bonded_keyboard("AA:BB:CC:DD:EE:02");  // paired while running
    run.sweep(enforce::SweepKind::Reload);
    EXPECT_TRUE(run.removed(keyboard));
}

TEST_F(GrandfatheredBondsTest, AFailedWriteIsReportedAsAStateFileError) {
    std::filesystem::remove_all(state_dir_);  // the state directory is gone
    DaemonRun run(with_bonds("keep"), state_dir_);
    run.bonded_keyboard("AA:BB:CC:DD:EE:02");
    run.start();
    EXPECT_EQ(run.count(audit::Action::StateFileError), 1U);
    EXPECT_EQ(run.events.back().outcome, audit::Outcome::Failure);
}

}  // namespace
}  // namespace btfence::testing
