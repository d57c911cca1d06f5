// What Manager1.Status counts (agent/daemon/control/event_feed.hpp): every event the audit trail
// reports, an aggregated summary counted as the repeats it stands for.
#include "control/event_feed.hpp"

#include <gtest/gtest.h>

namespace btfence::control {
namespace {

audit::Event denied() {
    audit::Event event;
    event.action = audit::Action::PairingDenied;
    event.outcome = audit::Outcome::Failure;
    return event;
}

TEST(AnEventFeed, CountsEachEventOnce) {
    EventFeed feed;
    feed.deliver(denied());
    feed.deliver(denied());
    EXPECT_EQ(feed.count(audit::Action::PairingDenied), 2U);
    EXPECT_EQ(feed.count(audit::Action::PairingDenied, audit::Outcome::Failure), 2U);
    EXPECT_EQ(feed.count(audit::Action::PairingAllowed), 0U);
    EXPECT_EQ(feed.summarized(), 0U);
}

TEST(AnEventFeed, CountsASummaryAsTheRepeatsItStandsFor) {
    // A device refused twenty times in a window: the first refusal, then one summary of 19.
    EventFeed feed;
    feed.deliver(denied());
    audit::Event summary = denied();
    summary.repetition = audit::Repetition{19, 1, 2};
    feed.deliver(summary);
    EXPECT_EQ(feed.count(audit::Action::PairingDenied), 20U);
    EXPECT_EQ(feed.count(audit::Action::PairingDenied, audit::Outcome::Failure), 20U);
    EXPECT_EQ(feed.summarized(), 19U);
}

TEST(AnEventFeed, HandsEveryEventToItsListenerOnce) {
    EventFeed feed;
    std::size_t heard = 0;
    feed.set_listener([&heard](const audit::Event&) { ++heard; });
    audit::Event summary = denied();
    summary.repetition = audit::Repetition{19, 1, 2};
    feed.deliver(summary);
    EXPECT_EQ(heard, 1U) << "a summary is one signal, not one per repeat";
}

}  // namespace
}  // namespace btfence::control
