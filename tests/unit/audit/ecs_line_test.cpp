#include "audit/ecs_line.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "test_support.hpp"

namespace btfence::audit {
namespace {

using nlohmann::json;
using testing::denied_keyboard_event;

json parse_line(const std::string& line) {
    EXPECT_EQ(line.find('\n'), std::string::npos) << "a JSON line must not contain a newline";
    return json::parse(line);  // throws (failing the test) if the line is not valid JSON
}

TEST(AJsonLine, CarriesTheTimestampAsRfc3339UtcWithMicroseconds) {
    const json line = parse_line(to_ecs_line(denied_keyboard_event()));
    EXPECT_EQ(line.at("@timestamp"), "2026-11-28T07:01:02.123456Z");
    EXPECT_TRUE(std::regex_match(line.at("@timestamp").get<std::string>(),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")));
}

TEST(AJsonLine, CarriesTheEcsEventFields) {
    const json line = parse_line(to_ecs_line(denied_keyboard_event()));
    EXPECT_EQ(line.at("message"), "Refused pairing of keyboard AA:BB:CC:DD:EE:01 (class other)");
    const json& event = line.at("event");
    EXPECT_EQ(event.at("action"), "pairing-denied");
    EXPECT_EQ(event.at("outcome"), "success");
    EXPECT_EQ(event.at("sequence"), 7);
    EXPECT_EQ(event.at("kind"), "event");
    EXPECT_EQ(event.at("category"), json::array({"authentication", "intrusion_detection"}));
    EXPECT_EQ(event.at("type"), json::array({"start", "denied"}));
    EXPECT_EQ(event.at("code"), "2b1d6a6c0b3a4f1f9a6e4c1d8f7e5a0a") << "the MESSAGE_ID";
    EXPECT_EQ(event.at("severity"), 2) << "notice: Low";
    EXPECT_EQ(event.at("reason"), "no rule matched; default deny");
    EXPECT_EQ(event.at("dataset"), "btfence.audit");
    EXPECT_EQ(event.at("provider"), "btfenced");
    EXPECT_EQ(line.at("host").at("name"), "laptop-042");
    EXPECT_EQ(line.at("ecs").at("version"), "9.4.0");
}

TEST(AJsonLine, NamesTheDecidingRuleAndItsReason) {
    const json line = parse_line(to_ecs_line(denied_keyboard_event()));
    EXPECT_EQ(line.at("rule").at("id"), "default");
    EXPECT_EQ(line.at("btfence").at("rule").at("reason"), "ticket INC-1234")
        << "ECS has no rule.reason";
}

TEST(AJsonLine, CarriesTheDecisionAndThePolicyThatMadeIt) {
    const json line = parse_line(to_ecs_line(denied_keyboard_event()));
    const json& btfence = line.at("btfence");
    EXPECT_EQ(btfence.at("mode"), "enforce");
    EXPECT_EQ(btfence.at("verdict"), "deny");
    EXPECT_EQ(btfence.at("trigger"), "RequestConfirmation");
    EXPECT_EQ(btfence.at("policy").at("sha256"),
              "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    EXPECT_EQ(btfence.at("policy").at("path"), "/etc/btfence/policy.toml");
}

TEST(AJsonLineOfADeviceEvent, CarriesTheAdapterAndTheDevice) {
    const json line = parse_line(to_ecs_line(denied_keyboard_event()));
    const json& btfence = line.at("btfence");
    EXPECT_EQ(btfence.at("adapter"), "hci0");
    const json& device = btfence.at("device");
    EXPECT_EQ(device.at("address"), "AA:BB:CC:DD:EE:01");
    EXPECT_EQ(device.at("name"), "Logi K380");
    EXPECT_EQ(device.at("class"), "other");
    EXPECT_EQ(device.at("class_reason"), "serves HID 0x1812");
    EXPECT_EQ(device.at("path"), "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01");
    EXPECT_FALSE(device.contains("aaguid")) << "no AAGUID before verification";
}

TEST(AJsonLineOfADeviceEvent, KeepsAddressNameAndClassEvenWhenEmpty) {
    Event event = denied_keyboard_event();
    event.device->name.clear();
    event.device->device_class.clear();
    const json device = parse_line(to_ecs_line(event)).at("btfence").at("device");
    EXPECT_EQ(device.at("name"), "");
    EXPECT_EQ(device.at("class"), "");
    EXPECT_EQ(device.at("address"), "AA:BB:CC:DD:EE:01");
}

TEST(AJsonLineOfAVerifiedDevice, CarriesItsAaguid) {
    Event event = denied_keyboard_event();
    event.action = Action::VerificationPassed;
    event.device->aaguid = "90a3ccdf-635c-4729-a248-9b709135078f";
    const json line = parse_line(to_ecs_line(event));
    EXPECT_EQ(line.at("btfence").at("device").at("aaguid"), "90a3ccdf-635c-4729-a248-9b709135078f");
}

TEST(AJsonLineOfADaemonEvent, HasRuleNoneAndNoDeviceNoAdapterNoVerdict) {
    Event event;
    event.action = Action::PolicyLoaded;
    event.outcome = Outcome::Success;
    event.message = "Loaded policy";
    event.mode = policy::Mode::Audit;
    event.policy_sha256 = "abc";
    const json line = parse_line(to_ecs_line(event));
    EXPECT_EQ(line.at("event").at("action"), "policy-loaded");
    EXPECT_EQ(line.at("event").at("category"), json::array({"configuration"}));
    EXPECT_FALSE(line.at("event").contains("reason")) << "no reason given";
    EXPECT_EQ(line.at("rule").at("id"), "none")
        << "every event carries rule.id (docs/audit-events.md)";
    const json& btfence = line.at("btfence");
    EXPECT_EQ(btfence.at("mode"), "audit");
    EXPECT_EQ(btfence.at("policy").at("sha256"), "abc");
    EXPECT_FALSE(btfence.contains("device"));
    EXPECT_FALSE(btfence.contains("adapter"));
    EXPECT_FALSE(btfence.contains("verdict"));
    EXPECT_FALSE(btfence.contains("trigger"));
}

TEST(AJsonLine, NamesEveryActionAsTheCatalogDoes) {
    for (const ActionInfo& entry : kActions) {
        Event event = denied_keyboard_event();
        event.action = entry.action;
        const json line = parse_line(to_ecs_line(event));
        EXPECT_EQ(line.at("event").at("action"), entry.name);
        EXPECT_EQ(line.at("event").at("code"), entry.message_id);
        EXPECT_EQ(line.at("event").at("kind"), entry.ecs.kind);
    }
}

TEST(AJsonLine, ReportsEachOutcomeInEcsTerms) {
    Event event = denied_keyboard_event();
    event.outcome = Outcome::Failure;
    EXPECT_EQ(parse_line(to_ecs_line(event)).at("event").at("outcome"), "failure");
    event.outcome = Outcome::Unknown;
    EXPECT_EQ(parse_line(to_ecs_line(event)).at("event").at("outcome"), "unknown");
}

TEST(AJsonLine, FallsBackToTheActionNameWhenTheMessageIsEmpty) {
    Event event = denied_keyboard_event();
    event.message.clear();
    EXPECT_EQ(parse_line(to_ecs_line(event)).at("message"), "pairing-denied");
}

TEST(AJsonLine, StaysOneValidLineWhateverADeviceCallsItself) {
    Event event = denied_keyboard_event();
    event.device->name = "evil\nname\t\"quoted\"\x01";
    event.reason = std::string("bad utf-8: \xff\xfe end");
    const std::string text = to_ecs_line(event);
    const json line = parse_line(text);
    EXPECT_EQ(line.at("btfence").at("device").at("name"), "evil\nname\t\"quoted\"\x01");
    EXPECT_EQ(line.at("event").at("reason"), "bad utf-8: \xEF\xBF\xBD\xEF\xBF\xBD end");
}

TEST(AJsonLineOfARepeatSummary, CarriesTheCountAndTheWindow) {
    const json line = parse_line(to_ecs_line(testing::every_field_event()));
    EXPECT_EQ(line.at("btfence").at("repeat").at("count"), 41);
    EXPECT_EQ(line.at("event").at("start"), "2026-11-28T07:00:02.000000Z");
    EXPECT_EQ(line.at("event").at("end"), "2026-11-28T07:01:02.000000Z");
}

TEST(AJsonLine, EndsWithTheChainsHmacWhenChained) {
    const std::string prev(64, 'b');
    const std::string hmac(64, 'a');
    const ChainLink link{prev, hmac};
    const std::string text = to_ecs_line(denied_keyboard_event(), &link);
    EXPECT_TRUE(text.ends_with("\"hmac\":\"" + hmac + "\"}}}")) << text;
    EXPECT_EQ(parse_line(text).at("btfence").at("chain").at("prev"), prev);
    EXPECT_FALSE(parse_line(to_ecs_line(denied_keyboard_event())).at("btfence").contains("chain"));
}

}  // namespace
}  // namespace btfence::audit
