// decide_device(): the one decision the pairing gate, the enforcer and Manager1's Explain make
// for a device — the policy with the runtime exemptions in force, then the daemon's memory of
// suspected spoofs on top.
#include <gtest/gtest.h>

#include <vector>

#include "btfence/policy/time_format.hpp"
#include "decision_events.hpp"
#include "enforce/suspected_spoofs.hpp"
#include "fakes.hpp"

namespace btfence::testing {
namespace {

const char* kPasskeysOnly = R"(
[policy]
version = 1
default = "deny"
[exemptions]
allowed = true
max_duration = "8h"
[[rule]]
id = "fido-keys"
verdict = "allow"
class = ["fido-ble"]
)";

constexpr const char* kKeyboard = "AA:BB:CC:DD:EE:01";

policy::TimePoint at(const char* text) {
    return *policy::parse_rfc3339(text);
}

bluez::DeviceState keyboard() {
    bluez::DeviceState device;
    device.path = "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01";
    device.facts.adapter = "hci0";
    device.facts.address = kKeyboard;
    device.facts.name = "Keyboard";
    return device;
}

std::vector<policy::Exemption> exempted(policy::TimePoint now) {
    policy::Exemption exemption;
    exemption.id = "0a1b2c3d";
    exemption.target = kKeyboard;
    exemption.granted_at = now;
    exemption.expires = now + std::chrono::hours{2};
    exemption.reason = "INC-4711";
    return {exemption};
}

TEST(ARuntimeExemption, AllowsTheDeviceItNamesAheadOfTheRules) {
    TempPolicy policy(kPasskeysOnly);
    const auto now = at("2026-12-03T09:00:00Z");
    EXPECT_FALSE(decide_device(policy.store().current(), keyboard(), now).allowed());
    const auto exemptions = exempted(now);
    const auto decision = decide_device(policy.store().current(), keyboard(), now, exemptions);
    EXPECT_TRUE(decision.allowed());
    EXPECT_EQ(decision.rule_id, "exemption:0a1b2c3d");
}

TEST(ARememberedSuspectedSpoof, IsDeniedEvenUnderARuntimeExemption) {
    // A helpdesk's yes was for a device, not for one caught lying about being a FIDO key.
    TempPolicy policy(kPasskeysOnly);
    const auto now = at("2026-12-03T09:00:00Z");
    enforce::SuspectedSpoofs spoofs;
    ASSERT_FALSE(spoofs
                     .remember(enforce::SpoofRecord{kKeyboard, "Keyboard", "revealed HID",
                                                    now + std::chrono::hours{24}})
                     .has_value());
    const auto exemptions = exempted(now);
    const auto decision =
        decide_device(policy.store().current(), keyboard(), now, exemptions, &spoofs);
    EXPECT_FALSE(decision.allowed());
    EXPECT_EQ(decision.rule_id, kSuspectedSpoofRuleId);
}

}  // namespace
}  // namespace btfence::testing
