#include "control/event_feed.hpp"

namespace btfence::control {
namespace {

std::size_t outcome_index(audit::Outcome outcome) {
    switch (outcome) {
        case audit::Outcome::Success:
            return 0;
        case audit::Outcome::Failure:
            return 1;
        case audit::Outcome::Unknown:
            return 2;
    }
    return 2;
}

}  // namespace

void EventFeed::deliver(const audit::Event& event) {
    const auto action = static_cast<std::size_t>(event.action);
    const std::uint64_t happened = event.repetition ? event.repetition->count : 1;
    if (event.repetition) {
        summarized_ += event.repetition->count;
    }
    if (action < counts_.size()) {
        counts_[action][outcome_index(event.outcome)] += happened;
    }
    if (listener_) {
        listener_(event);
    }
}

std::uint64_t EventFeed::count(audit::Action action) const {
    const auto index = static_cast<std::size_t>(action);
    if (index >= counts_.size()) {
        return 0;
    }
    std::uint64_t total = 0;
    for (const auto value : counts_[index]) {
        total += value;
    }
    return total;
}

std::uint64_t EventFeed::count(audit::Action action, audit::Outcome outcome) const {
    const auto index = static_cast<std::size_t>(action);
    return index < counts_.size() ? counts_[index][outcome_index(outcome)] : 0;
}

void EventTap::write(const audit::Event& event) {
    if (const auto feed = feed_.lock()) {
        feed->deliver(event);
    }
}

}  // namespace btfence::control
