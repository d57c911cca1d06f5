// Layer 2: what happens to a device after it pairs, connects or changes its services.
#include "enforce/enforcer.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "btfence/policy/time_format.hpp"
#include "device_builder.hpp"
#include "fakes.hpp"

namespace btfence::testing {
namespace {

class EnforcerRig : public bluez::MirrorObserver {
  public:
    explicit EnforcerRig(const std::string& policy_toml)
        : policy(policy_toml),
          grandfathered(state::StateFile(policy.dir() / "grandfathered-bonds.json")),
          enforcer(
              mirror, calls, retries, policy.store(), clock, grandfathered,
              [this](audit::Event e) { events.push_back(std::move(e)); }, &spoofs,
              [this] { ++spoofs_changed; }) {
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

    /// A PropertiesChanged, then bluetoothd answers every call it caused (as scripted).
    void set(const std::string& path, const bluez::PropertyMap& changed) {
        set_unanswered(path, changed);
        calls.settle();
    }
    /// A PropertiesChanged; the calls it causes stay waiting for an answer.
    void set_unanswered(const std::string& path, const bluez::PropertyMap& changed) {
        mirror.properties_changed(path, "org.bluez.Device1", changed);
    }
    void sweep(enforce::SweepKind kind) {
        enforcer.sweep(kind);
        calls.settle();
    }
    /// The retry timer moves on by `by`; bluetoothd answers what the retries sent.
    void wait(retry::Clock::duration by) {
        timer.advance(by);
        calls.settle();
    }
    [[nodiscard]] std::size_t count(audit::Action action) const {
        std::size_t n = 0;
        for (const auto& e : events) {
            n += e.action == action ? 1U : 0U;
        }
        return n;
    }
    /// The last event; fails the test (instead of reading past the end) when there is none.
    [[nodiscard]] const audit::Event& last() const {
        if (events.empty()) {
            ADD_FAILURE() << "no audit event was emitted";
            static const audit::Event none;
            return none;
        }
        return events.back();
    }
    [[nodiscard]] std::vector<audit::Event> all(audit::Action action) const {
        std::vector<audit::Event> out;
        for (const auto& e : events) {
            if (e.action == action) {
                out.push_back(e);
            }
        }
        return out;
    }

    bool live = true;  ///< false: devices arrive silently, as before a start-up sweep
    bluez::BluezMirror mirror;
    RecordingBluezCalls calls;
    FakeWakeupTimer timer;
    retry::RetryQueue retries{timer, retry::BackoffSettings{}};
    FixedClock clock{"2026-12-01T12:00:00Z"};
    TempPolicy policy;
    std::vector<audit::Event> events;
    enforce::GrandfatheredBonds grandfathered;
    enforce::SuspectedSpoofs spoofs;
    int spoofs_changed = 0;
    enforce::Enforcer enforcer;
};

const std::vector<std::string> kFidoThenHid = {"0000fffd-0000-1000-8000-00805f9b34fb",
                                               "00001812-0000-1000-8000-00805f9b34fb"};

std::vector<std::string> methods(const RecordingBluezCalls& calls) {
    std::vector<std::string> out;
    for (const auto& call : calls.calls) {
        out.push_back(call.method);
    }
    return out;
}

TEST(AKeyboardPairedAroundTheAgent, IsDisconnectedRemovedAndAudited) {
    EnforcerRig rig(kPasskeyOnlyPolicy);
    DeviceBuilder keyboard;
    keyboard.named("Keyboard").uuids(kKeyboardUuids).add_to(rig.mirror);
    EXPECT_TRUE(rig.calls.calls.empty()) << "an advertising keyboard is not acted on";

    rig.set(keyboard.path(), {{"Paired", bluez::PropertyValue(true)}});

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
    rig.set(key.path(), {{"Connected", bluez::PropertyValue(true)}});
    rig.set(key.path(), {{"Paired", bluez::PropertyValue(true)}});
    rig.set(key.path(), {{"Bonded", bluez::PropertyValue(true)}});

    EXPECT_EQ(rig.calls.count("RemoveDevice"), 0U);
    EXPECT_EQ(rig.count(audit::Action::BondKept), 1U);
    EXPECT_EQ(rig.last().rule_id, "fido-keys");
}

TEST(AFidoKeyWhoseServicesResolveToHid, IsRemovedOnceTheUuidsChange) {
    EnforcerRig rig(kPasskeyOnlyPolicy);
    DeviceBuilder liar;
    liar.named("NotAKey").uuids(kFidoUuids).flag("Paired").flag("Connected").add_to(rig.mirror);
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 0U);

    rig.set(liar.path(), {{"UUIDs", bluez::PropertyValue(std::vector<std::string>{
                                        "0000fffd-0000-1000-8000-00805f9b34fb",
                                        "00001812-0000-1000-8000-00805f9b34fb"})}});

    EXPECT_EQ(rig.calls.count("RemoveDevice"), 1U);
    ASSERT_EQ(rig.count(audit::Action::DeviceRemoved), 1U);
    EXPECT_NE(rig.last().device->class_reason.find("0x1812"), std::string::npos)
        << rig.last().device->class_reason;
}

TEST(AFidoKeyWhoseServicesResolveToHid, IsBlockedBeforeItIsRemovedAndRememberedAsASpoof) {
    EnforcerRig rig(kPasskeyOnlyPolicy);
    DeviceBuilder liar;
    liar.named("NotAKey").uuids(kFidoUuids).flag("Paired").flag("Connected").add_to(rig.mirror);
    rig.set(liar.path(), {{"UUIDs", bluez::PropertyValue(kFidoThenHid)}});

    // Blocked = true cuts the link at once, before Disconnect (2 s timer in bluetoothd).
    EXPECT_EQ(methods(rig.calls),
              (std::vector<std::string>{"Block", "Disconnect", "RemoveDevice"}));
    ASSERT_EQ(rig.count(audit::Action::SuspectedSpoof), 1U);
    const auto& spoof = *std::find_if(rig.events.begin(), rig.events.end(), [](const auto& e) {
        return e.action == audit::Action::SuspectedSpoof;
    });
    EXPECT_NE(spoof.reason.find("claimed to be a FIDO authenticator"), std::string::npos)
        << spoof.reason;
    EXPECT_NE(spoof.reason.find("0x1812"), std::string::npos) << spoof.reason;
    const auto* record =
        rig.spoofs.find("AA:BB:CC:DD:EE:01", *policy::parse_rfc3339("2026-12-02T11:59:59Z"));
    ASSERT_NE(record, nullptr) << "remembered for the default 24h";
    EXPECT_EQ(record->until, *policy::parse_rfc3339("2026-12-02T12:00:00Z"));
    EXPECT_EQ(rig.spoofs_changed, 1);
}

TEST(ARememberedSpoof, IsBlockedOnSightRefusedAndUnblockedWhenItsTimeIsUp) {
    EnforcerRig rig(kPasskeyOnlyPolicy);
    DeviceBuilder liar;
    liar.named("NotAKey").uuids(kFidoUuids).flag("Paired").flag("Connected").add_to(rig.mirror);
    rig.set(liar.path(), {{"UUIDs", bluez::PropertyValue(kFidoThenHid)}});
    rig.mirror.interfaces_removed(liar.path(), {"org.bluez.Device1"});
    rig.calls.calls.clear();

    // It advertises again, claiming FIDO only, not bonded: blocked on sight.
    DeviceBuilder again;
    again.named("NotAKey").uuids(kFidoUuids).add_to(rig.mirror);
    rig.calls.settle();
    EXPECT_EQ(methods(rig.calls), std::vector<std::string>{"Block"});
    ASSERT_EQ(rig.last().action, audit::Action::DeviceBlocked);
    EXPECT_EQ(rig.last().outcome, audit::Outcome::Success);
    EXPECT_EQ(rig.last().rule_id, "suspected-spoof");
    rig.set(again.path(), {{"Blocked", bluez::PropertyValue(true)}});
    EXPECT_EQ(rig.calls.count("Block"), 1U) << "blocked once";

    // Refused whatever it claims, and a bond it gets anyway is removed.
    rig.set(again.path(), {{"Paired", bluez::PropertyValue(true)}});
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 1U);

    rig.clock.set("2026-12-02T12:00:01Z");
    std::optional<std::string> error;
    rig.enforcer.spoofs_expired(rig.spoofs.expire(rig.clock.now(), error));
    rig.calls.settle();
    EXPECT_FALSE(error.has_value());
    EXPECT_EQ(rig.spoofs.size(), 0U);
    EXPECT_EQ(rig.calls.calls.back().method, "Unblock");
    EXPECT_EQ(rig.last().action, audit::Action::DeviceUnblocked);
}

/// A suspected spoof remembered from an earlier bond, advertising again unbonded.
void remember_and_see_again(EnforcerRig& rig, DeviceBuilder& again) {
    DeviceBuilder liar;
    liar.named("NotAKey").uuids(kFidoUuids).flag("Paired").flag("Connected").add_to(rig.mirror);
    rig.set(liar.path(), {{"UUIDs", bluez::PropertyValue(kFidoThenHid)}});
    rig.mirror.interfaces_removed(liar.path(), {"org.bluez.Device1"});
    rig.calls.calls.clear();
    rig.events.clear();
    again.named("NotAKey").uuids(kFidoUuids).add_to(rig.mirror);
}

TEST(ABlockOnSightThatFails, IsRetriedUntilBluetoothdAcceptsItAndEndsOnce) {
    EnforcerRig rig(kPasskeyOnlyPolicy);
    DeviceBuilder again;
    remember_and_see_again(rig, again);
    rig.calls.fail_next("Block", RecordingBluezCalls::error(bluez::ErrorKind::Failed), 2);
    rig.calls.settle();
    ASSERT_EQ(rig.count(audit::Action::DeviceBlocked), 1U);
    EXPECT_EQ(rig.last().outcome, audit::Outcome::Failure);
    EXPECT_NE(rig.last().reason.find("retrying"), std::string::npos) << rig.last().reason;

    rig.wait(std::chrono::seconds(1));  // fails again: logged, not audited
    EXPECT_EQ(rig.calls.count("Block"), 2U);
    EXPECT_EQ(rig.count(audit::Action::DeviceBlocked), 1U);
    rig.wait(std::chrono::seconds(2));
    EXPECT_EQ(rig.calls.count("Block"), 3U);
    ASSERT_EQ(rig.count(audit::Action::DeviceBlocked), 2U);
    EXPECT_EQ(rig.last().outcome, audit::Outcome::Success);
    EXPECT_NE(rig.last().reason.find("after 2 failed attempt(s)"), std::string::npos)
        << rig.last().reason;
    rig.wait(std::chrono::seconds(60));
    EXPECT_EQ(rig.calls.count("Block"), 3U) << "done: nothing more is sent";
}

TEST(ABlockOnSightUnderWay, EndsOnceWhenBluetoothdLeavesAndIsSentAgainAfterItReturns) {
    EnforcerRig rig(kPasskeyOnlyPolicy);
    DeviceBuilder again;
    remember_and_see_again(rig, again);
    ASSERT_EQ(rig.calls.waiting("Block"), 1U);
    rig.enforcer.reset();
    rig.calls.cancel_all();
    ASSERT_EQ(rig.count(audit::Action::DeviceBlocked), 1U);
    EXPECT_EQ(rig.last().outcome, audit::Outcome::Unknown);
    EXPECT_NE(rig.last().reason.find("bluetoothd left"), std::string::npos) << rig.last().reason;

    rig.sweep(enforce::SweepKind::Reload);  // bluetoothd is back
    EXPECT_EQ(rig.calls.count("Block"), 2U);
    EXPECT_EQ(rig.count(audit::Action::DeviceBlocked), 2U);
    EXPECT_EQ(rig.last().outcome, audit::Outcome::Success);
}

TEST(AFidoKeyThatFailsVerification, IsASuspectedSpoof) {
    EnforcerRig rig(kPasskeyOnlyPolicy);
    DeviceBuilder key;
    key.named("Fake").uuids(kFidoUuids).flag("Paired").flag("Connected").add_to(rig.mirror);
    policy::Verification failed;
    failed.state = policy::VerificationState::Failed;
    failed.detail = "the authenticator answered authenticatorGetInfo with ERROR 0x01";
    rig.mirror.set_verification(key.path(), failed);
    rig.calls.settle();
    EXPECT_EQ(rig.calls.count("Block"), 1U);
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 1U);
    ASSERT_EQ(rig.count(audit::Action::SuspectedSpoof), 1U);
    EXPECT_NE(rig.spoofs.find("AA:BB:CC:DD:EE:01", rig.clock.now()), nullptr);
}

TEST(AFidoKeyWhoseProbeWasCutShort, IsRemovedButNotASuspectedSpoof) {
    EnforcerRig rig(kPasskeyOnlyPolicy);
    DeviceBuilder key;
    key.named("Slow").uuids(kFidoUuids).flag("Paired").flag("Connected").add_to(rig.mirror);
    policy::Verification inconclusive;
    inconclusive.state = policy::VerificationState::Inconclusive;
    inconclusive.detail = "the device disconnected";
    rig.mirror.set_verification(key.path(), inconclusive);
    rig.calls.settle();
    EXPECT_EQ(rig.count(audit::Action::SuspectedSpoof), 0U);
    EXPECT_EQ(rig.spoofs.size(), 0U);
}

TEST(AKeyboardPairedAroundTheAgent, IsNoSpoofAndIsDisconnectedNotBlocked) {
    EnforcerRig rig(kPasskeyOnlyPolicy);
    DeviceBuilder keyboard;
    keyboard.uuids(kKeyboardUuids).add_to(rig.mirror);
    rig.set(keyboard.path(), {{"Paired", bluez::PropertyValue(true)}});
    EXPECT_EQ(methods(rig.calls), (std::vector<std::string>{"Disconnect", "RemoveDevice"}));
    EXPECT_EQ(rig.count(audit::Action::SuspectedSpoof), 0U);
    EXPECT_EQ(rig.spoofs.size(), 0U);
}

TEST(SpoofBlockZero, BlocksAndRemovesButRemembersNothing) {
    EnforcerRig rig(std::string(kPasskeyOnlyPolicy)
                        .replace(std::string(kPasskeyOnlyPolicy).find("[[rule]]"), 0,
                                 "[fido]\nspoof_block = \"0\"\n"));
    DeviceBuilder liar;
    liar.uuids(kFidoUuids).flag("Paired").flag("Connected").add_to(rig.mirror);
    rig.set(liar.path(), {{"UUIDs", bluez::PropertyValue(kFidoThenHid)}});
    EXPECT_EQ(rig.calls.count("Block"), 1U);
    EXPECT_EQ(rig.count(audit::Action::SuspectedSpoof), 1U);
    EXPECT_EQ(rig.spoofs.size(), 0U);
}

TEST(RssiChurn, NeitherDecidesNorActs) {
    EnforcerRig rig(kPasskeyOnlyPolicy);
    DeviceBuilder keyboard;
    keyboard.uuids(kKeyboardUuids).add_to(rig.mirror);
    for (int i = 0; i < 100; ++i) {
        rig.set(keyboard.path(), {{"RSSI", bluez::UnexpectedType{"n"}}});
    }
    EXPECT_TRUE(rig.calls.calls.empty());
    EXPECT_TRUE(rig.events.empty());
}

TEST(AuditMode, ReportsTheWouldBeRemovalOnceAndCallsNothing) {
    EnforcerRig rig(std::string(kPasskeyOnlyPolicy)
                        .replace(std::string(kPasskeyOnlyPolicy).find("enforce"), 7, "audit"));
    DeviceBuilder keyboard;
    keyboard.uuids(kKeyboardUuids).add_to(rig.mirror);
    rig.set(keyboard.path(), {{"Paired", bluez::PropertyValue(true)}});
    rig.set(keyboard.path(), {{"Trusted", bluez::PropertyValue(true)}});
    rig.set(keyboard.path(), {{"Trusted", bluez::PropertyValue(true)}});

    EXPECT_TRUE(rig.calls.calls.empty());
    // Once: becoming Trusted as well is the same would-be removal, as in enforce mode.
    ASSERT_EQ(rig.count(audit::Action::DeviceRemoved), 1U);
    EXPECT_EQ(rig.last().action, audit::Action::DeviceRemoved);
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
    rig.sweep(enforce::SweepKind::Startup);
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 0U);
    EXPECT_EQ(rig.enforcer.grandfathered_count(), 1U);
    rig.set(old_keyboard.path(), {{"Connected", bluez::PropertyValue(true)}});
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 0U) << "a kept bond may reconnect";

    DeviceBuilder new_keyboard;
    new_keyboard.at("AA:BB:CC:DD:EE:03").uuids(kKeyboardUuids).add_to(rig.mirror);
    rig.set(new_keyboard.path(), {{"Paired", bluez::PropertyValue(true)}});
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 1U);
}

TEST(ExistingBondsKeep, DoesNotGrandfatherABondItIsAlreadyRemoving) {
    // The first start's sweep can come after btfenced saw a bond appear and began removing it
    // (bluetoothd's objects answered late): that bond was made under btfenced's watch.
    EnforcerRig rig(std::string(kPasskeyOnlyPolicy)
                        .replace(std::string(kPasskeyOnlyPolicy).find("default"), 0,
                                 "existing_bonds = \"keep\"\n"));
    DeviceBuilder keyboard;
    keyboard.uuids(kKeyboardUuids).add_to(rig.mirror);
    rig.set_unanswered(keyboard.path(), {{"Paired", bluez::PropertyValue(true)}});
    ASSERT_EQ(rig.calls.count("Disconnect"), 1U) << "the removal is under way";
    rig.sweep(enforce::SweepKind::Startup);
    EXPECT_EQ(rig.enforcer.grandfathered_count(), 0U);
    EXPECT_EQ(rig.count(audit::Action::BondKept), 0U);
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 1U) << "the removal goes on";
}

TEST(ExistingBondsEnforce, RemovesDeniedBondsAtTheStartupSweep) {
    EnforcerRig rig(kPasskeyOnlyPolicy);
    rig.live = false;
    DeviceBuilder keyboard;
    keyboard.uuids(kKeyboardUuids).flag("Paired").add_to(rig.mirror);
    DeviceBuilder key;
    key.at("AA:BB:CC:DD:EE:09").uuids(kFidoUuids).flag("Paired").add_to(rig.mirror);
    rig.live = true;
    rig.sweep(enforce::SweepKind::Startup);
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
    rig.sweep(enforce::SweepKind::Timer);
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 0U);
    rig.clock.set("2026-12-01T13:00:00Z");
    rig.sweep(enforce::SweepKind::Timer);
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 1U);
}

TEST(ADeviceWithMalformedProperties, IsDeniedToFailClosed) {
    EnforcerRig rig(R"(
[policy]
version = 1
default = "allow"
)");
    DeviceBuilder odd;
    odd.properties["UUIDs"] = bluez::PropertyValue(std::string("not-a-list"));
    odd.flag("Paired").add_to(rig.mirror);
    rig.calls.settle();
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 1U);
    EXPECT_EQ(rig.last().rule_id, "malformed-properties");
}

TEST(AFailedRemoval, IsRetriedWithBackoffWithoutWaitingForTheDeviceToChange) {
    EnforcerRig rig(kPasskeyOnlyPolicy);
    rig.calls.fail_next("RemoveDevice", RecordingBluezCalls::error(bluez::ErrorKind::Failed), 2);
    DeviceBuilder keyboard;
    keyboard.uuids(kKeyboardUuids).add_to(rig.mirror);
    rig.set(keyboard.path(), {{"Paired", bluez::PropertyValue(true)}});

    ASSERT_EQ(rig.count(audit::Action::DeviceRemoved), 1U);
    EXPECT_EQ(rig.last().outcome, audit::Outcome::Failure) << "the first failure is audited";
    EXPECT_NE(rig.last().reason.find("retrying"), std::string::npos) << rig.last().reason;
    ASSERT_TRUE(rig.timer.armed().has_value()) << "a retry is due";

    rig.wait(std::chrono::milliseconds(999));
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 1U) << "retried before its backoff";
    rig.wait(std::chrono::milliseconds(1));
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 2U) << "first retry after 1 s";
    EXPECT_EQ(rig.count(audit::Action::DeviceRemoved), 1U) << "later failures are only logged";
    rig.wait(std::chrono::seconds(2));
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 3U) << "second retry 2 s later";

    ASSERT_EQ(rig.count(audit::Action::DeviceRemoved), 2U);
    EXPECT_EQ(rig.last().outcome, audit::Outcome::Success);
    EXPECT_NE(rig.last().reason.find("after 2 failed attempt(s)"), std::string::npos)
        << rig.last().reason;
    EXPECT_FALSE(rig.timer.armed().has_value()) << "no timer once nothing is pending";
    EXPECT_EQ(rig.enforcer.removals_under_way(), 0U);
    EXPECT_EQ(rig.calls.count("Disconnect"), 1U) << "a retry repeats RemoveDevice only";
}

TEST(TheRetryBackoff, DoublesUpToItsCap) {
    EnforcerRig rig(kPasskeyOnlyPolicy);
    rig.calls.fail_always("RemoveDevice", RecordingBluezCalls::error(bluez::ErrorKind::NotReady));
    DeviceBuilder keyboard;
    keyboard.uuids(kKeyboardUuids).add_to(rig.mirror);
    rig.set(keyboard.path(), {{"Paired", bluez::PropertyValue(true)}});
    std::size_t expected = 1;
    for (const int delay : {1, 2, 4, 8, 16, 30, 30}) {
        rig.wait(std::chrono::seconds(delay) - std::chrono::milliseconds(1));
        EXPECT_EQ(rig.calls.count("RemoveDevice"), expected) << "early, before " << delay << " s";
        rig.wait(std::chrono::milliseconds(1));
        EXPECT_EQ(rig.calls.count("RemoveDevice"), ++expected) << "late, after " << delay << " s";
    }
    EXPECT_EQ(rig.count(audit::Action::DeviceRemoved), 1U) << "only the first failure audited";
}

TEST(AnInterfaceOtherThanDevice1GoingAway, DoesNotStopTheRemoval) {
    // bluetoothd drops Battery1 and MediaControl1 when the link goes down, i.e. while the
    // Disconnect of a removal is pending: the removal must go on to RemoveDevice.
    EnforcerRig rig(kPasskeyOnlyPolicy);
    DeviceBuilder headset;
    headset.uuids(kKeyboardUuids).flag("Connected").add_to(rig.mirror);
    rig.set_unanswered(headset.path(), {{"Paired", bluez::PropertyValue(true)}});
    ASSERT_EQ(rig.calls.waiting("Disconnect"), 1U);

    rig.mirror.interfaces_removed(headset.path(),
                                  {"org.bluez.Battery1", "org.bluez.MediaControl1"});
    rig.calls.answer("Disconnect");
    ASSERT_EQ(rig.calls.waiting("RemoveDevice"), 1U) << "RemoveDevice was not sent";
    rig.calls.answer("RemoveDevice");
    ASSERT_EQ(rig.count(audit::Action::DeviceRemoved), 1U);
    EXPECT_EQ(rig.last().outcome, audit::Outcome::Success);
}

TEST(ADisconnectThatTimesOut, StillEndsInRemoveDevice) {
    EnforcerRig rig(kPasskeyOnlyPolicy);
    DeviceBuilder keyboard;
    keyboard.uuids(kKeyboardUuids).flag("Connected").add_to(rig.mirror);
    rig.set_unanswered(keyboard.path(), {{"Paired", bluez::PropertyValue(true)}});
    rig.calls.answer("Disconnect", RecordingBluezCalls::error(bluez::ErrorKind::NoReply));
    ASSERT_EQ(rig.calls.waiting("RemoveDevice"), 1U);
    rig.calls.settle();
    EXPECT_EQ(rig.last().outcome, audit::Outcome::Success);
}

TEST(ARemoveDeviceAnsweredDoesNotExist, EndsTheRemovalAsSuccessWithoutRetrying) {
    EnforcerRig rig(kPasskeyOnlyPolicy);
    rig.calls.fail_next("RemoveDevice", RecordingBluezCalls::error(bluez::ErrorKind::DoesNotExist));
    DeviceBuilder keyboard;
    keyboard.uuids(kKeyboardUuids).add_to(rig.mirror);
    rig.set(keyboard.path(), {{"Paired", bluez::PropertyValue(true)}});
    ASSERT_EQ(rig.count(audit::Action::DeviceRemoved), 1U);
    EXPECT_EQ(rig.last().outcome, audit::Outcome::Success);
    EXPECT_NE(rig.last().reason.find("already removed"), std::string::npos);
    EXPECT_FALSE(rig.timer.armed().has_value());
}

TEST(ADeviceWhoseDevice1VanishesBeforeRemoveDevice, EndsOnceAndSendsNothingMore) {
    EnforcerRig rig(kPasskeyOnlyPolicy);
    DeviceBuilder keyboard;
    keyboard.uuids(kKeyboardUuids).flag("Connected").add_to(rig.mirror);
    rig.set_unanswered(keyboard.path(), {{"Paired", bluez::PropertyValue(true)}});
    rig.mirror.interfaces_removed(keyboard.path(), {"org.bluez.Device1"});
    ASSERT_EQ(rig.count(audit::Action::DeviceRemoved), 1U);
    EXPECT_EQ(rig.last().outcome, audit::Outcome::Unknown) << "the bond may still exist";
    rig.calls.answer("Disconnect");  // a late answer for a removal that has ended
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 0U);
    EXPECT_EQ(rig.count(audit::Action::DeviceRemoved), 1U) << "reported exactly once";
}

TEST(ADevice1ThatVanishesWhileRemoveDeviceIsInFlight, IsASuccessReportedOnce) {
    // bluetoothd removes the object before it replies to RemoveDevice.
    EnforcerRig rig(kPasskeyOnlyPolicy);
    DeviceBuilder keyboard;
    keyboard.uuids(kKeyboardUuids).add_to(rig.mirror);
    rig.set_unanswered(keyboard.path(), {{"Paired", bluez::PropertyValue(true)}});
    rig.calls.answer("Disconnect", RecordingBluezCalls::error(bluez::ErrorKind::NotConnected));
    rig.mirror.interfaces_removed(keyboard.path(), {"org.bluez.Device1"});
    rig.calls.answer("RemoveDevice");
    ASSERT_EQ(rig.count(audit::Action::DeviceRemoved), 1U);
    EXPECT_EQ(rig.last().outcome, audit::Outcome::Success);
}

TEST(BluetoothdLeavingDuringARemoval, EndsItOnceAndTheNextSweepRemovesTheBond) {
    EnforcerRig rig(kPasskeyOnlyPolicy);
    rig.calls.fail_always("RemoveDevice", RecordingBluezCalls::error(bluez::ErrorKind::Failed));
    DeviceBuilder keyboard;
    keyboard.uuids(kKeyboardUuids).flag("Paired").flag("Bonded");
    rig.live = false;
    keyboard.add_to(rig.mirror);
    rig.live = true;
    rig.sweep(enforce::SweepKind::Startup);
    ASSERT_TRUE(rig.timer.armed().has_value());

    rig.enforcer.reset();  // bluetoothd left
    rig.calls.cancel_all();
    EXPECT_FALSE(rig.timer.armed().has_value()) << "no retry against a bluetoothd that left";
    const auto removed = rig.all(audit::Action::DeviceRemoved);
    ASSERT_EQ(removed.size(), 2U) << "the first failure, then the end";
    EXPECT_EQ(removed.back().outcome, audit::Outcome::Unknown);

    // It comes back with the bond (stored keys survive), and it works again.
    rig.calls.fail_always("RemoveDevice", std::nullopt);
    rig.sweep(enforce::SweepKind::Reload);
    EXPECT_EQ(rig.last().outcome, audit::Outcome::Success);
    EXPECT_EQ(rig.enforcer.removals_under_way(), 0U);
}

TEST(AReloadThatAllowsADeviceBeingRemoved, StopsTheRetries) {
    EnforcerRig rig(kPasskeyOnlyPolicy);
    rig.calls.fail_always("RemoveDevice", RecordingBluezCalls::error(bluez::ErrorKind::Failed));
    DeviceBuilder keyboard;
    keyboard.uuids(kKeyboardUuids).add_to(rig.mirror);
    rig.set(keyboard.path(), {{"Paired", bluez::PropertyValue(true)}});
    ASSERT_TRUE(rig.timer.armed().has_value());

    rig.policy.write(std::string(kPasskeyOnlyPolicy) + R"(
[[rule]]
id = "kbd"
verdict = "allow"
address = ["AA:BB:CC:DD:EE:01"]
)");
    ASSERT_FALSE(rig.policy.store().load().has_value());
    rig.sweep(enforce::SweepKind::Reload);
    EXPECT_FALSE(rig.timer.armed().has_value());
    EXPECT_EQ(rig.enforcer.removals_under_way(), 0U);
    const auto sent = rig.calls.count("RemoveDevice");
    rig.wait(std::chrono::minutes(5));
    EXPECT_EQ(rig.calls.count("RemoveDevice"), sent) << "an allowed bond must be kept";
    EXPECT_EQ(rig.count(audit::Action::BondKept), 1U);
}

TEST(ARemovalWithABlockStep, BlocksThenDisconnectsThenRemoves) {
    RecordingBluezCalls calls;
    FakeWakeupTimer timer;
    retry::RetryQueue retries(timer, {});
    std::vector<audit::Event> events;
    enforce::Remover remover(calls, retries, [&](audit::Event e) { events.push_back(e); });
    const bluez::DevicePath device("/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01");
    remover.start(device, enforce::RemovalPlan{.block_first = true}, audit::Event{});
    remover.start(device, enforce::RemovalPlan{.block_first = true}, audit::Event{});
    calls.answer("Block", RecordingBluezCalls::error(bluez::ErrorKind::Failed));
    calls.settle();
    ASSERT_EQ(calls.calls.size(), 3U) << "one removal, however often it is asked for";
    EXPECT_EQ(calls.calls[0].method, "Block");
    EXPECT_EQ(calls.calls[1].method, "Disconnect");
    EXPECT_EQ(calls.calls[2].method, "RemoveDevice");
    EXPECT_EQ(calls.calls[2].path, "/org/bluez/hci0");
    ASSERT_EQ(events.size(), 1U);
    EXPECT_EQ(events[0].outcome, audit::Outcome::Success);
}

// A reload that allows a device whose RemoveDevice bluetoothd already has cannot call that
// call back: the removal ends with its answer, and the audit trail says what happened.
struct RemovalInFlight {
    RemovalInFlight() {
        remover.start(device, enforce::RemovalPlan{}, audit::Event{});
        calls.answer("Disconnect", RecordingBluezCalls::error(bluez::ErrorKind::NotConnected));
    }
    RecordingBluezCalls calls;
    FakeWakeupTimer timer;
    retry::RetryQueue retries{timer, retry::BackoffSettings{}};
    std::vector<audit::Event> events;
    enforce::Remover remover{calls, retries, [this](audit::Event e) { events.push_back(e); }};
    const bluez::DevicePath device{"/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01"};
};

TEST(ARemovalWithdrawnWhileRemoveDeviceIsInFlight, IsARemovalWhenBluetoothdCarriesItOut) {
    RemovalInFlight rig;
    rig.remover.withdraw(rig.device.str());
    EXPECT_TRUE(rig.events.empty()) << "not told before bluetoothd answers";
    EXPECT_FALSE(rig.remover.active(rig.device.str()));
    rig.calls.answer("RemoveDevice");
    ASSERT_EQ(rig.events.size(), 1U);
    EXPECT_EQ(rig.events[0].outcome, audit::Outcome::Success);
    EXPECT_NE(rig.events[0].reason.find("RemoveDevice had already been sent"), std::string::npos)
        << rig.events[0].reason;
}

TEST(ARemovalWithdrawnWhileRemoveDeviceIsInFlight, IsARemovalWhenTheDeviceVanishes) {
    RemovalInFlight rig;
    rig.remover.withdraw(rig.device.str());
    rig.remover.device_gone(rig.device.str());
    ASSERT_EQ(rig.events.size(), 1U);
    EXPECT_EQ(rig.events[0].outcome, audit::Outcome::Success);
    rig.calls.answer("RemoveDevice");
    EXPECT_EQ(rig.events.size(), 1U) << "ended once";
}

TEST(ARemovalWithdrawnWhileRemoveDeviceIsInFlight, EndsWithdrawnWithoutRetryWhenItFails) {
    RemovalInFlight rig;
    rig.remover.withdraw(rig.device.str());
    rig.calls.answer("RemoveDevice", RecordingBluezCalls::error(bluez::ErrorKind::NoReply));
    ASSERT_EQ(rig.events.size(), 1U);
    EXPECT_EQ(rig.events[0].outcome, audit::Outcome::Unknown);
    EXPECT_NE(rig.events[0].reason.find("may still take effect"), std::string::npos)
        << rig.events[0].reason;
    EXPECT_FALSE(rig.timer.armed().has_value()) << "an allowed device is not removed again";
    EXPECT_EQ(rig.remover.active_count(), 0U);
}

TEST(ARemovalWithdrawnWhileRemoveDeviceIsInFlight, GoesOnWhenTheDeviceIsDeniedAgain) {
    RemovalInFlight rig;
    rig.remover.withdraw(rig.device.str());
    rig.remover.start(rig.device, enforce::RemovalPlan{}, audit::Event{});
    EXPECT_TRUE(rig.remover.active(rig.device.str()));
    rig.calls.answer("RemoveDevice", RecordingBluezCalls::error(bluez::ErrorKind::Failed));
    EXPECT_TRUE(rig.timer.armed().has_value()) << "retried as any denied device's removal";
    rig.timer.advance(std::chrono::minutes(1));
    rig.calls.answer("RemoveDevice");
    ASSERT_EQ(rig.events.size(), 2U) << "the first failure, then the end";
    EXPECT_EQ(rig.events[1].outcome, audit::Outcome::Success);
    EXPECT_EQ(rig.events[1].reason.find("already been sent"), std::string::npos);
}

}  // namespace
}  // namespace btfence::testing
