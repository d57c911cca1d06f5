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

TEST(TheGate, AcceptsAFidoKeyForEveryRefusablePairingRequest) {
    GateRig rig;
    for (auto request : {AgentRequest::RequestAuthorization, AgentRequest::RequestConfirmation}) {
        const auto answer = rig.gate.decide(request, rig.key.path());
        EXPECT_TRUE(answer.accept) << to_string(request);
        EXPECT_EQ(answer.event.rule_id, "fido-keys");
        EXPECT_EQ(answer.event.outcome, audit::Outcome::Success);
    }
    EXPECT_EQ(rig.gate.decide(AgentRequest::RequestAuthorization, rig.key.path()).event.action,
              audit::Action::PairingAllowed);
}

constexpr const char* kObexPush = "0000110b-0000-1000-8000-00805f9b34fb";
constexpr const char* kHid = "00001124-0000-1000-8000-00805f9b34fb";

TEST(TheGateAuthorizingServices, GrantsNoServiceARuleDoesNotList) {
    GateRig rig;  // fido-keys lists no services: FIDO over GATT needs none
    const auto answer = rig.gate.decide(AgentRequest::AuthorizeService, rig.key.path(), kHid);
    EXPECT_FALSE(answer.accept);
    EXPECT_EQ(answer.event.action, audit::Action::ServiceDenied);
    EXPECT_EQ(answer.event.rule_id, "fido-keys");
    EXPECT_EQ(answer.event.service, kHid);
    EXPECT_NE(answer.event.reason.find("does not list service 0x1124"), std::string::npos)
        << answer.event.reason;
}

TEST(TheGateAuthorizingServices, GrantsExactlyTheServicesTheDecidingRuleLists) {
    GateRig rig(std::string(kPasskeyOnlyPolicy) + "services = [\"0x110B\"]\n");
    const auto granted = rig.gate.decide(AgentRequest::AuthorizeService, rig.key.path(),
                                         "0000110B-0000-1000-8000-00805F9B34FB");
    EXPECT_TRUE(granted.accept);
    EXPECT_EQ(granted.event.action, audit::Action::ServiceAuthorized);
    EXPECT_EQ(granted.event.service, kObexPush) << "named in canonical form";
    EXPECT_NE(granted.event.message.find("0x110B"), std::string::npos) << granted.event.message;
    EXPECT_FALSE(rig.gate.decide(AgentRequest::AuthorizeService, rig.key.path(), kHid).accept);
    // A denied device gets no service, whatever another rule lists.
    EXPECT_FALSE(
        rig.gate.decide(AgentRequest::AuthorizeService, rig.keyboard.path(), kObexPush).accept);
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
        EXPECT_NE(answer.event.reason.find("never enters a passkey or PIN"), std::string::npos);
        EXPECT_EQ(answer.event.verdict, policy::Verdict::Deny);
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

TEST(TheGate, RefusesEverythingOnAnUnmanagedAdapterAsBluetoothdDoesWithNoAgent) {
    GateRig rig(std::string(kPasskeyOnlyPolicy)
                    .replace(std::string(kPasskeyOnlyPolicy).find("default"), 0,
                             "adapters = [\"hci1\"]\n"));
    for (auto request : {AgentRequest::RequestAuthorization, AgentRequest::RequestConfirmation,
                         AgentRequest::AuthorizeService, AgentRequest::RequestPasskey,
                         AgentRequest::RequestPinCode}) {
        for (const auto* device : {&rig.keyboard, &rig.key}) {
            const auto answer = rig.gate.decide(request, device->path(), kHid);
            EXPECT_FALSE(answer.accept) << to_string(request);
            EXPECT_EQ(answer.event.rule_id, "unmanaged-adapter");
            EXPECT_EQ(answer.event.verdict, policy::Verdict::Deny);
            EXPECT_NE(answer.event.reason.find("as bluetoothd refuses when no agent"),
                      std::string::npos)
                << answer.event.reason;
        }
    }
}

TEST(TheGateInAuditMode, SaysYesToNothingButRecordsWhatEnforcementWouldDo) {
    // Audit mode does not register the agent at all; a request that still arrives (the agent
    // was being withdrawn) is refused as with no agent, never approved on a person's behalf.
    GateRig rig(std::string(kPasskeyOnlyPolicy)
                    .replace(std::string(kPasskeyOnlyPolicy).find("enforce"), 7, "audit"));
    const auto keyboard = rig.gate.decide(AgentRequest::RequestConfirmation, rig.keyboard.path());
    EXPECT_FALSE(keyboard.accept);
    EXPECT_EQ(keyboard.event.mode, policy::Mode::Audit);
    EXPECT_NE(keyboard.event.message.find("would refuse"), std::string::npos);
    const auto key = rig.gate.decide(AgentRequest::RequestAuthorization, rig.key.path());
    EXPECT_FALSE(key.accept);
    EXPECT_NE(key.event.message.find("enforcement would allow"), std::string::npos);
    for (auto request : {AgentRequest::RequestPasskey, AgentRequest::RequestPinCode}) {
        EXPECT_FALSE(rig.gate.decide(request, rig.key.path()).accept);
    }
    EXPECT_FALSE(
        rig.gate.decide(AgentRequest::RequestAuthorization, "/org/bluez/hci0/dev_00_00_00_00_00_01")
            .accept)
        << "an unknown device is refused in audit mode too";
}

}  // namespace
}  // namespace btfence::testing
