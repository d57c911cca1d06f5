#include "daemon.hpp"

#include <malloc.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "bluez/names.hpp"
#include "decision_events.hpp"

namespace btfence {
namespace {

constexpr std::chrono::seconds kUnregisterGrace{2};

// When both connections have messages, sd-event dispatches the agent's first; the watch
// connection then hands over after a few messages, so a pairing request waits for at most
// that many signals of a flood (docs/architecture.md, "Connections and priorities").
constexpr std::int64_t kAgentBusPriority = SD_EVENT_PRIORITY_IMPORTANT;
constexpr std::int64_t kWatchBusPriority = SD_EVENT_PRIORITY_NORMAL;
constexpr int kAgentDispatchBudget = 64;
constexpr int kWatchDispatchBudget = 16;

}  // namespace

Daemon::Daemon(loop::EventLoop& loop, sdbus::IConnection& connection,
               sdbus::IConnection& agent_connection, audit::Auditor& auditor, PolicyStore& policies,
               ServiceNotifier& notifier, const DecisionClock& clock, std::string probe_path,
               const std::string& state_dir, const BluezTuning& tuning)
    : loop_(loop),
      connection_(connection),
      agent_connection_(agent_connection),
      auditor_(auditor),
      policies_(policies),
      notifier_(notifier),
      clock_(clock),
      retry_timer_(loop),
      retries_(retry_timer_, tuning.backoff),
      calls_(
          connection, [&loop](std::function<void()> task) { loop.defer(std::move(task)); },
          tuning.call_timeout),
      agent_calls_(
          agent_connection, [&loop](std::function<void()> task) { loop.defer(std::move(task)); },
          tuning.call_timeout),
      // On the watch connection: a GetAll reply must come after the signals bluetoothd sent
      // before it, or an older PropertiesChanged still queued would overwrite what it read.
      lookup_(mirror_, calls_, retries_),
      grandfathered_(state::StateFile(std::filesystem::path(state_dir) /
                                      enforce::GrandfatheredBonds::kFileName)),
      gate_(mirror_, policies, clock),
      enforcer_(mirror_, calls_, retries_, policies, clock, grandfathered_,
                [this](audit::Event e) { emit(std::move(e)); }),
      guard_(calls_, retries_, policies, [this](audit::Event e) { emit(std::move(e)); }),
      verifier_(loop, mirror_, policies, clock, std::move(probe_path),
                [this](audit::Event e) { emit(std::move(e)); }),
      rule_windows_(loop, policies, clock,
                    [this](const std::vector<policy::WindowChange>& changes,
                           RuleWindows::Cause cause) { rule_windows_changed(changes, cause); }) {
    mirror_.set_observer(this);
}

Daemon::~Daemon() {
    mirror_.set_observer(nullptr);
}

void Daemon::emit(audit::Event event) {
    auditor_.emit(std::move(event));
}

void Daemon::emit_after_reply(audit::Event event) {
    loop_.defer([this, event = std::move(event)]() mutable { auditor_.emit(std::move(event)); });
}

void Daemon::start() {
    const auto on_error = [](const std::exception& e) {
        spdlog::error("D-Bus callback failed: {}", e.what());
    };
    const auto on_disconnected = [this] {
        spdlog::critical(
            "lost the system bus connection; exiting so that systemd restarts btfenced");
        loop_.exit(1);
    };
    bus_source_ = std::make_unique<loop::BusSource>(
        loop_, connection_, kWatchBusPriority, kWatchDispatchBudget,
        [this] { calls_.collect_retired(); }, on_error, on_disconnected);
    agent_bus_source_ = std::make_unique<loop::BusSource>(
        loop_, agent_connection_, kAgentBusPriority, kAgentDispatchBudget,
        [this] { agent_calls_.collect_retired(); }, on_error, on_disconnected);
    // The decision still reads the mirror, on this same thread. It may not have seen the
    // signals still queued on the watch connection: what it misses is enforced after the fact
    // once they are read (a bond on facts that changed is removed; docs/architecture.md).
    agent_ = std::make_unique<pairing::Agent1Object>(
        agent_connection_, gate_,
        [this](const std::string& path, std::function<void()> then) {
            lookup_.ensure_known(path, std::move(then));
        },
        [this](audit::Event e) { emit_after_reply(std::move(e)); },
        [this] {
            audit::Event event = policy_event(audit::Action::AgentReleased, &policies_.current(),
                                              "bluetoothd released the agent");
            event.outcome = audit::Outcome::Success;
            emit_after_reply(std::move(event));
        });

    const policy::Policy& policy = policies_.current();
    audit::Event loaded =
        policy_event(audit::Action::PolicyLoaded, &policy,
                     "Loaded policy " + policy.source + " (" + std::to_string(policy.rules.size()) +
                         " rules, mode " + std::string(policy::to_string(policy.mode)) + ")");
    loaded.outcome = audit::Outcome::Success;
    emit(std::move(loaded));
    if (auto error = grandfathered_.load()) {
        // Fail closed: no bond is grandfathered until an administrator fixes or removes the
        // file; it is not replaced behind their back.
        spdlog::error("cannot read the grandfathered bonds: {}", *error);
        audit::Event event = policy_event(
            audit::Action::StateFileError, &policy,
            "Cannot read the grandfathered bonds (" + grandfathered_.path() +
                "): no bond is kept under existing_bonds = \"keep\" until it is fixed or removed");
        event.outcome = audit::Outcome::Failure;
        event.reason = *error;
        emit(std::move(event));
    }
    if (posture_ != nullptr) {
        posture_->check("start");
    }
    rule_windows_.start();

    watch_ = std::make_unique<bluez::BluezWatch>(connection_, calls_, retries_, mirror_, *this);
    watch_->start();
}

// --- bluetoothd coming and going -------------------------------------------------------

void Daemon::bluez_loading() {
    populating_ = true;
}

void Daemon::bluez_ready(const std::string& owner) {
    populating_ = false;
    audit::Event found =
        policy_event(audit::Action::BluezFound, &policies_.current(),
                     "bluetoothd is on the bus as " + owner + " with " +
                         std::to_string(mirror_.adapters().size()) + " adapter(s) and " +
                         std::to_string(mirror_.device_count()) + " device(s)");
    found.outcome = audit::Outcome::Success;
    emit(std::move(found));
    if (posture_ != nullptr) {
        // Whether this bluetoothd has the admin plugin is part of its posture.
        bool admin_policy = false;
        for (const auto& [path, adapter] : mirror_.adapters()) {
            admin_policy = admin_policy || adapter.has_admin_policy;
        }
        posture_->set_admin_policy(mirror_.adapters().empty() ? std::nullopt
                                                              : std::optional<bool>(admin_policy));
        posture_->check("bluez-found");
    }
    // Enforce on what is already there before anything else: bonds made while btfenced was
    // down are the likeliest bypass.
    enforcer_.sweep(first_sweep_done_ ? enforce::SweepKind::Reload : enforce::SweepKind::Startup);
    first_sweep_done_ = true;
    if (agent_requested_) {
        guard_.apply_all(mirror_);  // registered while the objects could not be read
    } else {
        register_agent();
    }
    // GetManagedObjects of a busy adapter is megabytes of short-lived messages, freed once
    // the reply callback returns; give the pages back then instead of keeping the peak for
    // the life of the process (the benchmark's start-up RSS was 27 MiB, steady state 7).
    loop_.defer([] { malloc_trim(0); });
}

void Daemon::bluez_load_failed(const std::string& owner, const bluez::BluezError& error,
                               retry::Clock::duration retry_in, unsigned failures) {
    const auto retry_ms = std::chrono::duration_cast<std::chrono::milliseconds>(retry_in).count();
    if (failures > 1) {
        spdlog::warn("GetManagedObjects failed again ({} failures): {}; retrying in {} ms",
                     failures, error.describe(), retry_ms);
        return;
    }
    audit::Event event =
        policy_event(audit::Action::BluezFound, &policies_.current(),
                     "bluetoothd is on the bus as " + owner +
                         " but its devices could not be read; pairing requests are refused and "
                         "nothing is swept until they are");
    event.outcome = audit::Outcome::Failure;
    event.reason = "GetManagedObjects failed: " + error.describe() + "; retrying in " +
                   std::to_string(retry_ms) + " ms and until it succeeds";
    emit(std::move(event));
    // Hold the default-agent slot meanwhile: the gate refuses every request until the objects
    // are in (PairingGate::not_loaded), rather than leaving pairings to another agent.
    if (!agent_requested_) {
        register_agent();
    }
}

void Daemon::bluez_lost() {
    ++bluez_generation_;
    populating_ = false;
    agent_requested_ = false;
    agent_backoff_.reset();
    agent_retry_.reset();
    enforcer_.reset();
    guard_.reset();
    verifier_.reset();
    lookup_.reset();      // pending agent calls are answered (refused: the device is unknown)
    calls_.cancel_all();  // every call still pending ends now, as Cancelled
    agent_calls_.cancel_all();
    audit::Event event =
        policy_event(audit::Action::BluezLost, &policies_.current(),
                     "bluetoothd left the bus; new pairings fail closed until it returns "
                     "(no default agent means bluetoothd is not bondable)");
    event.outcome = audit::Outcome::Success;
    emit(std::move(event));
    notifier_.status("Waiting for bluetoothd");
}

void Daemon::bluez_absent() {
    notifier_.status("Waiting for bluetoothd");
    announce_ready();
}

void Daemon::register_agent() {
    agent_requested_ = true;
    agent_retry_.reset();
    const bluez::ObjectPath path{std::string(pairing::kAgentPath)};
    const auto generation = bluez_generation_;
    agent_calls_.register_agent(path, std::string(pairing::kAgentCapability),
                                [this, path, generation](const bluez::CallResult& error) {
                                    if (generation != bluez_generation_) {
                                        return;
                                    }
                                    // AlreadyExists: registered before (adapter hot-plug); still
                                    // ask to be default.
                                    if (error && error->kind() != bluez::ErrorKind::AlreadyExists) {
                                        agent_registered_and_default(error);
                                        return;
                                    }
                                    agent_calls_.request_default_agent(
                                        path,
                                        [this, generation](const bluez::CallResult& default_error) {
                                            if (generation == bluez_generation_) {
                                                agent_registered_and_default(default_error);
                                            }
                                        });
                                });
}

void Daemon::agent_registered_and_default(const bluez::CallResult& error) {
    if (error && !error->bluez_gone()) {
        // Retried until bluetoothd accepts it: without the default agent, remote pairings
        // would be answered by another agent, or by none.
        if (!agent_backoff_) {
            agent_backoff_ = retries_.backoff();
        }
        const bool first = agent_backoff_->failures() == 0;
        const auto delay = agent_backoff_->next();
        const auto generation = bluez_generation_;
        agent_retry_ = retries_.schedule(delay, [this, generation] {
            if (generation == bluez_generation_) {
                register_agent();
            }
        });
        spdlog::error("agent registration failed: {}; retrying in {} ms", error->describe(),
                      std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
        if (!first) {
            return;
        }
    } else if (!error) {
        agent_backoff_.reset();
    }
    audit::Event event =
        policy_event(audit::Action::AgentRegistered, &policies_.current(),
                     error ? "FAILED to register the pairing agent (retrying): " + error->describe()
                           : "Registered the pairing agent as bluetoothd's default agent (" +
                                 std::string(pairing::kAgentCapability) + ")");
    event.outcome = error ? audit::Outcome::Failure : audit::Outcome::Success;
    if (error) {
        event.reason = error->describe();
    }
    emit(std::move(event));
    guard_.apply_all(mirror_);
    announce_ready();
}

void Daemon::announce_ready() {
    if (ready_announced_) {
        return;
    }
    ready_announced_ = true;
    audit::Event event =
        policy_event(audit::Action::DaemonStarted, &policies_.current(),
                     watch_ && watch_->bluez_present() ? "btfenced is enforcing"
                                                       : "btfenced is waiting for bluetoothd");
    event.outcome = audit::Outcome::Success;
    emit(std::move(event));
    notifier_.ready(watch_ && watch_->bluez_present() ? "Enforcing" : "Waiting for bluetoothd");
}

void Daemon::malformed_signal(const std::string& what) {
    spdlog::warn("ignored malformed message from org.bluez: {}", what);
}

// --- mirror events -------------------------------------------------------------------

void Daemon::device_changed(const bluez::DeviceState& device, bluez::FactChanges changes,
                            bool added) {
    if (!device.problems.empty() && (added || changes.any())) {
        // Only bluetoothd's own signals get here (BluezWatch checks the sender), so this is
        // rare and worth every line: the device is being denied because of it.
        std::string all;
        for (const auto& problem : device.problems) {
            all += (all.empty() ? "" : "; ") + problem;
        }
        spdlog::warn(
            "device {} has unreadable properties ({}); it is denied until they can be read",
            device.path, all);
    }
    if (populating_) {
        return;  // bluez_ready() sweeps every device once loading is done
    }
    enforcer_.device_changed(device, changes, added);
    if (const auto* still_there = mirror_.device(device.path)) {
        verifier_.consider(*still_there);
    }
}

void Daemon::device_removed(const std::string& path) {
    enforcer_.device_removed(path);
    verifier_.device_removed(path);
}

void Daemon::adapter_added(const bluez::AdapterState& adapter) {
    guard_.adapter_added(adapter);
    if (ready_announced_ && watch_ && watch_->bluez_present()) {
        register_agent();  // a hot-plugged adapter: make sure our agent is still the default
    }
}

void Daemon::adapter_removed(const std::string& path) {
    guard_.adapter_removed(path);
}

void Daemon::adapter_allowlist_changed(const bluez::AdapterState& adapter) {
    guard_.allowlist_changed(adapter);
}

void Daemon::device_unknown(const std::string& path) {
    lookup_.fetch_in_background(path);
}

// --- policy and time -----------------------------------------------------------------

void Daemon::reload() {
    notifier_.reloading();
    const std::string previous = policies_.current().sha256;
    if (auto errors = policies_.load()) {
        std::string joined;
        for (const auto& error : *errors) {
            spdlog::error("{}", error.to_string());
            joined += (joined.empty() ? "" : "\n") + error.to_string();
        }
        audit::Event event = policy_event(audit::Action::PolicyRejected, &policies_.current(),
                                          "Rejected the new policy in " + policies_.path() + " (" +
                                              std::to_string(errors->size()) +
                                              " error(s)); the running policy stays in force");
        event.outcome = audit::Outcome::Success;
        event.reason = joined;
        emit(std::move(event));
    } else {
        const policy::Policy& policy = policies_.current();
        audit::Event event = policy_event(
            audit::Action::PolicyLoaded, &policy,
            "Reloaded policy " + policy.source + " (" + std::to_string(policy.rules.size()) +
                " rules, mode " + std::string(policy::to_string(policy.mode)) + ")" +
                (policy.sha256 == previous ? ", unchanged" : ""));
        event.outcome = audit::Outcome::Success;
        emit(std::move(event));
        enforcer_.sweep(enforce::SweepKind::Reload);
        guard_.apply_all(mirror_);
        rule_windows_.policy_replaced();
    }
    notifier_.ready(watch_ && watch_->bluez_present() ? "Enforcing" : "Waiting for bluetoothd");
}

void Daemon::rule_windows_changed(const std::vector<policy::WindowChange>& changes,
                                  RuleWindows::Cause cause) {
    const policy::Policy& policy = policies_.current();
    const bool clock_set = cause == RuleWindows::Cause::ClockSet;
    if (clock_set) {
        spdlog::info("the wall clock was set; re-deciding every device for the rules' windows");
    }
    for (const auto& change : changes) {
        const auto& rule = *change.rule;
        std::string message = "Rule '" + rule.id + "' " +
                              (change.in_effect ? "took effect" : "is out of its window (expired)");
        if (clock_set) {
            message += " because the wall clock was set";
        }
        audit::Event event = policy_event(
            change.in_effect ? audit::Action::ExemptionStarted : audit::Action::ExemptionExpired,
            &policy, message + "; re-deciding every device");
        event.outcome = audit::Outcome::Success;
        event.rule_id = rule.id;
        event.rule_reason = rule.reason;
        event.trigger = clock_set ? "wall-clock-set" : "rule-window";
        emit(std::move(event));
    }
    // After a clock set, sweep even when no rule changed: nothing is lost by deciding again.
    enforcer_.sweep(enforce::SweepKind::Timer);
}

void Daemon::stop() {
    if (stopping_) {
        return;
    }
    stopping_ = true;
    notifier_.stopping();
    audit::Event event = policy_event(audit::Action::DaemonStopping, &policies_.current(),
                                      "btfenced is stopping; unregistering its agent");
    event.outcome = audit::Outcome::Success;
    emit(std::move(event));
    if (!watch_ || !watch_->bluez_present()) {
        loop_.exit(0);
        return;
    }
    agent_calls_.unregister_agent(bluez::ObjectPath(std::string(pairing::kAgentPath)),
                                  [this](const bluez::CallResult& error) {
                                      if (error) {
                                          spdlog::warn("UnregisterAgent failed: {}",
                                                       error->describe());
                                      }
                                      loop_.exit(0);
                                  });
    // bluetoothd may be hung: do not let it hold up a stop.
    loop_.set_monotonic_timer(stop_timer_, kUnregisterGrace, [this] { loop_.exit(0); });
}

}  // namespace btfence
