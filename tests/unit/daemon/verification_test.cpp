// Layer 3 on the daemon side: reading the probe's verdict, running it as a child process,
// and what a failed verification does to a device that claims to be a FIDO key.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "device_builder.hpp"
#include "enforce/enforcer.hpp"
#include "fakes.hpp"
#include "script_file.hpp"
#include "verify/probe_runner.hpp"
#include "verify/verifier.hpp"

namespace btfence::testing {
namespace {

TEST(TheProbeOutput, GivesAPassWithItsAaguid) {
    const auto result = verify::parse_probe_output(
        R"({"passed": true, "aaguid": "90A3CCDF-635C-4729-A248-9B709135078F", "versions": ["FIDO_2_0"], "rk": true, "detail": "CTAP2 with rk"})"
        "\n",
        0);
    EXPECT_EQ(result.state, policy::VerificationState::Passed);
    EXPECT_EQ(result.aaguid, "90a3ccdf-635c-4729-a248-9b709135078f");
    EXPECT_EQ(result.detail, "CTAP2 with rk");
}

TEST(TheProbeOutput, IsAFailureWhenItIsNotAVerdict) {
    using policy::VerificationState;
    EXPECT_EQ(verify::parse_probe_output("", 0).state, VerificationState::Failed);
    EXPECT_EQ(verify::parse_probe_output("garbage\n", 0).state, VerificationState::Failed);
    EXPECT_EQ(verify::parse_probe_output(R"({"passed": "yes"})", 0).state,
              VerificationState::Failed);
    const auto crashed = verify::parse_probe_output(R"({"passed": true})", 139);
    EXPECT_EQ(crashed.state, VerificationState::Failed) << "a crashed probe proves nothing";
    EXPECT_NE(crashed.detail.find("139"), std::string::npos);
}

TEST(TheProbeOutput, TellsAnInterruptedProbeFromAFailedOne) {
    const auto interrupted = verify::parse_probe_output(
        R"({"passed": false, "inconclusive": true, "detail": "the device disconnected"})", 0);
    EXPECT_EQ(interrupted.state, policy::VerificationState::Inconclusive);
    EXPECT_EQ(interrupted.detail, "the device disconnected");
    const auto failed = verify::parse_probe_output(
        R"({"passed": false, "inconclusive": false, "detail": "rk=false"})", 0);
    EXPECT_EQ(failed.state, policy::VerificationState::Failed);
}

TEST(TheProbeRunner, RunsTheProbeAsAChildAndPassesItTheDevice) {
    // The fake probe echoes its arguments back in `detail`.
    ScriptFile probe(
        R"(printf '{"passed": true, "aaguid": "", "detail": "%s %s %s %s"}\n' "$1" "$2" "$3" "$4")");
    loop::EventLoop loop;
    std::optional<policy::Verification> seen;
    std::string seen_path;
    verify::ProbeRunner runner(loop, probe.path(),
                               [&](const std::string& path, policy::Verification result) {
                                   seen_path = path;
                                   seen = std::move(result);
                                   loop.exit(0);
                               });
    runner.start("/org/bluez/hci0/dev_AA", std::chrono::milliseconds(1500));
    EXPECT_TRUE(runner.running("/org/bluez/hci0/dev_AA"));
    ASSERT_EQ(loop.run(), 0);
    ASSERT_TRUE(seen.has_value());
    EXPECT_TRUE(seen->passed());
    EXPECT_EQ(seen_path, "/org/bluez/hci0/dev_AA");
    EXPECT_EQ(seen->detail, "--device /org/bluez/hci0/dev_AA --timeout-ms 1500");
    EXPECT_FALSE(runner.running("/org/bluez/hci0/dev_AA"));
}

TEST(TheProbeRunner, ReportsAMissingProbeAsInconclusiveNotAsASpoof) {
    // Not the device's doing: a missing probe must never brand a key a suspected spoof.
    loop::EventLoop loop;
    std::optional<policy::Verification> seen;
    verify::ProbeRunner runner(loop, "/nonexistent/btfence-probe",
                               [&](const std::string&, policy::Verification result) {
                                   seen = std::move(result);
                                   loop.exit(0);
                               });
    runner.start("/org/bluez/hci0/dev_AA", std::chrono::milliseconds(100));
    EXPECT_FALSE(seen.has_value()) << "reported from the loop, not from inside start()";
    ASSERT_EQ(loop.run(), 0);
    ASSERT_TRUE(seen.has_value());
    EXPECT_EQ(seen->state, policy::VerificationState::Inconclusive);
}

class VerificationRig : public bluez::MirrorObserver {
  public:
    VerificationRig()
        : policy(kPasskeyOnlyPolicy),
          grandfathered(state::StateFile(policy.dir() / "grandfathered-bonds.json")),
          enforcer(mirror, calls, retries, policy.store(), clock, grandfathered,
                   [this](audit::Event e) { events.push_back(std::move(e)); }) {
        mirror.set_observer(this);
        add_adapter(mirror, "hci0", "00:AA:01:00:00:00");
    }
    void device_changed(const bluez::DeviceState& d, bluez::FactChanges c, bool added) override {
        enforcer.device_changed(d, c, added);
    }
    void device_removed(const std::string& path) override { enforcer.device_removed(path); }
    void adapter_added(const bluez::AdapterState&) override {}
    void adapter_removed(const std::string&) override {}
    void adapter_allowlist_changed(const bluez::AdapterState&) override {}
    void device_unknown(const std::string&) override {}

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

TEST(AKeyThatFailsVerification, IsRemovedAsASuspectedSpoof) {
    VerificationRig rig;
    DeviceBuilder key;
    key.uuids(kFidoUuids).flag("Paired").flag("Connected").add_to(rig.mirror);
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 0U) << "allowed while the probe runs";

    policy::Verification failed;
    failed.state = policy::VerificationState::Failed;
    failed.detail = "versions [U2F_V2] only";
    rig.mirror.set_verification(key.path(), failed);
    rig.calls.settle();

    EXPECT_EQ(rig.calls.count("RemoveDevice"), 1U);
    EXPECT_EQ(rig.events.back().rule_id, "verification-failed");
    EXPECT_NE(rig.events.back().reason.find("U2F_V2"), std::string::npos);
}

TEST(AKeyThatPassesVerification, KeepsItsBond) {
    VerificationRig rig;
    DeviceBuilder key;
    key.uuids(kFidoUuids).flag("Paired").flag("Connected").add_to(rig.mirror);
    policy::Verification passed;
    passed.state = policy::VerificationState::Passed;
    passed.aaguid = "90a3ccdf-635c-4729-a248-9b709135078f";
    rig.mirror.set_verification(key.path(), passed);
    rig.calls.settle();
    EXPECT_EQ(rig.calls.count("RemoveDevice"), 0U);
}

TEST(TheProbe, StartsOnlyOnceABondedConnectedKeyHasItsServicesResolved) {
    TempPolicy policy(kPasskeyOnlyPolicy);  // [fido] verify defaults to on
    bluez::BluezMirror mirror;
    add_adapter(mirror, "hci0", "00:AA:01:00:00:00");
    DeviceBuilder key;
    key.uuids(kFidoUuids).flag("Paired").flag("Connected").add_to(mirror);
    EXPECT_FALSE(verify::wants_probe(policy.store().current(), *mirror.device(key.path())))
        << "GATT discovery is still running: the probe would spend its budget waiting";

    mirror.properties_changed(key.path(), "org.bluez.Device1",
                              {{"ServicesResolved", bluez::PropertyValue(true)}});
    EXPECT_TRUE(verify::wants_probe(policy.store().current(), *mirror.device(key.path())));

    policy::Verification done;
    done.state = policy::VerificationState::Passed;
    mirror.set_verification(key.path(), done);
    EXPECT_FALSE(verify::wants_probe(policy.store().current(), *mirror.device(key.path())))
        << "probed once per device";
}

TEST(TheProbe, IsNotDueForADeviceThatServesMoreThanFido) {
    TempPolicy policy(kPasskeyOnlyPolicy);
    bluez::BluezMirror mirror;
    DeviceBuilder liar;  // advertised 0xFFFD; its resolved services include HID
    liar.uuids({kFidoUuids[0], kKeyboardUuids[0]})
        .flag("Paired")
        .flag("Connected")
        .flag("ServicesResolved")
        .add_to(mirror);
    EXPECT_FALSE(verify::wants_probe(policy.store().current(), *mirror.device(liar.path())));
}

}  // namespace
}  // namespace btfence::testing
