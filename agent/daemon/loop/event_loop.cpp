#include "loop/event_loop.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <system_error>

namespace btfence::loop {
namespace {

void check(int result, const char* what) {
    if (result < 0) {
        throw std::system_error(-result, std::generic_category(), what);
    }
}

int run_handler(void* userdata) {
    (*static_cast<std::function<void()>*>(userdata))();
    return 0;
}

}  // namespace

Source& Source::operator=(Source&& other) noexcept {
    if (this != &other) {
        reset();
        source_ = other.source_;
        other.source_ = nullptr;
    }
    return *this;
}

void Source::reset() {
    if (source_ != nullptr) {
        sd_event_source_disable_unref(source_);
        source_ = nullptr;
    }
}

EventLoop::EventLoop() {
    check(sd_event_new(&event_), "sd_event_new");
    post_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    check(post_fd_ < 0 ? -errno : 0, "eventfd");
    sd_event_source* source = nullptr;
    check(sd_event_add_io(
              event_, &source, post_fd_, EPOLLIN,
              [](sd_event_source*, int fd, std::uint32_t, void* userdata) {
                  std::uint64_t count = 0;
                  (void)!::read(fd, &count, sizeof count);
                  static_cast<EventLoop*>(userdata)->run_posted();
                  return 0;
              },
              this),
          "sd_event_add_io");
    sources_.emplace_back(source);
}

EventLoop::~EventLoop() {
    sources_.clear();
    sd_event_unref(event_);
    ::close(post_fd_);
}

void EventLoop::post(std::function<void()> task) {
    {
        const std::lock_guard lock(posted_mutex_);
        posted_.push_back(std::move(task));
    }
    const std::uint64_t one = 1;
    (void)!::write(post_fd_, &one, sizeof one);  // only fails if the counter would overflow
}

void EventLoop::run_posted() {
    std::vector<std::function<void()>> tasks;
    {
        const std::lock_guard lock(posted_mutex_);
        tasks.swap(posted_);
    }
    for (auto& task : tasks) {
        task();
    }
}

void EventLoop::on_signal(int signal, std::function<void()> handler) {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, signal);
    check(-sigprocmask(SIG_BLOCK, &mask, nullptr), "sigprocmask");
    auto stored = std::make_shared<std::function<void()>>(std::move(handler));
    userdata_.push_back(stored);
    sd_event_source* source = nullptr;
    check(sd_event_add_signal(
              event_, &source, signal,
              [](sd_event_source*, const signalfd_siginfo*, void* userdata) {
                  return run_handler(userdata);
              },
              stored.get()),
          "sd_event_add_signal");
    sources_.emplace_back(source);
}

void EventLoop::defer(std::function<void()> task) {
    auto* heap_task = new std::function<void()>(std::move(task));
    sd_event_source* source = nullptr;
    const int result = sd_event_add_defer(
        event_, &source,
        [](sd_event_source* self, void* userdata) {
            auto* fn = static_cast<std::function<void()>*>(userdata);
            (*fn)();
            delete fn;
            sd_event_source_disable_unref(self);
            return 0;
        },
        heap_task);
    if (result < 0) {
        delete heap_task;
        check(result, "sd_event_add_defer");
    }
}

void EventLoop::set_realtime_timer(TimerSlot& slot,
                                   std::optional<std::chrono::system_clock::time_point> when,
                                   std::function<void()> handler) {
    slot.source.reset();
    slot.handler = std::move(handler);
    if (!when) {
        return;
    }
    const auto usec =
        std::chrono::duration_cast<std::chrono::microseconds>(when->time_since_epoch()).count();
    sd_event_source* source = nullptr;
    // Accuracy 1 µs: an expiring exemption must end on time, and the timer fires rarely.
    check(sd_event_add_time(
              event_, &source, CLOCK_REALTIME, usec < 0 ? 0 : static_cast<std::uint64_t>(usec), 1,
              [](sd_event_source*, std::uint64_t, void* userdata) { return run_handler(userdata); },
              &slot.handler),
          "sd_event_add_time");
    slot.source = Source(source);
}

void EventLoop::set_monotonic_timer(TimerSlot& slot, std::optional<std::chrono::microseconds> after,
                                    std::function<void()> handler) {
    slot.source.reset();
    slot.handler = std::move(handler);
    if (!after) {
        return;
    }
    std::uint64_t now = 0;
    check(sd_event_now(event_, CLOCK_MONOTONIC, &now), "sd_event_now");
    const auto delay = static_cast<std::uint64_t>(std::max<std::int64_t>(after->count(), 0));
    sd_event_source* source = nullptr;
    check(sd_event_add_time(
              event_, &source, CLOCK_MONOTONIC, now + delay, 1000,
              [](sd_event_source*, std::uint64_t, void* userdata) { return run_handler(userdata); },
              &slot.handler),
          "sd_event_add_time");
    slot.source = Source(source);
}

void EventLoop::on_wall_clock_set(std::function<void()> handler) {
    struct Watch {
        int fd = -1;
        std::function<void()> handler;
        ~Watch() {
            if (fd >= 0) {
                ::close(fd);
            }
        }
        // Armed for an instant that never comes: only the cancellation matters.
        [[nodiscard]] int arm() const {
            itimerspec never{};
            never.it_value.tv_sec = std::numeric_limits<time_t>::max() / 2;
            return timerfd_settime(fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &never,
                                   nullptr);
        }
    };
    auto watch = std::make_shared<Watch>();
    watch->handler = std::move(handler);
    watch->fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
    check(watch->fd < 0 ? -errno : 0, "timerfd_create");
    check(watch->arm() < 0 ? -errno : 0, "timerfd_settime");
    userdata_.push_back(watch);
    sd_event_source* source = nullptr;
    check(sd_event_add_io(
              event_, &source, watch->fd, EPOLLIN,
              [](sd_event_source*, int fd, std::uint32_t, void* userdata) {
                  auto* w = static_cast<Watch*>(userdata);
                  std::uint64_t expirations = 0;
                  const bool set =
                      ::read(fd, &expirations, sizeof expirations) < 0 && errno == ECANCELED;
                  (void)w->arm();  // again, for the next set
                  if (set) {
                      w->handler();
                  }
                  return 0;
              },
              watch.get()),
          "sd_event_add_io");
    sources_.emplace_back(source);
}

void EventLoop::watch_file(const std::string& directory, const std::string& file_name,
                           std::function<void(FileChange)> handler) {
    struct Watch {
        std::string file_name;
        std::function<void(FileChange)> handler;
    };
    auto watch = std::make_shared<Watch>(Watch{file_name, std::move(handler)});
    userdata_.push_back(watch);
    sd_event_source* source = nullptr;
    check(sd_event_add_inotify(
              event_, &source, directory.c_str(),
              IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE,
              [](sd_event_source*, const struct inotify_event* event, void* userdata) {
                  auto* w = static_cast<Watch*>(userdata);
                  if (event->len == 0 || w->file_name != event->name) {
                      return 0;
                  }
                  if ((event->mask & IN_MOVED_TO) != 0) {
                      w->handler(FileChange::Replaced);
                  } else if ((event->mask & IN_CLOSE_WRITE) != 0) {
                      w->handler(FileChange::WrittenInPlace);
                  } else {
                      w->handler(FileChange::Removed);
                  }
                  return 0;
              },
              watch.get()),
          "sd_event_add_inotify");
    sources_.emplace_back(source);
}

void EventLoop::enable_watchdog() {
    check(sd_event_set_watchdog(event_, 1), "sd_event_set_watchdog");
}

int EventLoop::run() {
    return sd_event_loop(event_);
}

void EventLoop::exit(int code) {
    sd_event_exit(event_, code);
}

}  // namespace btfence::loop
