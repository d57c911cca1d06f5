// The profile lockdown drop-in (agent/common/profile_lockdown.hpp): which bluez 5.66 plugins a
// policy can never need, and the bluetooth.service drop-in that leaves them out.
#include "profile_lockdown.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "btfence/policy/parser.hpp"

namespace btfence::lockdown {
namespace {

policy::Policy parse(const std::string& rules, const std::string& header = "") {
    const std::string text = "[policy]\nversion = 1\n" + header + rules;
    auto result = policy::parse_policy(text, "policy.toml");
    EXPECT_TRUE(result.ok()) << (result.errors.empty() ? "" : result.errors[0].to_string());
    return result.ok() ? *result.policy : policy::Policy{};
}

std::vector<std::string> names(const std::vector<const ProfilePlugin*>& plugins) {
    std::vector<std::string> out;
    for (const auto* plugin : plugins) {
        out.emplace_back(plugin->name);
    }
    return out;
}

bool disables(const LockdownPlan& plan, std::string_view name) {
    return std::any_of(plan.disabled.begin(), plan.disabled.end(),
                       [name](const ProfilePlugin* p) { return p->name == name; });
}

constexpr const char* kFidoOnly =
    "[[rule]]\nid = \"fido-keys\"\nverdict = \"allow\"\nclass = [\"fido-ble\"]\n";

TEST(AProfileLockdown, LeavesOutEveryProfilePluginForAPasskeyOnlyPolicy) {
    const auto plan = plan_lockdown(parse(kFidoOnly));
    EXPECT_TRUE(plan.kept.empty());
    EXPECT_EQ(plan.disabled.size(), profile_plugins().size());
    for (const char* name : {"input", "hog", "a2dp", "avrcp", "network", "autopair"}) {
        EXPECT_TRUE(disables(plan, name)) << name;
    }
}

TEST(AProfileLockdown, KeepsEveryPluginWhenARuleMayAllowClassOther) {
    const auto plan = plan_lockdown(parse(std::string(kFidoOnly) +
                                          "[[rule]]\nid = \"ceo-keyboard\"\nverdict = \"allow\"\n"
                                          "address = [\"AA:BB:CC:DD:EE:FF\"]\n"));
    EXPECT_TRUE(plan.disabled.empty());
    ASSERT_FALSE(plan.kept.empty());
    EXPECT_EQ(plan.kept.front().because, "rule \"ceo-keyboard\" allows class \"other\"");
    EXPECT_EQ(render_drop_in(plan, parse(kFidoOnly), "/usr/libexec/bluetooth/bluetoothd"), "");
}

TEST(AProfileLockdown, KeepsEveryPluginWhenTheDefaultVerdictAllows) {
    const auto plan = plan_lockdown(parse(kFidoOnly, "default = \"allow\"\n"));
    EXPECT_TRUE(plan.disabled.empty());
}

TEST(AProfileLockdown, IgnoresAllowRulesShadowedByAnUnconditionalDenyOfClassOther) {
    const auto plan = plan_lockdown(
        parse(std::string(kFidoOnly) +
              "[[rule]]\nid = \"no-others\"\nverdict = \"deny\"\nclass = [\"other\"]\n"
              "[[rule]]\nid = \"too-late\"\nverdict = \"allow\"\nclass = [\"other\"]\n"));
    EXPECT_TRUE(plan.kept.empty());
    EXPECT_TRUE(disables(plan, "hog"));
}

TEST(AProfileLockdown, DoesNotLetAConditionalDenyShadowALaterAllow) {
    const auto plan = plan_lockdown(
        parse("[[rule]]\nid = \"not-that-one\"\nverdict = \"deny\"\nclass = [\"other\"]\n"
              "address = [\"AA:BB:CC:DD:EE:FF\"]\n"
              "[[rule]]\nid = \"headsets\"\nverdict = \"allow\"\nclass = [\"other\"]\n"));
    EXPECT_TRUE(plan.disabled.empty());
}

TEST(AProfileLockdown, KeepsThePluginOfAServiceListedInExtraServices) {
    const auto plan = plan_lockdown(parse(kFidoOnly, "[bluez]\nextra_services = [\"0x110B\"]\n"));
    EXPECT_FALSE(disables(plan, "a2dp"));
    EXPECT_TRUE(disables(plan, "avrcp"));
    EXPECT_TRUE(disables(plan, "hog"));
    ASSERT_EQ(plan.kept.size(), 1U);
    EXPECT_EQ(plan.kept[0].because, "[bluez] extra_services lists 0x110b");
}

TEST(AProfileLockdown, RendersADropInThatResetsExecStartAndNamesWhatItCosts) {
    const auto policy = parse(kFidoOnly);
    const std::string text =
        render_drop_in(plan_lockdown(policy), policy, "/usr/libexec/bluetooth/bluetoothd");
    EXPECT_NE(text.find("\n[Service]\nExecStart=\nExecStart=/usr/libexec/bluetooth/bluetoothd "
                        "--noplugin=input,hog,"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("costs: Bluetooth LE keyboards"), std::string::npos);
    EXPECT_NE(text.find("systemctl daemon-reload && systemctl restart bluetooth"),
              std::string::npos);
    EXPECT_NE(text.find(policy.sha256), std::string::npos);
    // Everything before [Service] is a comment: systemd reads nothing else from it.
    const std::string head = text.substr(0, text.find("[Service]"));
    std::size_t start = 0;
    while (start < head.size()) {
        EXPECT_EQ(head[start], '#') << head.substr(start, 40);
        start = head.find('\n', start) + 1;
    }
    EXPECT_EQ(text.back(), '\n');
}

TEST(AProfileLockdown, WarnsThatItEnforcesEvenForAnAuditModePolicyAndCoversEveryAdapter) {
    const auto policy = parse(kFidoOnly, "mode = \"audit\"\nadapters = [\"hci0\"]\n");
    const auto plan = plan_lockdown(policy);
    ASSERT_EQ(plan.notes.size(), 2U);
    EXPECT_NE(render_drop_in(plan, policy, "/b").find("# NOTE: The policy is in audit mode"),
              std::string::npos);
}

TEST(TheProfilePluginTable, NamesEachPluginOnceWithWhatItServesAndCosts) {
    std::vector<std::string> seen;
    for (const auto& plugin : profile_plugins()) {
        EXPECT_FALSE(plugin.serves.empty()) << plugin.name;
        EXPECT_FALSE(plugin.costs.empty()) << plugin.name;
        EXPECT_EQ(std::count(seen.begin(), seen.end(), plugin.name), 0) << plugin.name;
        seen.emplace_back(plugin.name);
    }
    // FIDO keys must keep what they may serve.
    for (const char* kept : {"gap", "deviceinfo", "battery"}) {
        EXPECT_EQ(std::count(seen.begin(), seen.end(), kept), 0) << kept;
    }
    EXPECT_EQ(names(plan_lockdown(parse(kFidoOnly)).disabled), seen);
}

}  // namespace
}  // namespace btfence::lockdown
