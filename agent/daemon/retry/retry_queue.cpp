#include "retry/retry_queue.hpp"

namespace btfence::retry {

Clock::duration Backoff::next() {
    Clock::duration delay = settings_.first;
    for (unsigned i = 0; i < failures_ && delay < settings_.max; ++i) {
        delay *= 2;
    }
    ++failures_;
    return delay < settings_.max ? delay : settings_.max;
}

RetryQueue::Handle& RetryQueue::Handle::operator=(Handle&& other) noexcept {
    if (this != &other) {
        reset();
        queue_ = std::exchange(other.queue_, nullptr);
        id_ = other.id_;
    }
    return *this;
}

void RetryQueue::Handle::reset() {
    if (queue_ != nullptr) {
        queue_->cancel(id_);
        queue_ = nullptr;
    }
}

bool RetryQueue::Handle::pending() const {
    return queue_ != nullptr && queue_->when_.contains(id_);
}

RetryQueue::RetryQueue(WakeupTimer& timer, BackoffSettings settings)
    : timer_(timer), settings_(settings) {
    timer_.on_due([this] { run_due(); });
}

RetryQueue::~RetryQueue() {
    timer_.wake_at(std::nullopt);
    timer_.on_due({});
}

RetryQueue::Handle RetryQueue::schedule(Clock::duration delay, Task task) {
    const std::uint64_t id = next_id_++;
    const Clock::time_point when = timer_.now() + delay;
    due_.emplace(std::pair(when, id), std::move(task));
    when_.emplace(id, when);
    rearm();
    return {this, id};
}

void RetryQueue::cancel(std::uint64_t id) {
    const auto it = when_.find(id);
    if (it == when_.end()) {
        return;  // ran already
    }
    due_.erase(std::pair(it->second, id));
    when_.erase(it);
    rearm();
}

void RetryQueue::run_due() {
    armed_for_.reset();
    const Clock::time_point now = timer_.now();
    const std::uint64_t scheduled_before = next_id_;
    // One at a time, looking again after each: a task may cancel another one that is due
    // (its owner gone), and tasks scheduled while running wait for the next wake-up.
    for (;;) {
        auto it = due_.begin();
        while (it != due_.end() && it->first.first <= now && it->first.second >= scheduled_before) {
            ++it;
        }
        if (it == due_.end() || it->first.first > now) {
            break;
        }
        auto node = due_.extract(it);
        when_.erase(node.key().second);
        node.mapped()();
    }
    rearm();
}

void RetryQueue::rearm() {
    const std::optional<Clock::time_point> earliest =
        due_.empty() ? std::nullopt : std::optional(due_.begin()->first.first);
    if (earliest == armed_for_) {
        return;
    }
    armed_for_ = earliest;
    timer_.wake_at(earliest);
}

}  // namespace btfence::retry
