#pragma once
// One org.bluez.Agent1 method call from "bluetoothd" (the fake) to the registered agent,
// sent asynchronously and time-stamped when sent and when answered.
#include <chrono>
#include <string>

#include "fake_bluez_service.hpp"

namespace btfence::bench {

class AgentCall {
  public:
    /// Sends `method(device_path)` at once. The reply is dispatched by the pump.
    AgentCall(sd_bus* bus, const AgentRegistration& agent, const char* method,
              const std::string& device_path,
              std::chrono::microseconds timeout = std::chrono::seconds(10));
    AgentCall(const AgentCall&) = delete;
    AgentCall& operator=(const AgentCall&) = delete;

    [[nodiscard]] bool finished() const { return finished_; }
    /// Answered with an empty method return (the agent accepted).
    [[nodiscard]] bool accepted() const { return finished_ && error_.empty(); }
    /// "org.bluez.Error.Rejected: reason" when the reply was an error.
    [[nodiscard]] const std::string& error() const { return error_; }
    [[nodiscard]] Clock::time_point sent_at() const { return sent_at_; }
    [[nodiscard]] Clock::time_point answered_at() const { return answered_at_; }
    [[nodiscard]] double latency_us() const { return to_us(answered_at_ - sent_at_); }

  private:
    static int on_reply(sd_bus_message* reply, void* userdata, sd_bus_error* error);

    SlotPtr slot_;
    bool finished_ = false;
    std::string error_;
    Clock::time_point sent_at_{};
    Clock::time_point answered_at_{};
};

}  // namespace btfence::bench
