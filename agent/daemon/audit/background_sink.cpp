#include "audit/background_sink.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <exception>
#include <utility>

namespace btfence::audit {

BackgroundSink::BackgroundSink(std::unique_ptr<AuditSink> inner, std::size_t max_queued_bytes,
                               LossCallback on_loss)
    : inner_(std::move(inner)),
      max_queued_bytes_(max_queued_bytes),
      on_loss_(std::move(on_loss)),
      thread_([this] { run(); }) {}

BackgroundSink::~BackgroundSink() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
    inner_->idle();
}

std::size_t BackgroundSink::weight(const Event& event) {
    std::size_t bytes = sizeof(Event) + event.message.size() + event.rule_id.size() +
                        event.rule_reason.size() + event.reason.size() +
                        event.policy_sha256.size() + event.policy_path.size() +
                        event.trigger.size() + event.host_name.size();
    if (event.device) {
        const DeviceInfo& device = *event.device;
        bytes += device.adapter.size() + device.address.size() + device.name.size() +
                 device.device_class.size() + device.class_reason.size() +
                 device.object_path.size() + device.aaguid.size();
    }
    if (event.loss) {
        bytes += event.loss->output.size();
    }
    return bytes;
}

void BackgroundSink::write(const Event& event) {
    const std::size_t bytes = weight(event);
    {
        const std::lock_guard lock(mutex_);
        if (counters_.queued_bytes + bytes > max_queued_bytes_) {
            ++counters_.dropped;
            ++unreported_;
            return;
        }
        counters_.queued_bytes += bytes;
        queue_.push_back(event);
    }
    wake_.notify_one();
}

void BackgroundSink::flush() {
    std::unique_lock lock(mutex_);
    drained_.wait(lock, [this] { return queue_.empty() && !writing_; });
}

DeliveryCounters BackgroundSink::counters() const {
    const std::lock_guard lock(mutex_);
    return counters_;
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
        Event event = std::move(queue_.front());
        queue_.pop_front();
        counters_.queued_bytes -= weight(event);
        writing_ = true;
        lock.unlock();
        deliver(event);
        lock.lock();
        if (queue_.empty()) {
            lock.unlock();
            inner_->idle();  // a burst is written: once-per-burst work (the chain's head)
            lock.lock();
        }
        writing_ = false;
        if (queue_.empty()) {
            drained_.notify_all();
        }
    }
}

void BackgroundSink::deliver(const Event& event) {
    bool delivered = false;
    std::string error;
    try {
        inner_->write(event);
        delivered = true;
    } catch (const std::exception& e) {
        error = e.what();
    } catch (...) {
        error = "unknown exception";
    }
    std::uint64_t lost = 0;
    {
        const std::lock_guard lock(mutex_);
        if (delivered) {
            ++counters_.delivered;
            lost = std::exchange(unreported_, 0);
        } else {
            ++counters_.failed;
            ++unreported_;
        }
    }
    if (!delivered) {
        if (!std::exchange(failing_, true)) {  // once per outage, not once per event
            spdlog::error("{} lost audit event {} ({}); counting until it works again",
                          inner_->name(), event.sequence, error);
        }
        return;
    }
    if (lost > 0 || failing_) {
        failing_ = false;
        spdlog::warn("{} delivers audit events again; {} event(s) lost in between", inner_->name(),
                     lost);
        if (lost > 0 && on_loss_) {
            on_loss_(inner_->name(), lost);
        }
    }
}

}  // namespace btfence::audit
