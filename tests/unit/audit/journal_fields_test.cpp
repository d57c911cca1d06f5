#include "audit/journal_fields.hpp"

#include <gtest/gtest.h>
#include <syslog.h>

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "test_support.hpp"

namespace btfence::audit {
namespace {

using testing::denied_keyboard_event;

/// journald's rule for field names a client may send (systemd's journal_field_valid()):
/// 1–64 characters from A–Z, 0–9 and '_', not starting with a digit or '_' (those are
/// reserved for fields journald adds itself).
bool is_valid_journal_field_name(std::string_view name) {
    if (name.empty() || name.size() > 64) {
        return false;
    }
    if (name.front() == '_' || (name.front() >= '0' && name.front() <= '9')) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    });
}

/// The fields as name → value; fails the test if a name appears twice.
std::map<std::string, std::string> fields_of(const Event& event) {
    std::map<std::string, std::string> fields;
    for (const std::string& field : to_journal_fields(event)) {
        const std::size_t equals = field.find('=');
        EXPECT_NE(equals, std::string::npos) << field;
        const bool inserted =
            fields.emplace(field.substr(0, equals), field.substr(equals + 1)).second;
        EXPECT_TRUE(inserted) << "field sent twice: " << field;
    }
    return fields;
}

/// Every journald field name btfenced can send: the core ones and every field of the table.
std::vector<std::string_view> every_journal_field_name() {
    namespace f = journal_field;
    std::vector<std::string_view> names = {f::kMessage,          f::kMessageId, f::kPriority,
                                           f::kSyslogIdentifier, f::kAction,    f::kOutcome,
                                           f::kSequence};
    for_each_field(
        testing::every_field_event(),
        [&names](const FieldName& name, const FieldValue&) { names.push_back(name.journal); });
    return names;
}

TEST(JournalFieldNames, AreValidForJournald) {
    for (std::string_view name : every_journal_field_name()) {
        EXPECT_TRUE(is_valid_journal_field_name(name)) << name;
    }
}

TEST(JournalFieldNames, AreDefinedOnce) {
    const auto names = every_journal_field_name();
    const std::set<std::string_view> unique(names.begin(), names.end());
    EXPECT_EQ(unique.size(), names.size());
}

TEST(TheFieldNameRule, RejectsWhatJournaldRejects) {
    // Guards the checker above, so the test over kJournalFieldNames means something.
    EXPECT_FALSE(is_valid_journal_field_name("_PID"));
    EXPECT_FALSE(is_valid_journal_field_name("1FIELD"));
    EXPECT_FALSE(is_valid_journal_field_name("btfence_action"));
    EXPECT_FALSE(is_valid_journal_field_name("BTFENCE-ACTION"));
    EXPECT_FALSE(is_valid_journal_field_name(""));
    EXPECT_FALSE(is_valid_journal_field_name(std::string(65, 'A')));
    EXPECT_TRUE(is_valid_journal_field_name("BTFENCE_ACTION"));
}

TEST(JournalFieldsOfAnEvent, CarryEveryFieldOfTheTable) {
    const auto names = every_journal_field_name();
    const auto fields = fields_of(testing::every_field_event());
    for (std::string_view name : names) {
        EXPECT_TRUE(fields.contains(std::string(name))) << name;
    }
    EXPECT_EQ(fields.size(), names.size());
}

TEST(JournalFieldsOfARepeatSummary, CarryTheCountAndTheWindowAsRfc3339) {
    const auto fields = fields_of(testing::every_field_event());
    EXPECT_EQ(fields.at("BTFENCE_REPEAT_COUNT"), "41");
    EXPECT_EQ(fields.at("BTFENCE_REPEAT_FIRST"), "2026-11-28T07:00:02.000000Z");
    EXPECT_EQ(fields.at("BTFENCE_REPEAT_LAST"), "2026-11-28T07:01:02.000000Z");
}

TEST(JournalFieldsOfAnEvent, CarryTheCatalogsMessageIdForEveryAction) {
    for (const ActionInfo& entry : kActions) {
        Event event = denied_keyboard_event();
        event.action = entry.action;
        const auto fields = fields_of(event);
        EXPECT_EQ(fields.at("MESSAGE_ID"), entry.message_id) << entry.name;
        EXPECT_EQ(fields.at("BTFENCE_ACTION"), entry.name);
    }
}

TEST(JournalFieldsOfADeviceDecision, CarryEverythingTheJsonLineDoes) {
    const auto fields = fields_of(denied_keyboard_event());
    EXPECT_EQ(fields.at("MESSAGE"), "Refused pairing of keyboard AA:BB:CC:DD:EE:01 (class other)");
    EXPECT_EQ(fields.at("SYSLOG_IDENTIFIER"), "btfenced");
    EXPECT_EQ(fields.at("BTFENCE_OUTCOME"), "success");
    EXPECT_EQ(fields.at("BTFENCE_SEQUENCE"), "7");
    EXPECT_EQ(fields.at("BTFENCE_RULE_ID"), "default");
    EXPECT_EQ(fields.at("BTFENCE_RULE_REASON"), "ticket INC-1234");
    EXPECT_EQ(fields.at("BTFENCE_VERDICT"), "deny");
    EXPECT_EQ(fields.at("BTFENCE_MODE"), "enforce");
    EXPECT_EQ(fields.at("BTFENCE_TRIGGER"), "RequestConfirmation");
    EXPECT_EQ(fields.at("BTFENCE_REASON"), "no rule matched; default deny");
    EXPECT_EQ(fields.at("BTFENCE_POLICY_SHA256"),
              "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    EXPECT_EQ(fields.at("BTFENCE_POLICY_PATH"), "/etc/btfence/policy.toml");
    EXPECT_EQ(fields.at("BTFENCE_ADAPTER"), "hci0");
    EXPECT_EQ(fields.at("BTFENCE_DEVICE_ADDRESS"), "AA:BB:CC:DD:EE:01");
    EXPECT_EQ(fields.at("BTFENCE_DEVICE_NAME"), "Logi K380");
    EXPECT_EQ(fields.at("BTFENCE_DEVICE_CLASS"), "other");
    EXPECT_EQ(fields.at("BTFENCE_DEVICE_CLASS_REASON"), "serves HID 0x1812");
    EXPECT_EQ(fields.at("BTFENCE_DEVICE_PATH"), "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01");
    EXPECT_FALSE(fields.contains("BTFENCE_DEVICE_AAGUID"));
}

TEST(JournalFieldsOfADeviceEvent, KeepTheDeviceNameFieldEvenWhenItIsEmpty) {
    Event event = denied_keyboard_event();
    event.device->name.clear();
    EXPECT_EQ(fields_of(event).at("BTFENCE_DEVICE_NAME"), "");
}

TEST(JournalFieldsOfADaemonEvent, SayRuleNoneAndLeaveOutDeviceAndVerdict) {
    Event event;
    event.action = Action::DaemonStarted;
    event.outcome = Outcome::Success;
    const auto fields = fields_of(event);
    EXPECT_EQ(fields.at("MESSAGE"), "daemon-started");
    EXPECT_EQ(fields.at("BTFENCE_MODE"), "enforce");
    EXPECT_EQ(fields.at("BTFENCE_RULE_ID"), "none");
    for (const char* absent : {"BTFENCE_ADAPTER", "BTFENCE_DEVICE_ADDRESS", "BTFENCE_VERDICT",
                               "BTFENCE_REASON", "BTFENCE_TRIGGER"}) {
        EXPECT_FALSE(fields.contains(absent)) << absent;
    }
}

Event event_of(Action action, Outcome outcome) {
    Event event = denied_keyboard_event();
    event.action = action;
    event.outcome = outcome;
    return event;
}

TEST(TheJournalPriority, IsInfoForAllowedPairingsAndKeptBonds) {
    EXPECT_EQ(journal_priority(event_of(Action::PairingAllowed, Outcome::Success)), LOG_INFO);
    EXPECT_EQ(journal_priority(event_of(Action::BondKept, Outcome::Success)), LOG_INFO);
    EXPECT_EQ(journal_priority(event_of(Action::PolicyLoaded, Outcome::Success)), LOG_INFO);
}

TEST(TheJournalPriority, IsNoticeForDenialsAndRemovals) {
    EXPECT_EQ(journal_priority(event_of(Action::PairingDenied, Outcome::Success)), LOG_NOTICE);
    EXPECT_EQ(journal_priority(event_of(Action::ServiceDenied, Outcome::Success)), LOG_NOTICE);
    EXPECT_EQ(journal_priority(event_of(Action::DeviceRemoved, Outcome::Success)), LOG_NOTICE);
    EXPECT_EQ(journal_priority(event_of(Action::ExemptionExpired, Outcome::Success)), LOG_NOTICE);
}

TEST(TheJournalPriority, IsWarningForFailuresAndSuspectedAttacks) {
    EXPECT_EQ(journal_priority(event_of(Action::DeviceRemoved, Outcome::Failure)), LOG_WARNING);
    EXPECT_EQ(journal_priority(event_of(Action::PairingAllowed, Outcome::Failure)), LOG_WARNING);
    EXPECT_EQ(journal_priority(event_of(Action::VerificationFailed, Outcome::Success)),
              LOG_WARNING);
    EXPECT_EQ(journal_priority(event_of(Action::TamperDetected, Outcome::Success)), LOG_WARNING);
    EXPECT_EQ(journal_priority(event_of(Action::PolicyRejected, Outcome::Success)), LOG_WARNING);
    EXPECT_EQ(journal_priority(event_of(Action::BluezLost, Outcome::Success)), LOG_WARNING);
}

TEST(TheJournalPriority, IsErrorWhenTheAuditFileCannotBeWritten) {
    EXPECT_EQ(journal_priority(event_of(Action::AuditLogError, Outcome::Failure)), LOG_ERR);
    EXPECT_EQ(fields_of(event_of(Action::AuditLogError, Outcome::Failure)).at("PRIORITY"),
              std::to_string(LOG_ERR));
}

}  // namespace
}  // namespace btfence::audit
