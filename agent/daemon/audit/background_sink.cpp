#include "audit/background_sink.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <exception>
#include <utility>

namespace btfence::audit {

BackgroundSink::BackgroundSink(std::unique_ptr<AuditSink> inner, std::size_t max_queued)
    : inner_(std::move(inner)), max_queued_(max_queued), thread_([this] { run(); }) {}

BackgroundSink::~BackgroundSink() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void BackgroundSink::write(const Event& event) {
    {
        const std::lock_guard lock(mutex_);
        if (queue_.size() >= max_queued_) {
            ++dropped_;
            ++dropped_unreported_;
            return;
        }
        queue_.push_back(event);
    }
    wake_.notify_one();
}

void BackgroundSink::flush() {
    std::unique_lock lock(mutex_);
    drained_.wait(lock, [this] { return queue_.empty() && !writing_; });
}

std::uint64_t BackgroundSink::dropped() const {
    const std::lock_guard lock(mutex_);
    return dropped_;
}

void BackgroundSink::run() {
    // The daemon's signals are delivered through sd-event's signalfd, which needs them blocked
    // in every thread; this thread may start before the loop blocks them.
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);

    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) {
            return;  // stopping, and everything is written
        }
        std::deque<Event> batch;
        batch.swap(queue_);
        const std::uint64_t dropped = std::exchange(dropped_unreported_, 0);
        writing_ = true;
        lock.unlock();
        if (dropped > 0) {
            spdlog::critical(
                "AUDIT LOG NOT WRITTEN: the {} fell behind; {} event(s) dropped from it "
                "(journald still has them)",
                inner_->name(), dropped);
        }
        for (const Event& event : batch) {
            try {
                inner_->write(event);
            } catch (const std::exception& error) {
                spdlog::error("{} lost audit event {}: {}", inner_->name(), event.sequence,
                              error.what());
            }
        }
        lock.lock();
        writing_ = false;
        if (queue_.empty()) {
            drained_.notify_all();
        }
    }
}

}  // namespace btfence::audit
