// Layer 1: how btfenced answers bluetoothd's Agent1 requests.
#include "pairing/pairing_gate.hpp"

#include <gtest/gtest.h>

#include "device_builder.hpp"
#include "fakes.hpp"

namespace btfence::testing {
namespace {

using pairing::AgentRequest;

struct GateRig {
    explicit GateRig(const std::string& toml = kPasskeyOnlyPolicy)
        : policy(toml), gate(mirror, policy.store(), clock) {
        add_adapter(mirror, "hci0", "00:AA:01:00:00:00");
        add_adapter(mirror, "hci1", "00:AA:01:01:00:01");
        keyboard.named("Keyboard").uuids(kKeyboardUuids).add_to(mirror);
        key.at("AA:BB:CC:DD:EE:0F").named("YubiKey").uuids(kFidoUuids).add_to(mirror);
        mirror.set_loaded();  // GetManagedObjects answered
    }
    bluez::BluezMirror mirror;
    FixedClock clock{"2026-12-01T12:00:00Z"};
    TempPolicy policy;
    pairing::PairingGate gate;
    DeviceBuilder keyboard;
    DeviceBuilder key;
};

TEST(TheGate, AcceptsAFidoKeyForEveryRefusableRequest) {
    GateRig rig;
    for (auto request : {AgentRequest::RequestAuthorization, AgentRequest::RequestConfirmation,
                         AgentRequest::AuthorizeService}) {
        const auto answer = rig.gate.decide(request, rig.key.path());
        EXPECT_TRUE(answer.accept) << to_string(request);
        EXPECT_EQ(answer.event.rule_id, "fido-keys");
        EXPECT_EQ(answer.event.outcome, audit::Outcome::Success);
    }
    EXPECT_EQ(rig.gate.decide(AgentRequest::RequestAuthorization, rig.key.path()).event.action,
              audit::Action::PairingAllowed);
    EXPECT_EQ(rig.gate.decide(AgentRequest::AuthorizeService, rig.key.path()).event.action,
              audit::Action::ServiceAuthorized);
}

TEST(TheGate, RefusesEvenAnAllowedKeyUntilBluetoothdsObjectsAreLoaded) {
    GateRig rig;
    rig.mirror.clear();  // bluetoothd restarted; its GetManagedObjects has not succeeded yet
    rig.key.add_to(rig.mirror);  // known from a signal only
    const auto answer = rig.gate.decide(AgentRequest::RequestAuthorization, rig.key.path());
    EXPECT_FALSE(answer.accept);
    EXPECT_EQ(answer.event.action, audit::Action::PairingDenied);
    EXPECT_EQ(answer.event.rule_id, "bluez-not-loaded");
    EXPECT_NE(answer.event.reason.find("GetManagedObjects"), std::string::npos);

    rig.mirror.set_loaded();
    EXPECT_TRUE(rig.gate.decide(AgentRequest::RequestAuthorization, rig.key.path()).accept);
}

TEST(TheGate, RefusesAKeyboardAndSaysWhy) {
    GateRig rig;
    const auto answer = rig.gate.decide(AgentRequest::RequestAuthorization, rig.keyboard.path());
    EXPECT_FALSE(answer.accept);
    EXPECT_EQ(answer.event.action, audit::Action::PairingDenied);
    EXPECT_EQ(answer.event.rule_id, "default");
    EXPECT_NE(answer.error_message.find("0x1812"), std::string::npos) << answer.error_message;
    EXPECT_EQ(answer.event.trigger, "RequestAuthorization");
}

TEST(TheGate, RefusesPasskeyEntryEvenForAllowedKeys) {
    GateRig rig;
    for (auto request : {AgentRequest::RequestPasskey, AgentRequest::RequestPinCode}) {
        const auto answer = rig.gate.decide(request, rig.key.path());
        EXPECT_FALSE(answer.accept) << to_string(request);
        EXPECT_NE(answer.event.reason.find("cannot enter a passkey"), std::string::npos);
    }
}

TEST(TheGate, AcknowledgesDisplayRequestsItCannotRefuse) {
    GateRig rig;
    const auto answer = rig.gate.decide(AgentRequest::DisplayPasskey, rig.keyboard.path());
    EXPECT_TRUE(answer.accept);
    EXPECT_EQ(answer.event.action, audit::Action::PasskeyDisplayed);
    EXPECT_EQ(answer.event.verdict, policy::Verdict::Deny) << "the verdict is still recorded";
}

TEST(TheGate, RefusesADeviceItHasNeverSeen) {
    GateRig rig;
    const auto answer = rig.gate.decide(AgentRequest::RequestAuthorization,
                                        "/org/bluez/hci0/dev_00_00_00_00_00_01");
    EXPECT_FALSE(answer.accept);
    EXPECT_EQ(answer.event.rule_id, "unknown-device");
}

TEST(TheGate, AcceptsEverythingOnAnUnmanagedAdapter) {
    GateRig rig(std::string(kPasskeyOnlyPolicy)
                    .replace(std::string(kPasskeyOnlyPolicy).find("default"), 0,
                             "adapters = [\"hci1\"]\n"));
    const auto answer = rig.gate.decide(AgentRequest::RequestAuthorization, rig.keyboard.path());
    EXPECT_TRUE(answer.accept);
    EXPECT_EQ(answer.event.rule_id, "unmanaged-adapter");
}

TEST(TheGateInAuditMode, AcceptsButRecordsTheDenial) {
    GateRig rig(std::string(kPasskeyOnlyPolicy)
                    .replace(std::string(kPasskeyOnlyPolicy).find("enforce"), 7, "audit"));
    const auto answer = rig.gate.decide(AgentRequest::RequestConfirmation, rig.keyboard.path());
    EXPECT_TRUE(answer.accept);
    EXPECT_EQ(answer.event.mode, policy::Mode::Audit);
    EXPECT_EQ(answer.event.verdict, policy::Verdict::Deny);
    EXPECT_NE(answer.event.message.find("would refuse"), std::string::npos);
}

}  // namespace
}  // namespace btfence::testing
