#include "audit/auditor.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>

#include "audit/file_sink.hpp"
#include "test_support.hpp"

namespace btfence::audit {
namespace {

using testing::FakeClock;
using testing::MemorySink;

Event event_of(Action action) {
    Event event;
    event.action = action;
    event.outcome = Outcome::Success;
    return event;
}

/// A sink whose every write fails.
class ThrowingSink final : public AuditSink {
  public:
    explicit ThrowingSink(bool standard_exception) : standard_exception_(standard_exception) {}
    void write(const Event& /*event*/) override {
        ++attempts;
        if (standard_exception_) {
            throw std::runtime_error("disk on fire");
        }
        throw 42;  // NOLINT: a sink must not be able to break the fan-out with anything
    }
    int attempts = 0;

  private:
    bool standard_exception_;
};

struct AnAuditor : ::testing::Test {
    FakeClock clock{1'795'849'262'123'456, 1'000};
    Auditor auditor{clock, "laptop-042"};
};

TEST_F(AnAuditor, NumbersEventsFromOneWithoutGaps) {
    auto memory = std::make_unique<MemorySink>();
    const MemorySink& sink = *memory;
    auditor.add_sink(std::move(memory));
    EXPECT_EQ(auditor.last_sequence(), 0U);

    auditor.emit(event_of(Action::DaemonStarted));
    auditor.emit(event_of(Action::PolicyLoaded));
    auditor.emit(event_of(Action::AgentRegistered));

    ASSERT_EQ(sink.events.size(), 3U);
    EXPECT_EQ(sink.events[0].sequence, 1U);
    EXPECT_EQ(sink.events[1].sequence, 2U);
    EXPECT_EQ(sink.events[2].sequence, 3U);
    EXPECT_EQ(auditor.last_sequence(), 3U);
}

TEST_F(AnAuditor, StampsEachEventWithTheClockAndTheHostName) {
    auto memory = std::make_unique<MemorySink>();
    const MemorySink& sink = *memory;
    auditor.add_sink(std::move(memory));
    Event event = event_of(Action::PairingAllowed);
    event.sequence = 99;  // whatever the caller put there is replaced
    event.timestamp_us = 5;
    event.host_name = "spoofed";

    auditor.emit(event);
    auditor.emit(event_of(Action::BondKept));

    ASSERT_EQ(sink.events.size(), 2U);
    EXPECT_EQ(sink.events[0].sequence, 1U);
    EXPECT_EQ(sink.events[0].timestamp_us, 1'795'849'262'123'456);
    EXPECT_EQ(sink.events[1].timestamp_us, 1'795'849'262'124'456);
    EXPECT_EQ(sink.events[0].host_name, "laptop-042");
    EXPECT_EQ(sink.events[0].action, Action::PairingAllowed);
}

TEST_F(AnAuditor, GivesEveryEventToEverySink) {
    auto first = std::make_unique<MemorySink>();
    auto second = std::make_unique<MemorySink>();
    const MemorySink& first_sink = *first;
    const MemorySink& second_sink = *second;
    auditor.add_sink(std::move(first));
    auditor.add_sink(std::move(second));

    auditor.emit(event_of(Action::DeviceRemoved));
    auditor.emit(event_of(Action::PairingDenied));

    ASSERT_EQ(first_sink.events.size(), 2U);
    ASSERT_EQ(second_sink.events.size(), 2U);
    EXPECT_EQ(second_sink.events[1].action, Action::PairingDenied);
    EXPECT_EQ(second_sink.events[1].sequence, 2U);
}

TEST_F(AnAuditor, KeepsDeliveringToTheSecondSinkWhenTheFirstThrows) {
    auto failing = std::make_unique<ThrowingSink>(true);
    auto odd = std::make_unique<ThrowingSink>(false);
    auto memory = std::make_unique<MemorySink>();
    const ThrowingSink& failing_sink = *failing;
    const ThrowingSink& odd_sink = *odd;
    const MemorySink& sink = *memory;
    auditor.add_sink(std::move(failing));
    auditor.add_sink(std::move(odd));
    auditor.add_sink(std::move(memory));

    EXPECT_NO_THROW(auditor.emit(event_of(Action::PairingDenied)));
    EXPECT_NO_THROW(auditor.emit(event_of(Action::DeviceRemoved)));

    EXPECT_EQ(failing_sink.attempts, 2);
    EXPECT_EQ(odd_sink.attempts, 2);
    ASSERT_EQ(sink.events.size(), 2U);
    EXPECT_EQ(sink.events[1].action, Action::DeviceRemoved);
}

TEST_F(AnAuditor, KeepsDeliveringAndReportsToTheJournalWhenTheAuditFileFails) {
    // Wired as the daemon wires it: the file sink's error callback emits audit-log-error
    // through the same Auditor. That event is delivered after the one being written, in
    // sequence order, and the file sink leaves it to the other sinks.
    auto file = std::make_unique<FileSink>("/dev/null/btfence/audit.jsonl",
                                           [this](const FileSinkError& error) {
                                               Event report = event_of(Action::AuditLogError);
                                               report.outcome = Outcome::Failure;
                                               report.reason = error.describe();
                                               auditor.emit(std::move(report));
                                           });
    auto journal = std::make_unique<MemorySink>();
    const MemorySink& sink = *journal;
    auditor.add_sink(std::move(file));
    auditor.add_sink(std::move(journal));

    auditor.emit(event_of(Action::PairingDenied));

    ASSERT_EQ(sink.events.size(), 2U);
    EXPECT_EQ(sink.events[0].action, Action::PairingDenied);
    EXPECT_EQ(sink.events[0].sequence, 1U);
    EXPECT_EQ(sink.events[1].action, Action::AuditLogError);
    EXPECT_EQ(sink.events[1].sequence, 2U);
    EXPECT_EQ(sink.events[1].reason, "cannot open /dev/null/btfence/audit.jsonl: Not a directory");

    auditor.emit(event_of(Action::DeviceRemoved));
    ASSERT_EQ(sink.events.size(), 4U) << "the next event still goes out, and fails loudly again";
    EXPECT_EQ(sink.events[2].action, Action::DeviceRemoved);
    EXPECT_EQ(sink.events[3].action, Action::AuditLogError);
}

}  // namespace
}  // namespace btfence::audit
