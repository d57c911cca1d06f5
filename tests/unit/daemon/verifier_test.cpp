// Pending verification as a state: a key whose verdict depends on its CTAP probe keeps its
// bond while the probe runs, is decided on the result, and a probe cut short by a disconnect
// is retried at the next connection, a bounded number of times, then fails closed.
// The probe is a shell script that prints the verdict the test wrote to a file.
#include "verify/verifier.hpp"

#include <gtest/gtest.h>
#include <systemd/sd-event.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "device_builder.hpp"
#include "enforce/enforcer.hpp"
#include "fakes.hpp"
#include "script_file.hpp"

namespace btfence::testing {
namespace {

constexpr const char* kAaguid = "cb69481e-8ff7-4039-93ec-0a2729a154a8";

// policy/examples/passkey-only.toml's stricter rule, alone. The fallback wait is long so
// that only the tests about it see it fire.
const std::string kIssuedKeysOnly = std::string(R"(
[policy]
version = 1
default = "deny"
[fido]
verify = true
probe_timeout_ms = 60000
[[rule]]
id = "issued-keys"
verdict = "allow"
class = ["fido-ble"]
verified = true
aaguid = [")") + kAaguid + R"("]
)";

constexpr const char* kPassed =
    R"({"passed": true, "inconclusive": false, "aaguid": "cb69481e-8ff7-4039-93ec-0a2729a154a8", "detail": "CTAP2 with rk"})";
constexpr const char* kInterrupted =
    R"({"passed": false, "inconclusive": true, "aaguid": null, "detail": "the device disconnected"})";

class VerifierRig : public bluez::MirrorObserver {
  public:
    explicit VerifierRig(const std::string& policy_text = kIssuedKeysOnly)
        : verdict_file(std::filesystem::temp_directory_path() /
                       ("btfence-verdict-" + std::to_string(getpid()))),
          probe("echo run >> '" + verdict_file.string() + ".runs'; cat '" + verdict_file.string() +
                "'"),
          policy(policy_text),
          grandfathered(state::StateFile(policy.dir() / "grandfathered-bonds.json")),
          enforcer(mirror, calls, retries, policy.store(), clock, grandfathered,
                   [this](audit::Event e) { events.push_back(std::move(e)); }),
          verifier(loop, mirror, policy.store(), clock, probe.path(),
                   [this](audit::Event e) { events.push_back(std::move(e)); }) {
        mirror.set_observer(this);
        add_adapter(mirror, "hci0", "00:AA:01:00:00:00");
        key.uuids(kFidoUuids).at("C0:FF:EE:00:00:01");
    }
    ~VerifierRig() override {
        mirror.set_observer(nullptr);
        std::filesystem::remove(verdict_file);
        std::filesystem::remove(verdict_file.string() + ".runs");
    }
    VerifierRig(const VerifierRig&) = delete;
    VerifierRig& operator=(const VerifierRig&) = delete;

    // Routed as Daemon::device_changed routes them.
    void device_changed(const bluez::DeviceState& d, bluez::FactChanges c, bool added) override {
        enforcer.device_changed(d, c, added);
        if (const auto* still_there = mirror.device(d.path)) {
            verifier.consider(*still_there);
        }
    }
    void device_removed(const std::string& path) override {
        enforcer.device_removed(path);
        verifier.device_removed(path);
    }
    void adapter_added(const bluez::AdapterState&) override {}
    void adapter_removed(const std::string&) override {}
    void adapter_allowlist_changed(const bluez::AdapterState&) override {}
    void device_unknown(const std::string&) override {}

    void next_verdict(const char* json) { std::ofstream(verdict_file) << json << "\n"; }

    /// A PropertiesChanged; bluetoothd then answers the calls it caused.
    void set(const char* property, bool value) {
        mirror.properties_changed(key.path(), "org.bluez.Device1",
                                  {{property, bluez::PropertyValue(value)}});
        calls.settle();
    }
    void reconnect() {
        set("ServicesResolved", false);
        set("Connected", false);
        set("Connected", true);
        set("ServicesResolved", true);
    }

    [[nodiscard]] std::size_t count(audit::Action action) const {
        std::size_t n = 0;
        for (const auto& event : events) {
            n += event.action == action ? 1U : 0U;
        }
        return n;
    }

    /// Runs the loop (bluetoothd answering every call meanwhile) until `n` events of
    /// `action` were emitted; false after 30 s.
    bool run_until(audit::Action action, std::size_t n = 1) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        calls.settle();
        while (count(action) < n) {
            if (std::chrono::steady_clock::now() > deadline) {
                return false;
            }
            sd_event_run(loop.get(), 100'000);
            calls.settle();
        }
        return true;
    }

    [[nodiscard]] const policy::Verification& verification() const {
        return *mirror.device(key.path())->facts.verification;
    }

    std::filesystem::path verdict_file;
    ScriptFile probe;
    loop::EventLoop loop;
    bluez::BluezMirror mirror;
    RecordingBluezCalls calls;
    FakeWakeupTimer timer;
    retry::RetryQueue retries{timer, retry::BackoffSettings{}};
    FixedClock clock{"2026-12-01T12:00:00Z"};
    TempPolicy policy;
    std::vector<audit::Event> events;
    enforce::GrandfatheredBonds grandfathered;
    enforce::Enforcer enforcer;
    verify::Verifier verifier;
    DeviceBuilder key;
};

TEST(AKeyUnderAVerifiedAaguidOnlyPolicy, KeepsItsBondWhileItsProbeRunsAndAfterItPasses) {
    VerifierRig rig;
    rig.next_verdict(kPassed);
    rig.key.flag("Paired").flag("Bonded").flag("Connected").flag("ServicesResolved");
    rig.key.add_to(rig.mirror);

    EXPECT_TRUE(rig.verifier.probing(rig.key.path()));
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 0U) << "pending: the probe needs the bond";
    ASSERT_FALSE(rig.events.empty());
    EXPECT_EQ(rig.events.back().action, audit::Action::BondKept);
    EXPECT_EQ(rig.events.back().rule_id, "verification-pending");

    ASSERT_TRUE(rig.run_until(audit::Action::VerificationPassed));
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 0U);
    EXPECT_TRUE(rig.verification().passed());
    const auto& passed = rig.events.back();
    EXPECT_EQ(passed.action, audit::Action::VerificationPassed);
    EXPECT_EQ(passed.rule_id, "issued-keys");
    EXPECT_EQ(passed.device->aaguid, kAaguid);
}

TEST(AKeyUnderAVerifiedAaguidOnlyPolicy, IsRemovedWhenItPassesWithAnotherAaguid) {
    VerifierRig rig;
    rig.next_verdict(
        R"({"passed": true, "aaguid": "ee882879-721c-4913-9775-3dfcce97072a", "detail": "ok"})");
    rig.key.flag("Paired").flag("Connected").flag("ServicesResolved").add_to(rig.mirror);
    ASSERT_TRUE(rig.run_until(audit::Action::VerificationPassed));
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 1U);
    EXPECT_EQ(rig.events.back().rule_id, "default");
}

TEST(AKeyWhoseProbeIsCutShortByADisconnect, KeepsItsBondAndIsVerifiedAtItsNextConnection) {
    VerifierRig rig;
    rig.next_verdict(kInterrupted);
    rig.key.flag("Paired").flag("Connected").flag("ServicesResolved").add_to(rig.mirror);
    ASSERT_TRUE(rig.run_until(audit::Action::VerificationInconclusive));

    const auto& interrupted = rig.events.back();
    EXPECT_EQ(interrupted.outcome, audit::Outcome::Unknown);
    EXPECT_NE(interrupted.reason.find("1 of 3"), std::string::npos) << interrupted.reason;
    EXPECT_EQ(rig.count(audit::Action::VerificationFailed), 0U) << "not a spoof";
    EXPECT_EQ(rig.verification().state, policy::VerificationState::Pending);
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 0U);
    EXPECT_FALSE(rig.verifier.probing(rig.key.path()))
        << "the mirror still shows the link up: the retry waits for a new connection";

    rig.set("Connected", false);
    EXPECT_FALSE(rig.verifier.probing(rig.key.path()));
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 0U) << "kept while away";

    rig.next_verdict(kPassed);
    rig.set("Connected", true);
    rig.set("ServicesResolved", true);
    EXPECT_TRUE(rig.verifier.probing(rig.key.path()));
    ASSERT_TRUE(rig.run_until(audit::Action::VerificationPassed));
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 0U);
    EXPECT_EQ(rig.events.back().rule_id, "issued-keys");
}

TEST(AKeyWhoseProbeIsCutShortEveryTime, IsDeniedAfterTheLastAttemptButNotAsASpoof) {
    VerifierRig rig;
    rig.next_verdict(kInterrupted);
    rig.key.flag("Paired").flag("Connected").flag("ServicesResolved").add_to(rig.mirror);
    for (int attempt = 1; attempt < verify::kMaxProbeAttempts; ++attempt) {
        ASSERT_TRUE(rig.run_until(audit::Action::VerificationInconclusive,
                                  static_cast<std::size_t>(attempt)));
        EXPECT_EQ(rig.calls.count("RemoveDevice"), 0U) << "attempt " << attempt;
        rig.reconnect();
    }
    ASSERT_TRUE(rig.run_until(audit::Action::VerificationInconclusive,
                              static_cast<std::size_t>(verify::kMaxProbeAttempts)));
    EXPECT_EQ(rig.verification().state, policy::VerificationState::Inconclusive);
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 1U);
    EXPECT_EQ(rig.count(audit::Action::VerificationFailed), 0U);
    const auto& removed = rig.events.back();
    EXPECT_EQ(removed.action, audit::Action::DeviceRemoved);
    EXPECT_EQ(removed.rule_id, "verification-inconclusive");

    rig.reconnect();
    EXPECT_FALSE(rig.verifier.probing(rig.key.path())) << "no more attempts";
}

TEST(AKeyThatFailsItsProbe, IsRemovedAsASuspectedSpoofAtOnce) {
    VerifierRig rig;
    rig.next_verdict(R"({"passed": false, "inconclusive": false, "detail": "versions U2F_V2"})");
    rig.key.flag("Paired").flag("Connected").flag("ServicesResolved").add_to(rig.mirror);
    ASSERT_TRUE(rig.run_until(audit::Action::VerificationFailed));
    EXPECT_EQ(rig.verification().state, policy::VerificationState::Failed);
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 1U);
    EXPECT_EQ(rig.events.back().rule_id, "verification-failed");
}

TEST(ABondedKeyWhoseServicesNeverResolve, IsProbedAnywayOnceTheProbeTimeoutHasPassed) {
    // Pending is bounded while connected: without this, a device that keeps the link up and
    // never finishes discovery would keep its bond unverified for as long as it likes.
    std::string policy = kIssuedKeysOnly;
    policy.replace(policy.find("60000"), 5, "100");
    VerifierRig rig(policy);
    rig.next_verdict(kPassed);
    rig.key.flag("Paired").flag("Connected").add_to(rig.mirror);
    EXPECT_FALSE(rig.verifier.probing(rig.key.path())) << "waits for ServicesResolved first";
    ASSERT_TRUE(rig.run_until(audit::Action::VerificationPassed));
}

TEST(AKeyThatDisconnectsBeforeItsProbeStarts, StaysPendingUntilItIsBack) {
    VerifierRig rig;
    rig.next_verdict(kPassed);
    rig.key.flag("Paired").add_to(rig.mirror);  // bonded earlier, not around
    EXPECT_FALSE(rig.verifier.probing(rig.key.path()));
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 0U);
    rig.set("Connected", true);
    rig.set("ServicesResolved", true);
    ASSERT_TRUE(rig.run_until(audit::Action::VerificationPassed));
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 0U);
}

}  // namespace
}  // namespace btfence::testing
