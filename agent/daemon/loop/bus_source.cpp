#include "loop/bus_source.hpp"

#include <poll.h>
#include <sys/epoll.h>

#include <system_error>

namespace btfence::loop {
namespace {

void check(int result, const char* what) {
    if (result < 0) {
        throw std::system_error(-result, std::generic_category(), what);
    }
}

std::uint32_t to_epoll(short events) {
    std::uint32_t out = 0;
    if ((events & POLLIN) != 0) {
        out |= EPOLLIN;
    }
    if ((events & POLLOUT) != 0) {
        out |= EPOLLOUT;
    }
    return out;
}

}  // namespace

BusSource::BusSource(EventLoop& loop, sdbus::IConnection& connection, std::int64_t priority,
                     int dispatch_budget, std::function<void()> between_dispatches,
                     std::function<void(const std::exception&)> on_error,
                     std::function<void()> on_disconnected)
    : connection_(connection),
      dispatch_budget_(dispatch_budget),
      between_dispatches_(std::move(between_dispatches)),
      on_error_(std::move(on_error)),
      on_disconnected_(std::move(on_disconnected)) {
    const auto poll = connection_.getEventLoopPollData();
    sd_event_source* io = nullptr;
    check(sd_event_add_io(loop.get(), &io, poll.fd, to_epoll(poll.events), &BusSource::on_ready,
                          this),
          "sd_event_add_io");
    io_ = Source(io);
    check(sd_event_source_set_prepare(io, &BusSource::on_prepare), "sd_event_source_set_prepare");
    check(sd_event_source_set_priority(io, priority), "sd_event_source_set_priority");
    sd_event_source* timer = nullptr;
    check(sd_event_add_time(loop.get(), &timer, CLOCK_MONOTONIC, UINT64_MAX, 0,
                            &BusSource::on_timeout, this),
          "sd_event_add_time");
    timer_ = Source(timer);
    check(sd_event_source_set_priority(timer, priority), "sd_event_source_set_priority");
    check(sd_event_source_set_enabled(timer, SD_EVENT_OFF), "sd_event_source_set_enabled");
}

int BusSource::on_prepare(sd_event_source* /*source*/, void* userdata) {
    static_cast<BusSource*>(userdata)->refresh();
    return 0;
}

int BusSource::on_ready(sd_event_source* /*source*/, int /*fd*/, std::uint32_t revents,
                        void* userdata) {
    static_cast<BusSource*>(userdata)->dispatch((revents & (EPOLLHUP | EPOLLERR)) != 0);
    return 0;
}

int BusSource::on_timeout(sd_event_source* /*source*/, std::uint64_t /*usec*/, void* userdata) {
    static_cast<BusSource*>(userdata)->dispatch(false);
    return 0;
}

void BusSource::dispatch(bool hung_up) {
    bool failed = false;
    // Messages left over wait for the next iteration: sd-bus reports a zero timeout while its
    // read queue is not empty, so nothing is left behind.
    for (int i = 0; i < dispatch_budget_; ++i) {
        try {
            if (!connection_.processPendingRequest()) {
                break;
            }
        } catch (const std::exception& e) {
            // A callback threw (e.g. a reply of unexpected type): report and carry on.
            on_error_(e);
            failed = true;
            break;
        }
    }
    if (hung_up && failed && !disconnected_) {
        // The socket is gone and sd-bus can no longer process: stop instead of spinning.
        disconnected_ = true;
        sd_event_source_set_enabled(io_.get(), SD_EVENT_OFF);
        on_disconnected_();
    }
}

void BusSource::refresh() {
    if (disconnected_) {
        return;
    }
    if (between_dispatches_) {
        between_dispatches_();
    }
    const auto poll = connection_.getEventLoopPollData();
    sd_event_source_set_io_events(io_.get(), to_epoll(poll.events));
    if (poll.timeout_usec == UINT64_MAX) {
        sd_event_source_set_enabled(timer_.get(), SD_EVENT_OFF);
    } else {
        sd_event_source_set_time(timer_.get(), poll.timeout_usec);
        sd_event_source_set_enabled(timer_.get(), SD_EVENT_ONESHOT);
    }
}

}  // namespace btfence::loop
