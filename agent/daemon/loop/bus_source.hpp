#pragma once
// Drives an sdbus-c++ connection from the sd-event loop: sdbus-c++ 1.2 exposes the bus's
// fd, poll events and timeout (getEventLoopPollData); before every poll the loop refreshes
// them, and when the fd is ready or the timeout passes it lets sdbus-c++ dispatch.
//
// Several connections share the loop (docs/architecture.md, "Connections and priorities"):
// each source has an sd-event priority (when several are ready, the lowest number is
// dispatched first) and a budget of messages per dispatch, after which the loop looks again
// at what else is ready. A small budget on a busy connection bounds how long a message of
// a more important one waits.
#include <sdbus-c++/IConnection.h>

#include <cstdint>
#include <functional>

#include "loop/event_loop.hpp"

namespace btfence::loop {

class BusSource {
  public:
    /// `between_dispatches` runs before each poll, outside any D-Bus callback (used to free
    /// resources that callbacks may still have been using). `on_disconnected` is called once
    /// when the bus connection is gone (dbus-daemon stopped). `on_error` gets exceptions that
    /// escaped a D-Bus callback: logged, never fatal.
    BusSource(EventLoop& loop, sdbus::IConnection& connection, std::int64_t priority,
              int dispatch_budget, std::function<void()> between_dispatches,
              std::function<void(const std::exception&)> on_error,
              std::function<void()> on_disconnected);

  private:
    static int on_prepare(sd_event_source* source, void* userdata);
    static int on_ready(sd_event_source* source, int fd, std::uint32_t revents, void* userdata);
    static int on_timeout(sd_event_source* source, std::uint64_t usec, void* userdata);
    void dispatch(bool hung_up);
    void refresh();

    sdbus::IConnection& connection_;
    int dispatch_budget_;
    std::function<void()> between_dispatches_;
    std::function<void(const std::exception&)> on_error_;
    std::function<void()> on_disconnected_;
    bool disconnected_ = false;
    Source io_;
    Source timer_;
};

}  // namespace btfence::loop
