#pragma once
// Whether btfenced's Agent1 is bluetoothd's default agent, and keeping it so. In enforce mode
// the agent is registered and made default whenever bluetoothd is on the bus (and asked again
// when an adapter appears); a failed attempt is an error event and is retried with the shared
// backoff (retry/retry_queue.hpp) while bluetoothd stays. In audit mode the agent is not
// registered at all: bluez makes the first registered agent the default even without
// RequestDefaultAgent, so registering "quietly" would still hold it. A policy reload that
// changes the mode registers or withdraws the agent, audited.
//
// What stays invisible: bluetoothd does not tell an agent that another one took the default
// (RequestDefaultAgent by anyone); see docs/security.md. `Default` means "bluetoothd
// confirmed our RequestDefaultAgent and has not released us since".
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "audit/event.hpp"
#include "bluez/bluez_calls.hpp"
#include "policy_store.hpp"
#include "retry/retry_queue.hpp"

namespace btfence::pairing {

enum class AgentStatus {
    BluezAbsent,  ///< bluetoothd is not on the bus: nothing to register with
    Withheld,     ///< audit mode: deliberately not registered
    Registering,  ///< RegisterAgent/RequestDefaultAgent sent, no answer yet
    Default,      ///< registered and bluetoothd's default agent
    Failed,       ///< the last attempt failed; a retry is scheduled
};

std::string_view to_string(AgentStatus status);  ///< "bluez-absent", "withheld", ...

class AgentRegistration {
  public:
    using Emit = std::function<void(audit::Event)>;

    AgentRegistration(bluez::BluezCalls& calls, retry::RetryQueue& retries,
                      const PolicyStore& policies, bluez::ObjectPath agent_path,
                      std::string capability, Emit emit, std::function<void()> settled);

    /// bluetoothd is on the bus (its objects loaded, or still failing to load: the gate
    /// refuses meanwhile, so the slot is held).
    void bluez_arrived();
    /// bluez_arrived() was called and bluetoothd has not left since.
    [[nodiscard]] bool bluez_present() const { return bluez_present_; }
    /// bluetoothd left the bus: its agents are gone with it.
    void bluez_lost();
    /// An adapter appeared: ask to be default again (bluetoothd keeps one list for all).
    void adapter_added();
    /// The policy in force may have changed mode: register or withdraw accordingly.
    void policy_changed();
    /// bluetoothd called Agent1.Release: it no longer uses the agent.
    void released();
    /// Unregisters if registered; `done` runs once bluetoothd answered, or at once.
    void stop(std::function<void()> done);

    [[nodiscard]] AgentStatus status() const { return status_; }
    /// What the control API reports: whether btfenced holds bluetoothd's default agent.
    [[nodiscard]] bool holds_default_agent() const { return status_ == AgentStatus::Default; }
    /// The error of the last failed attempt, empty after a success.
    [[nodiscard]] const std::string& last_error() const { return last_error_; }
    /// One line for sd_notify STATUS= and status output.
    [[nodiscard]] std::string describe() const;

  private:
    [[nodiscard]] bool wanted() const;
    void attempt();
    void attempt_finished(const bluez::CallResult& error);
    void schedule_retry();
    void withdraw(const std::string& why);
    void set_status(AgentStatus status);

    bluez::BluezCalls& calls_;
    retry::RetryQueue& retries_;
    const PolicyStore& policies_;
    bluez::ObjectPath agent_path_;
    std::string capability_;
    Emit emit_;
    std::function<void()> settled_;  ///< called after every attempt, success or not
    AgentStatus status_ = AgentStatus::BluezAbsent;
    bool bluez_present_ = false;
    bool registered_ = false;        ///< RegisterAgent succeeded with this bluetoothd
    bool register_sent_ = false;     ///< RegisterAgent sent to this bluetoothd (maybe unanswered)
    bool failure_reported_ = false;  ///< one error event per run of failures
    std::string last_error_;
    retry::Backoff backoff_;  ///< reset after a success and whenever bluetoothd returns
    retry::RetryQueue::Handle retry_;
    std::uint64_t generation_ = 0;  ///< bumps when bluetoothd or the wish changes
};

}  // namespace btfence::pairing
