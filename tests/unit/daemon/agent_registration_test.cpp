// Whether btfenced holds bluetoothd's default agent: registered in enforce mode, never in audit
// mode, withdrawn and restored by reloads, retried with the shared backoff after a failure.
#include "pairing/agent_registration.hpp"

#include <gtest/gtest.h>

#include "fakes.hpp"

namespace btfence::testing {
namespace {

using pairing::AgentStatus;
using std::chrono::seconds;

std::string audit_policy() {
    return std::string(kPasskeyOnlyPolicy)
        .replace(std::string(kPasskeyOnlyPolicy).find("enforce"), 7, "audit");
}

struct RegistrationRig {
    explicit RegistrationRig(const std::string& toml = kPasskeyOnlyPolicy)
        : policy(toml),
          registration(
              calls, retries, policy.store(), bluez::ObjectPath(std::string("/org/btfence/agent")),
              "KeyboardOnly", [this](audit::Event e) { events.push_back(std::move(e)); },
              [this] { ++settled; }) {}

    void switch_policy(const std::string& toml) {
        policy.write(toml);
        ASSERT_FALSE(policy.store().load().has_value());
        registration.policy_changed();
        calls.settle();
    }
    /// bluetoothd arrives and answers what it is asked, as scripted.
    void arrive() {
        registration.bluez_arrived();
        calls.settle();
    }
    /// The retry timer moves on by `by`; bluetoothd answers what the retries sent.
    void wait(retry::Clock::duration by) {
        timer.advance(by);
        calls.settle();
    }
    [[nodiscard]] std::size_t count(audit::Action action, audit::Outcome outcome) const {
        std::size_t n = 0;
        for (const auto& e : events) {
            n += e.action == action && e.outcome == outcome ? 1U : 0U;
        }
        return n;
    }

    RecordingBluezCalls calls;
    FakeWakeupTimer timer;
    retry::RetryQueue retries{timer, retry::BackoffSettings{}};
    TempPolicy policy;
    std::vector<audit::Event> events;
    int settled = 0;
    pairing::AgentRegistration registration;
};

TEST(TheAgentRegistration, HoldsTheDefaultAgentInEnforceModeAndSaysSo) {
    RegistrationRig rig;
    EXPECT_EQ(rig.registration.status(), AgentStatus::BluezAbsent);
    rig.arrive();
    EXPECT_EQ(rig.calls.count("RegisterAgent"), 1U);
    EXPECT_EQ(rig.calls.count("RequestDefaultAgent"), 1U);
    EXPECT_TRUE(rig.registration.holds_default_agent());
    EXPECT_EQ(rig.count(audit::Action::AgentRegistered, audit::Outcome::Success), 1U);
    EXPECT_NE(rig.events.back().message.find("holds bluetoothd's default agent"),
              std::string::npos);
    EXPECT_EQ(rig.registration.describe(), "Enforcing: btfenced holds the default pairing agent");
    EXPECT_EQ(rig.settled, 1);
}

TEST(TheAgentRegistration, IsNotDefaultUntilBluetoothdHasAnswered) {
    RegistrationRig rig;
    rig.registration.bluez_arrived();
    EXPECT_EQ(rig.registration.status(), AgentStatus::Registering);
    EXPECT_FALSE(rig.registration.holds_default_agent());
    EXPECT_EQ(rig.settled, 0);
    rig.calls.settle();
    EXPECT_TRUE(rig.registration.holds_default_agent());
}

TEST(TheAgentRegistration, RegistersNothingInAuditMode) {
    RegistrationRig rig(audit_policy());
    rig.arrive();
    EXPECT_TRUE(rig.calls.calls.empty()) << "not even RegisterAgent: bluez would make it default";
    EXPECT_EQ(rig.registration.status(), AgentStatus::Withheld);
    EXPECT_FALSE(rig.registration.holds_default_agent());
    EXPECT_EQ(rig.count(audit::Action::AgentUnregistered, audit::Outcome::Success), 1U);
    EXPECT_EQ(rig.settled, 1) << "READY can still be sent";
}

TEST(TheAgentRegistration, AFailureIsAnErrorEventRetriedWithBackoffNotEnforcing) {
    RegistrationRig rig;
    rig.calls.fail_next("RequestDefaultAgent", RecordingBluezCalls::error(bluez::ErrorKind::Failed),
                        2);
    rig.arrive();
    EXPECT_EQ(rig.registration.status(), AgentStatus::Failed);
    EXPECT_FALSE(rig.registration.holds_default_agent());
    EXPECT_EQ(rig.count(audit::Action::AgentRegistered, audit::Outcome::Failure), 1U);
    EXPECT_EQ(rig.registration.describe().rfind("Degraded: NOT the default pairing agent", 0), 0U)
        << rig.registration.describe();
    EXPECT_NE(rig.events.back().reason.find("org.bluez.Error.Failed"), std::string::npos);

    rig.wait(seconds(1));  // fails again: no second error event, a longer wait
    EXPECT_EQ(rig.calls.count("RequestDefaultAgent"), 2U);
    EXPECT_EQ(rig.count(audit::Action::AgentRegistered, audit::Outcome::Failure), 1U);
    rig.wait(seconds(1));
    EXPECT_EQ(rig.calls.count("RequestDefaultAgent"), 2U) << "the second wait is 2 s";
    rig.wait(seconds(1));
    EXPECT_EQ(rig.calls.count("RequestDefaultAgent"), 3U);
    EXPECT_TRUE(rig.registration.holds_default_agent());
    EXPECT_EQ(rig.count(audit::Action::AgentRegistered, audit::Outcome::Success), 1U);
    EXPECT_FALSE(rig.timer.armed()) << "nothing left to retry";
}

TEST(TheAgentRegistration, AlreadyExistsStillAsksToBeDefault) {
    RegistrationRig rig;
    rig.calls.fail_next("RegisterAgent",
                        RecordingBluezCalls::error(bluez::ErrorKind::AlreadyExists));
    rig.arrive();
    EXPECT_EQ(rig.calls.count("RequestDefaultAgent"), 1U);
    EXPECT_TRUE(rig.registration.holds_default_agent());
}

TEST(TheAgentRegistration, ARetryAfterBluetoothdLeftDoesNothing) {
    RegistrationRig rig;
    rig.calls.fail_always("RequestDefaultAgent",
                          RecordingBluezCalls::error(bluez::ErrorKind::Failed));
    rig.arrive();
    rig.registration.bluez_lost();
    const auto calls = rig.calls.calls.size();
    rig.wait(seconds(60));
    EXPECT_EQ(rig.calls.calls.size(), calls);
    EXPECT_EQ(rig.registration.status(), AgentStatus::BluezAbsent);
}

TEST(TheAgentRegistration, AnAnswerFromABluetoothdThatLeftIsIgnored) {
    RegistrationRig rig;
    rig.registration.bluez_arrived();
    rig.registration.bluez_lost();
    rig.calls.cancel_all();
    EXPECT_EQ(rig.registration.status(), AgentStatus::BluezAbsent);
    EXPECT_EQ(rig.count(audit::Action::AgentRegistered, audit::Outcome::Failure), 0U);
}

TEST(TheAgentRegistration, AReloadToAuditWithdrawsTheAgentAndBackRegistersIt) {
    RegistrationRig rig;
    rig.arrive();
    rig.switch_policy(audit_policy());
    EXPECT_EQ(rig.calls.count("UnregisterAgent"), 1U);
    EXPECT_EQ(rig.registration.status(), AgentStatus::Withheld);
    EXPECT_EQ(rig.count(audit::Action::AgentUnregistered, audit::Outcome::Success), 1U);

    rig.switch_policy(kPasskeyOnlyPolicy);
    EXPECT_EQ(rig.calls.count("RegisterAgent"), 2U);
    EXPECT_TRUE(rig.registration.holds_default_agent());
    EXPECT_EQ(rig.count(audit::Action::AgentRegistered, audit::Outcome::Success), 2U);
}

TEST(TheAgentRegistration, AReleaseByBluetoothdIsRetried) {
    RegistrationRig rig;
    rig.arrive();
    rig.registration.released();
    EXPECT_FALSE(rig.registration.holds_default_agent());
    rig.wait(seconds(1));
    EXPECT_EQ(rig.calls.count("RegisterAgent"), 2U);
    EXPECT_TRUE(rig.registration.holds_default_agent());
}

TEST(TheAgentRegistration, StopUnregistersOnlyWhatItRegistered) {
    RegistrationRig enforcing;
    enforcing.arrive();
    bool stopped = false;
    enforcing.registration.stop([&] { stopped = true; });
    enforcing.calls.settle();
    EXPECT_TRUE(stopped);
    EXPECT_EQ(enforcing.calls.count("UnregisterAgent"), 1U);

    RegistrationRig auditing(audit_policy());
    auditing.arrive();
    stopped = false;
    auditing.registration.stop([&] { stopped = true; });
    EXPECT_TRUE(stopped);
    EXPECT_EQ(auditing.calls.count("UnregisterAgent"), 0U);
}

}  // namespace
}  // namespace btfence::testing
