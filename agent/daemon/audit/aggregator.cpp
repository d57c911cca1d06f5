#include "audit/aggregator.hpp"

#include <algorithm>

namespace btfence::audit {

bool Aggregator::aggregates(Action action) {
    switch (action) {
        case Action::DaemonStarted:
        case Action::DaemonStopping:
        case Action::PolicyLoaded:
        case Action::PolicyRejected:
        case Action::AgentRegistered:
        case Action::AgentReleased:
        case Action::BluezFound:
        case Action::BluezLost:
        case Action::AuditLogError:
        case Action::AuditEventsDropped:
            return false;
        default:
            return true;
    }
}

Aggregator::Key Aggregator::key_of(const Event& event) {
    const DeviceInfo none;
    const DeviceInfo& device = event.device ? *event.device : none;
    return {event.action,
            event.outcome,
            event.verdict ? static_cast<int>(*event.verdict) : -1,
            static_cast<int>(event.mode),
            event.rule_id,
            event.reason,
            event.trigger,
            event.policy_sha256,
            device.adapter,
            device.address,
            device.name};
}

bool Aggregator::admit(const Event& event, std::int64_t monotonic_us, std::int64_t wall_us) {
    if (!aggregates(event.action) || options_.window.count() <= 0) {
        return true;
    }
    const Key key = key_of(event);
    const auto found = windows_.find(key);
    if (found == windows_.end()) {
        if (windows_.size() < options_.max_keys) {
            const std::int64_t window_us =
                std::chrono::duration_cast<std::chrono::microseconds>(options_.window).count();
            windows_.emplace(key, Window{monotonic_us + window_us, 0, 0, 0, {}});
        }
        return true;  // a first occurrence goes out at once (also when the table is full)
    }
    Window& window = found->second;
    if (window.held == 0) {
        window.first_us = wall_us;
    }
    ++window.held;
    window.last_us = wall_us;
    window.last = event;
    ++repeats_held_;
    return false;
}

Event Aggregator::summary(const Window& window) {
    Event event = window.last;
    event.repetition = Repetition{window.held, window.first_us, window.last_us};
    event.message = std::string(event.message.empty() ? info(event.action).name
                                                      : std::string_view{event.message}) +
                    " (repeated " + std::to_string(window.held) + " time" +
                    (window.held == 1 ? "" : "s") + ")";
    return event;
}

std::vector<Event> Aggregator::due(std::int64_t monotonic_us) {
    std::vector<Event> summaries;
    const std::int64_t window_us =
        std::chrono::duration_cast<std::chrono::microseconds>(options_.window).count();
    for (auto it = windows_.begin(); it != windows_.end();) {
        Window& window = it->second;
        if (window.ends_us > monotonic_us) {
            ++it;
            continue;
        }
        if (window.held == 0) {
            it = windows_.erase(it);  // quiet for a whole window: forget it
            continue;
        }
        summaries.push_back(summary(window));
        window.held = 0;
        window.ends_us = monotonic_us + window_us;  // still repeating: a new window
        ++it;
    }
    return summaries;
}

std::vector<Event> Aggregator::drain() {
    std::vector<Event> summaries;
    for (const auto& [key, window] : windows_) {
        if (window.held > 0) {
            summaries.push_back(summary(window));
        }
    }
    windows_.clear();
    return summaries;
}

std::optional<std::int64_t> Aggregator::next_deadline() const {
    std::optional<std::int64_t> next;
    for (const auto& [key, window] : windows_) {
        if (!next || window.ends_us < *next) {
            next = window.ends_us;
        }
    }
    return next;
}

}  // namespace btfence::audit
