#include "pairing/agent_registration.hpp"

#include <spdlog/spdlog.h>

#include "decision_events.hpp"

namespace btfence::pairing {

std::string_view to_string(AgentStatus status) {
    switch (status) {
        case AgentStatus::BluezAbsent:
            return "bluez-absent";
        case AgentStatus::Withheld:
            return "withheld";
        case AgentStatus::Registering:
            return "registering";
        case AgentStatus::Default:
            return "default";
        case AgentStatus::Failed:
            return "failed";
    }
    return "unknown";
}

AgentRegistration::AgentRegistration(bluez::BluezCalls& calls, retry::RetryQueue& retries,
                                     const PolicyStore& policies, bluez::ObjectPath agent_path,
                                     std::string capability, Emit emit,
                                     std::function<void()> settled)
    : calls_(calls),
      retries_(retries),
      policies_(policies),
      agent_path_(std::move(agent_path)),
      capability_(std::move(capability)),
      emit_(std::move(emit)),
      settled_(std::move(settled)),
      backoff_(retries.backoff()) {}

bool AgentRegistration::wanted() const {
    return policies_.current().mode == policy::Mode::Enforce;
}

void AgentRegistration::set_status(AgentStatus status) {
    status_ = status;
}

std::string AgentRegistration::describe() const {
    switch (status_) {
        case AgentStatus::BluezAbsent:
            return "Waiting for bluetoothd";
        case AgentStatus::Withheld:
            return "Audit mode: observing only; the pairing agent is not registered";
        case AgentStatus::Registering:
            return "Registering the pairing agent";
        case AgentStatus::Default:
            return "Enforcing: btfenced holds the default pairing agent";
        case AgentStatus::Failed:
            return "Degraded: NOT the default pairing agent (" + last_error_ +
                   "); denied bonds are still removed after the fact; retrying";
    }
    return "unknown";
}

void AgentRegistration::bluez_arrived() {
    bluez_present_ = true;
    registered_ = false;
    register_sent_ = false;
    failure_reported_ = false;
    backoff_ = retries_.backoff();
    retry_.reset();
    ++generation_;
    if (wanted()) {
        attempt();
        return;
    }
    set_status(AgentStatus::Withheld);
    audit::Event event = policy_event(
        audit::Action::AgentUnregistered, &policies_.current(),
        "Audit mode: btfenced does not register its pairing agent; the person's own agent (or "
        "none) answers pairing requests as without btfence");
    event.outcome = audit::Outcome::Success;
    emit_(std::move(event));
    if (settled_) {
        settled_();
    }
}

void AgentRegistration::bluez_lost() {
    bluez_present_ = false;
    registered_ = false;
    register_sent_ = false;
    retry_.reset();
    ++generation_;
    set_status(AgentStatus::BluezAbsent);
}

void AgentRegistration::adapter_added() {
    if (bluez_present_ && wanted() && status_ != AgentStatus::Registering) {
        attempt();  // make sure the agent is still the default one
    }
}

void AgentRegistration::policy_changed() {
    if (!bluez_present_) {
        return;
    }
    if (wanted() && status_ == AgentStatus::Withheld) {
        backoff_ = retries_.backoff();
        failure_reported_ = false;
        attempt();
    } else if (!wanted() && status_ != AgentStatus::Withheld) {
        withdraw("the policy switched to audit mode, which observes only");
    }
}

void AgentRegistration::released() {
    registered_ = false;
    register_sent_ = false;
    if (!bluez_present_ || !wanted()) {
        return;
    }
    ++generation_;
    last_error_ = "bluetoothd released the agent";
    set_status(AgentStatus::Failed);
    schedule_retry();
}

void AgentRegistration::schedule_retry() {
    const auto generation = generation_;
    retry_ = retries_.schedule(backoff_.next(), [this, generation] {
        if (generation == generation_) {
            attempt();
        }
    });
}

void AgentRegistration::attempt() {
    if (!bluez_present_ || !wanted()) {
        return;
    }
    set_status(AgentStatus::Registering);
    retry_.reset();
    const auto generation = ++generation_;
    auto finish = [this, generation](const bluez::CallResult& error) {
        if (generation == generation_) {
            attempt_finished(error);
        }
    };
    if (registered_) {
        calls_.request_default_agent(agent_path_, finish);
        return;
    }
    register_sent_ = true;
    calls_.register_agent(agent_path_, capability_,
                          [this, generation, finish](const bluez::CallResult& error) {
                              if (generation != generation_) {
                                  return;
                              }
                              // AlreadyExists: registered before with this bluetoothd; still ask to
                              // be default.
                              if (error && error->kind() != bluez::ErrorKind::AlreadyExists) {
                                  finish(error);
                                  return;
                              }
                              registered_ = true;
                              calls_.request_default_agent(agent_path_, finish);
                          });
}

void AgentRegistration::attempt_finished(const bluez::CallResult& error) {
    if (!error) {
        last_error_.clear();
        backoff_ = retries_.backoff();
        failure_reported_ = false;
        set_status(AgentStatus::Default);
        audit::Event event = policy_event(
            audit::Action::AgentRegistered, &policies_.current(),
            "Registered the pairing agent: btfenced holds bluetoothd's default agent (" +
                capability_ + ")");
        event.outcome = audit::Outcome::Success;
        emit_(std::move(event));
    } else if (error->bluez_gone()) {
        // bluetoothd left (or our bus connection did): NameOwnerChanged follows, and its
        // return starts over. Nothing to retry against meanwhile.
        last_error_ = error->describe();
        set_status(AgentStatus::Failed);
        spdlog::warn("agent registration interrupted: {}", last_error_);
    } else {
        last_error_ = error->describe();
        set_status(AgentStatus::Failed);
        schedule_retry();
        spdlog::error("could not become bluetoothd's default agent: {} ({} failure(s); retrying)",
                      last_error_, backoff_.failures());
        if (!failure_reported_) {
            failure_reported_ = true;
            audit::Event event = policy_event(
                audit::Action::AgentRegistered, &policies_.current(),
                "FAILED to make the pairing agent bluetoothd's default agent: pairing requests "
                "are not gated (denied bonds are still removed after the fact); retrying");
            event.outcome = audit::Outcome::Failure;
            event.reason = last_error_;
            emit_(std::move(event));
        }
    }
    if (settled_) {
        settled_();
    }
}

void AgentRegistration::withdraw(const std::string& why) {
    ++generation_;
    retry_.reset();
    set_status(AgentStatus::Withheld);
    const bool was_sent = register_sent_;
    registered_ = false;
    register_sent_ = false;
    if (!was_sent) {
        audit::Event event = policy_event(audit::Action::AgentUnregistered, &policies_.current(),
                                          "The pairing agent stays unregistered: " + why);
        event.outcome = audit::Outcome::Success;
        emit_(std::move(event));
        return;
    }
    // Sent even while a RegisterAgent is unanswered: bluetoothd handles one client's calls in
    // order, so this undoes it either way (DoesNotExist when it had failed).
    calls_.unregister_agent(agent_path_, [this, why](const bluez::CallResult& error) {
        const bool not_there = error && error->kind() == bluez::ErrorKind::DoesNotExist;
        audit::Event event =
            policy_event(audit::Action::AgentUnregistered, &policies_.current(),
                         error && !not_there
                             ? "FAILED to unregister the pairing agent (" + why + ")"
                             : "Unregistered the pairing agent: " + why +
                                   "; the person's own agent (or none) answers pairing requests");
        event.outcome = error && !not_there ? audit::Outcome::Failure : audit::Outcome::Success;
        if (error) {
            event.reason = error->describe();
        }
        emit_(std::move(event));
    });
}

void AgentRegistration::stop(std::function<void()> done) {
    ++generation_;
    retry_.reset();
    if (!bluez_present_ || !register_sent_) {
        done();
        return;
    }
    register_sent_ = false;
    registered_ = false;
    calls_.unregister_agent(agent_path_, [done = std::move(done)](const bluez::CallResult& error) {
        if (error) {
            spdlog::warn("UnregisterAgent failed: {}", error->describe());
        }
        done();
    });
}

}  // namespace btfence::pairing
