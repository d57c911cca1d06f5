// Layer 2: what happens to a device after it pairs, connects or changes its services.
#include "enforce/enforcer.hpp"

#include <gtest/gtest.h>

#include "device_builder.hpp"
#include "fakes.hpp"

namespace btfence::testing {
namespace {

class EnforcerRig : public bluez::MirrorObserver {
  public:
    explicit EnforcerRig(const std::string& policy_toml)
        : policy(policy_toml),
          enforcer(mirror, calls, policy.store(), clock,
                   [this](audit::Event e) { events.push_back(std::move(e)); }) {
        mirror.set_observer(this);
        add_adapter(mirror, "hci0", "00:AA:01:00:00:00");
        add_adapter(mirror, "hci1", "00:AA:01:01:00:01");
    }

    void device_changed(const bluez::DeviceState& d, bluez::FactChanges c, bool added) override {
        if (live) {
            enforcer.device_changed(d, c, added);
        }
    }
    void device_removed(const std::string& path) override { enforcer.device_removed(path); }
    void adapter_added(const bluez::AdapterState&) override {}
    void adapter_removed(const std::string&) override {}
    void adapter_allowlist_changed(const bluez::AdapterState&) override {}
    void device_unknown(const std::string&) override {}

    void set(const std::string& path, const bluez::PropertyMap& changed) {
        mirror.properties_changed(path, "org.bluez.Device1", changed);
    }
    [[nodiscard]] std::size_t count(audit::Action action) const {
        std::size_t n = 0;
        for (const auto& e : events) {
            n += e.action == action ? 1U : 0U;
        }
        return n;
    }
    [[nodiscard]] const audit::Event& last() const { return events.back(); }

    bool live = true;  ///< false: devices arrive silently, as before a start-up sweep
    bluez::BluezMirror mirror;
    RecordingBluezCalls calls;
    FixedClock clock{"2026-12-01T12:00:00Z"};
    TempPolicy policy;
    std::vector<audit::Event> events;
    enforce::Enforcer enforcer;
};

TEST(AKeyboardPairedAroundTheAgent, IsDisconnectedRemovedAndAudited) {
    EnforcerRig rig(kPasskeyOnlyPolicy);
    DeviceBuilder keyboard;
    keyboard.named("Keyboard").uuids(kKeyboardUuids).add_to(rig.mirror);
    EXPECT_TRUE(rig.calls.calls.empty()) << "an advertising keyboard is not acted on";

    rig.set(keyboard.path(), {{"Paired", sdbus::Variant(true)}});

    ASSERT_EQ(rig.calls.count("Disconnect"), 1U);
    ASSERT_EQ(rig.calls.count("RemoveDevice"), 1U);
    EXPECT_EQ(rig.calls.calls.back().path, "/org/bluez/hci0");
    EXPECT_EQ(rig.calls.calls.back().argument, keyboard.path());
    ASSERT_EQ(rig.count(audit::Action::DeviceRemoved), 1U);
    const auto& event = rig.last();
    EXPECT_EQ(event.outcome, audit::Outcome::Success);
    EXPECT_EQ(event.rule_id, "default");
    EXPECT_EQ(event.verdict, policy::Verdict::Deny);
    ASSERT_TRUE(event.device.has_value());
    EXPECT_EQ(event.device->address, "AA:BB:CC:DD:EE:01");
    EXPECT_EQ(event.device->device_class, "other");
}

TEST(AFidoKeyThatPairs, KeepsItsBondAndIsReportedOnce) {
    EnforcerRig rig(kPasskeyOnlyPolicy);
    DeviceBuilder key;
    key.named("YubiKey").uuids(kFidoUuids).add_to(rig.mirror);
    rig.set(key.path(), {{"Connected", sdbus::Variant(true)}});
    rig.set(key.path(), {{"Paired", sdbus::Variant(true)}});
    rig.set(key.path(), {{"Bonded", sdbus::Variant(true)}});

    EXPECT_EQ(rig.calls.count("RemoveDevice"), 0U);
    EXPECT_EQ(rig.count(audit::Action::BondKept), 1U);
    EXPECT_EQ(rig.last().rule_id, "fido-keys");
}

TEST(AFidoKeyWhoseServicesResolveToHid, IsRemovedOnceTheUuidsChange) {
    EnforcerRig rig(kPasskeyOnlyPolicy);
    DeviceBuilder liar;
    liar.named("NotAKey").uuids(kFidoUuids).flag("Paired").flag("Connected").add_to(rig.mirror);
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 0U);

    rig.set(liar.path(), {{"UUIDs", sdbus::Variant(std::vector<std::string>{
                                        "0000fffd-0000-1000-8000-00805f9b34fb",
                                        "00001812-0000-1000-8000-00805f9b34fb"})}});

    EXPECT_EQ(rig.calls.count("RemoveDevice"), 1U);
    ASSERT_EQ(rig.count(audit::Action::DeviceRemoved), 1U);
    EXPECT_NE(rig.last().device->class_reason.find("0x1812"), std::string::npos)
        << rig.last().device->class_reason;
}

TEST(RssiChurn, NeitherDecidesNorActs) {
    EnforcerRig rig(kPasskeyOnlyPolicy);
    DeviceBuilder keyboard;
    keyboard.uuids(kKeyboardUuids).add_to(rig.mirror);
    for (int i = 0; i < 100; ++i) {
        rig.set(keyboard.path(), {{"RSSI", sdbus::Variant(static_cast<std::int16_t>(-40 - i))}});
    }
    EXPECT_TRUE(rig.calls.calls.empty());
    EXPECT_TRUE(rig.events.empty());
}

TEST(AuditMode, ReportsTheWouldBeRemovalOnceAndCallsNothing) {
    EnforcerRig rig(std::string(kPasskeyOnlyPolicy)
                        .replace(std::string(kPasskeyOnlyPolicy).find("enforce"), 7, "audit"));
    DeviceBuilder keyboard;
    keyboard.uuids(kKeyboardUuids).add_to(rig.mirror);
    rig.set(keyboard.path(), {{"Paired", sdbus::Variant(true)}});
    rig.set(keyboard.path(), {{"Trusted", sdbus::Variant(true)}});
    rig.set(keyboard.path(), {{"Trusted", sdbus::Variant(true)}});

    EXPECT_TRUE(rig.calls.calls.empty());
    ASSERT_GE(rig.count(audit::Action::DeviceRemoved), 1U);
    EXPECT_EQ(rig.last().mode, policy::Mode::Audit);
    EXPECT_EQ(rig.last().outcome, audit::Outcome::Unknown);
}

TEST(ADeviceOnAnUnmanagedAdapter, IsNeverRemoved) {
    EnforcerRig rig(std::string(kPasskeyOnlyPolicy)
                        .replace(std::string(kPasskeyOnlyPolicy).find("default"), 0,
                                 "adapters = [\"hci0\"]\n"));
    DeviceBuilder keyboard;
    keyboard.on("hci1").uuids(kKeyboardUuids).flag("Paired").add_to(rig.mirror);
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 0U);
    EXPECT_EQ(rig.last().rule_id, "unmanaged-adapter");
}

TEST(ExistingBondsKeep, GrandfathersBondsFoundAtStartupButNotNewOnes) {
    EnforcerRig rig(std::string(kPasskeyOnlyPolicy)
                        .replace(std::string(kPasskeyOnlyPolicy).find("default"), 0,
                                 "existing_bonds = \"keep\"\n"));
    rig.live = false;
    DeviceBuilder old_keyboard;
    old_keyboard.at("AA:BB:CC:DD:EE:02")
        .uuids(kKeyboardUuids)
        .flag("Paired")
        .flag("Bonded")
        .add_to(rig.mirror);
    rig.live = true;
    rig.enforcer.sweep(enforce::SweepKind::Startup);
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 0U);
    EXPECT_EQ(rig.enforcer.grandfathered_count(), 1U);
    rig.set(old_keyboard.path(), {{"Connected", sdbus::Variant(true)}});
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 0U) << "a kept bond may reconnect";

    DeviceBuilder new_keyboard;
    new_keyboard.at("AA:BB:CC:DD:EE:03").uuids(kKeyboardUuids).add_to(rig.mirror);
    rig.set(new_keyboard.path(), {{"Paired", sdbus::Variant(true)}});
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 1U);
}

TEST(ExistingBondsEnforce, RemovesDeniedBondsAtTheStartupSweep) {
    EnforcerRig rig(kPasskeyOnlyPolicy);
    rig.live = false;
    DeviceBuilder keyboard;
    keyboard.uuids(kKeyboardUuids).flag("Paired").add_to(rig.mirror);
    DeviceBuilder key;
    key.at("AA:BB:CC:DD:EE:09").uuids(kFidoUuids).flag("Paired").add_to(rig.mirror);
    rig.live = true;
    rig.enforcer.sweep(enforce::SweepKind::Startup);
    ASSERT_EQ(rig.calls.count("RemoveDevice"), 1U);
    EXPECT_EQ(rig.calls.calls.back().argument, keyboard.path());
    EXPECT_EQ(rig.count(audit::Action::BondKept), 1U);
}

TEST(ATimeLimitedExemption, RemovesTheDeviceWhenItExpires) {
    EnforcerRig rig(std::string(kPasskeyOnlyPolicy) + R"(
[[rule]]
id = "kbd-exemption"
verdict = "allow"
address = ["AA:BB:CC:DD:EE:01"]
expires = 2026-12-01T13:00:00Z
)");
    DeviceBuilder keyboard;
    keyboard.uuids(kKeyboardUuids).flag("Paired").add_to(rig.mirror);
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 0U);
    rig.clock.set("2026-12-01T12:59:59Z");
    rig.enforcer.sweep(enforce::SweepKind::Timer);
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 0U);
    rig.clock.set("2026-12-01T13:00:00Z");
    rig.enforcer.sweep(enforce::SweepKind::Timer);
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 1U);
}

TEST(ADeviceWithMalformedProperties, IsDeniedToFailClosed) {
    EnforcerRig rig(R"(
[policy]
version = 1
default = "allow"
)");
    DeviceBuilder odd;
    odd.properties["UUIDs"] = sdbus::Variant(std::string("not-a-list"));
    odd.flag("Paired").add_to(rig.mirror);
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 1U);
    EXPECT_EQ(rig.last().rule_id, "malformed-properties");
}

TEST(AFailedRemoval, IsAuditedAsFailureAndRetriedOnTheNextChange) {
    EnforcerRig rig(kPasskeyOnlyPolicy);
    rig.calls.fail_with = "org.bluez.Error.Failed: busy";
    DeviceBuilder keyboard;
    keyboard.uuids(kKeyboardUuids).add_to(rig.mirror);
    rig.set(keyboard.path(), {{"Paired", sdbus::Variant(true)}});
    ASSERT_EQ(rig.count(audit::Action::DeviceRemoved), 1U);
    EXPECT_EQ(rig.last().outcome, audit::Outcome::Failure);
    rig.calls.fail_with.reset();
    rig.set(keyboard.path(), {{"Connected", sdbus::Variant(true)}});
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 2U);
    EXPECT_EQ(rig.last().outcome, audit::Outcome::Success);
}

}  // namespace
}  // namespace btfence::testing
