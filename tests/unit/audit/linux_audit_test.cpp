// The Linux audit output: one USER_DEVICE record per device decision, fields in the kernel
// audit's name=value convention that a device name cannot forge, and "auto" that steps aside
// where audit is not usable while "on" counts every lost record.
#include <gtest/gtest.h>
#include <libaudit.h>

#include <cerrno>
#include <stdexcept>

#include "audit/linux_audit_record.hpp"
#include "audit/linux_audit_sink.hpp"
#include "test_support.hpp"

namespace btfence::audit {
namespace {

using testing::denied_keyboard_event;

TEST(ALinuxAuditRecord, DescribesADeviceDecision) {
    EXPECT_EQ(to_linux_audit_message(denied_keyboard_event()),
              "op=pairing-denied device=\"AA:BB:CC:DD:EE:01\" name=4C6F6769204B333830 "
              "class=\"other\" adapter=\"hci0\" verdict=deny mode=enforce rule=\"default\" seq=7");
}

TEST(ALinuxAuditRecord, HexEncodesWhatCouldForgeAField) {
    EXPECT_EQ(encode_audit_field("name", "x\" res=success"), "name=7822207265733D73756363657373");
    EXPECT_EQ(encode_audit_field("name", "plain"), "name=\"plain\"");
    EXPECT_EQ(encode_audit_field("name", "caf\xc3\xa9"), "name=636166C3A9");
}

TEST(ALinuxAuditRecord, IsOnlyForDeviceDecisions) {
    Event daemon;
    daemon.action = Action::PolicyLoaded;
    EXPECT_EQ(to_linux_audit_message(daemon), std::nullopt);
    Event cancelled = denied_keyboard_event();
    cancelled.verdict.reset();
    EXPECT_EQ(to_linux_audit_message(cancelled), std::nullopt);
}

TEST(ALinuxAuditRecord, CarriesTheCountOfARepeatSummary) {
    const auto message = to_linux_audit_message(testing::every_field_event());
    ASSERT_TRUE(message);
    EXPECT_TRUE(message->ends_with(" count=41")) << *message;
}

TEST(ALinuxAuditSink, SendsUserDeviceWithTheOutcomeAsResult) {
    std::vector<std::tuple<int, std::string, int>> sent;
    LinuxAuditSink sink(true, [&](int type, const std::string& message, int result) {
        sent.emplace_back(type, message, result);
        return 0;
    });
    sink.write(denied_keyboard_event());
    Event failed = denied_keyboard_event();
    failed.outcome = Outcome::Failure;
    sink.write(failed);
    Event daemon;
    daemon.action = Action::DaemonStarted;
    sink.write(daemon);
    ASSERT_EQ(sent.size(), 2U) << "device decisions only";
    EXPECT_EQ(std::get<0>(sent[0]), AUDIT_USER_DEVICE);
    EXPECT_EQ(std::get<2>(sent[0]), 1);
    EXPECT_EQ(std::get<2>(sent[1]), 0);
}

TEST(ALinuxAuditSinkOnAuto, StepsAsideOnceWhereAuditIsNotUsable) {
    int calls = 0;
    LinuxAuditSink sink(false, [&](int, const std::string&, int) {
        ++calls;
        return -EPERM;  // no CAP_AUDIT_WRITE
    });
    EXPECT_NO_THROW(sink.write(denied_keyboard_event()));
    EXPECT_NO_THROW(sink.write(denied_keyboard_event()));
    EXPECT_EQ(calls, 1);
}

TEST(ALinuxAuditSinkOnAuto, StillCountsARecordLostWhileAuditWorks) {
    LinuxAuditSink sink(false, [](int, const std::string&, int) { return -ENOBUFS; });
    EXPECT_THROW(sink.write(denied_keyboard_event()), std::system_error);
}

TEST(ALinuxAuditSinkOn, CountsEveryLostRecord) {
    LinuxAuditSink sink(true, [](int, const std::string&, int) { return -EPERM; });
    EXPECT_THROW(sink.write(denied_keyboard_event()), std::system_error);
    EXPECT_THROW(sink.write(denied_keyboard_event()), std::system_error);
}

}  // namespace
}  // namespace btfence::audit
