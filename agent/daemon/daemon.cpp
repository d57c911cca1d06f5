#include "daemon.hpp"

#include <malloc.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "bluez/names.hpp"
#include "bluez/object_path.hpp"
#include "decision_events.hpp"
#include "lockdown_state.hpp"

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

// A loaded policy with rules that can never decide a device (policy_loaded_event's reason) is
// also a warning in btfenced's own log, where an admin debugging "my rule does nothing" looks.
void warn_about_rules(const audit::Event& loaded) {
    if (!loaded.reason.empty()) {
        spdlog::warn("policy {}: {}", loaded.policy_path, loaded.reason);
    }
}

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
      spoofs_(state::StateFile(std::filesystem::path(state_dir) / "suspected-spoofs.json")),
      gate_(mirror_, policies, clock, &spoofs_),
      enforcer_(
          mirror_, calls_, retries_, policies, clock, grandfathered_,
          [this](audit::Event e) { emit(std::move(e)); }, &spoofs_, [this] { arm_spoof_timer(); }),
      guard_(calls_, retries_, policies, [this](audit::Event e) { emit(std::move(e)); }),
      verifier_(loop, mirror_, policies, clock, std::move(probe_path),
                [this](audit::Event e) { emit(std::move(e)); }),
      rule_windows_(
          loop, policies, clock,
          [this](const std::vector<policy::WindowChange>& changes, RuleWindows::Cause cause) {
              rule_windows_changed(changes, cause);
          },
          [this] { return exemptions_.next_expiry(); }),
      registration_(
          agent_calls_, retries_, policies, bluez::ObjectPath(std::string(pairing::kAgentPath)),
          std::string(pairing::kAgentCapability), [this](audit::Event e) { emit(std::move(e)); },
          [this] { agent_settled(); }),
      exemptions_(
          state::StateFile(std::filesystem::path(state_dir) / "exemptions.json"), policies, clock,
          [this](audit::Event e) { emit(std::move(e)); },
          [this](bool ended) { exemptions_changed(ended); }) {
    mirror_.set_observer(this);
    // Every event from here on is counted for Status and may become a Manager1 signal.
    auditor_.add_sink(std::make_unique<control::EventTap>(feed_));
    board_.bluez_present = [this] { return watch_ && watch_->bluez_present(); };
    board_.probe_running = [this](const std::string& path) { return verifier_.probing(path); };
    board_.holds_default_agent = [this]() -> std::optional<bool> {
        return registration_.holds_default_agent();
    };
    // Read at each Status call (rare): the admin may enable either lockdown at any time.
    board_.lockdowns = []() -> std::optional<lockdown::LockdownState> {
        return lockdown::read_lockdown_state("/");
    };
    board_.posture = [this]() -> std::optional<std::string> {
        return posture_ != nullptr ? posture_->summary() : std::nullopt;
    };
}

Daemon::~Daemon() {
    feed_->set_listener(nullptr);
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
    pairing::Agent1Hooks hooks;
    hooks.ensure_known = [this](const std::string& path, std::function<void()> then) {
        lookup_.ensure_known(path, std::move(then));
    };
    hooks.emit_later = [this](audit::Event e) { emit_after_reply(std::move(e)); };
    hooks.on_release = [this] {
        audit::Event event = policy_event(audit::Action::AgentReleased, &policies_.current(),
                                          "bluetoothd released the agent");
        event.outcome = audit::Outcome::Success;
        emit_after_reply(std::move(event));
        registration_.released();
        notifier_.status(registration_.describe());
    };
    hooks.is_bluetoothd = [this](const std::string& sender) {
        return watch_ && watch_->is_bluez(sender);
    };
    hooks.on_foreign_call = [this](const std::string& method, const std::string& sender) {
        foreign_agent_call(method, sender);
    };
    agent_ = std::make_unique<pairing::Agent1Object>(agent_connection_, gate_, std::move(hooks));

    const policy::Policy& policy = policies_.current();
    audit::Event loaded = policy_loaded_event(
        policy,
        "Loaded policy " + policy.source + " (" + std::to_string(policy.rules.size()) +
            " rules, mode " + std::string(policy::to_string(policy.mode)) + ")",
        clock_.now());
    warn_about_rules(loaded);
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
    board_.started_at = board_.policy_loaded_at = clock_.now();
    exemptions_.load();
    start_control();
    rule_windows_.start();
    if (auto error = spoofs_.load()) {
        // Fail closed on what it held: the file is left as it is (never overwritten), and
        // the admin is told; new suspects are remembered for this run only.
        spdlog::error("suspected-spoof list: {}", *error);
        audit::Event event = policy_event(
            audit::Action::StateFileError, &policies_.current(),
            "Could not read the suspected-spoof list; it is left untouched and new suspects are "
            "remembered until btfenced stops");
        event.outcome = audit::Outcome::Failure;
        event.reason = *error;
        emit(std::move(event));
    }
    arm_spoof_timer();

    watch_ = std::make_unique<bluez::BluezWatch>(connection_, calls_, retries_, mirror_, *this);
    watch_->start();
}

void Daemon::start_control() {
    authorizer_ = std::make_unique<control::PolkitAuthorizer>(connection_);
    manager_ = std::make_unique<control::ManagerObject>(
        connection_, *authorizer_,
        control::StatusInputs{policies_, mirror_, board_, *feed_, exemptions_, &spoofs_}, clock_,
        exemptions_, [this](const audit::CallerInfo& caller) { return reload(&caller); },
        [this](audit::Event e) { emit(std::move(e)); });
    feed_->set_listener([this](const audit::Event& event) { manager_->event_emitted(event); });
}

void Daemon::exemptions_changed(bool ended) {
    rule_windows_.deadline_changed();
    if (ended) {
        enforcer_.sweep(enforce::SweepKind::Exemption);
    }
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
    if (registration_.bluez_present()) {
        guard_.apply_all(mirror_);  // the agent was registered while the objects could not be read
    } else {
        registration_.bluez_arrived();
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
    // Hold the default-agent slot meanwhile (enforce mode): the gate refuses every request
    // until the objects are in (PairingGate::not_loaded), rather than leaving pairings to
    // another agent.
    if (!registration_.bluez_present()) {
        registration_.bluez_arrived();
    }
}

void Daemon::bluez_lost() {
    populating_ = false;
    enforcer_.reset();
    guard_.reset();
    verifier_.reset();
    lookup_.reset();  // pending agent calls are answered (refused: the device is unknown)
    registration_.bluez_lost();  // before cancel_all(): its calls' answers are stale now
    calls_.cancel_all();         // every call still pending ends now, as Cancelled
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

void Daemon::agent_settled() {
    // After the first attempt (success or failure) or the decision not to register: the
    // gate's state is known, so READY can say it.
    guard_.apply_all(mirror_);
    notifier_.status(registration_.describe());
    announce_ready();
}

void Daemon::foreign_agent_call(const std::string& method, const std::string& sender) {
    spdlog::warn("refused Agent1.{} from {}: only bluetoothd may call the agent", method, sender);
    // One event per caller (bounded), so a local process cannot flood the audit trail.
    constexpr std::size_t kMaxReported = 64;
    if (foreign_callers_reported_.size() >= kMaxReported ||
        !foreign_callers_reported_.insert(sender).second) {
        return;
    }
    audit::Event event =
        policy_event(audit::Action::TamperDetected, &policies_.current(),
                     "Refused a call of Agent1." + method + " from " + sender +
                         ", which is not bluetoothd; the agent's state is unchanged");
    event.outcome = audit::Outcome::Success;
    event.trigger = "Agent1." + method;
    event.reason = "only the current owner of org.bluez may call btfenced's agent";
    emit(std::move(event));
}

void Daemon::announce_ready() {
    if (ready_announced_) {
        return;
    }
    ready_announced_ = true;
    const std::string status = registration_.describe();
    audit::Event event =
        policy_event(audit::Action::DaemonStarted, &policies_.current(), "btfenced: " + status);
    event.outcome = audit::Outcome::Success;
    emit(std::move(event));
    notifier_.ready(status);
}

void Daemon::malformed_signal(const std::string& what, const std::string& object_path) {
    // Only bluetoothd's own connection is believed (BluezWatch checks the sender), so this is
    // a bluetoothd bug or a version skew, not an attack; but the change the signal carried
    // (a bond, new UUIDs) is lost. Fail closed: read the device again and decide on what
    // bluetoothd answers, as for any change.
    if (bluez::is_device_path(object_path)) {
        spdlog::warn("malformed message from org.bluez: {}; reading {} again", what, object_path);
        lookup_.reread(object_path);
        return;
    }
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
        registration_.adapter_added();  // hot-plugged: make sure our agent is still the default
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

control::ReloadOutcome Daemon::reload(const audit::CallerInfo* caller) {
    notifier_.reloading();
    control::ReloadOutcome outcome;
    const std::string previous = policies_.current().sha256;
    const std::string by =
        caller != nullptr ? " (asked by " + exemptions::describe(*caller) + ")" : std::string();
    if (auto errors = policies_.load()) {
        std::string joined;
        for (const auto& error : *errors) {
            spdlog::error("{}", error.to_string());
            joined += (joined.empty() ? "" : "\n") + error.to_string();
            outcome.errors.push_back(error.to_string());
        }
        audit::Event event = policy_event(audit::Action::PolicyRejected, &policies_.current(),
                                          "Rejected the new policy in " + policies_.path() + " (" +
                                              std::to_string(errors->size()) +
                                              " error(s)); the running policy stays in force" + by);
        event.outcome = audit::Outcome::Success;
        event.reason = joined;
        if (caller != nullptr) {
            event.caller = *caller;
        }
        emit(std::move(event));
        outcome.kind = control::ReloadOutcome::Kind::Rejected;
    } else {
        const policy::Policy& policy = policies_.current();
        const bool unchanged = policy.sha256 == previous;
        audit::Event event = policy_loaded_event(
            policy,
            "Reloaded policy " + policy.source + " (" + std::to_string(policy.rules.size()) +
                " rules, mode " + std::string(policy::to_string(policy.mode)) + ")" +
                (unchanged ? ", unchanged" : "") + by,
            clock_.now());
        warn_about_rules(event);
        if (caller != nullptr) {
            event.caller = *caller;
        }
        emit(std::move(event));
        registration_.policy_changed();  // a mode change registers or withdraws the agent
        board_.policy_loaded_at = clock_.now();
        exemptions_.apply_policy();  // the new policy bounds the exemptions before the sweep
        enforcer_.sweep(enforce::SweepKind::Reload);
        guard_.apply_all(mirror_);
        rule_windows_.policy_replaced();
        outcome.kind = unchanged ? control::ReloadOutcome::Kind::Unchanged
                                 : control::ReloadOutcome::Kind::Loaded;
    }
    outcome.sha256 = policies_.current().sha256;
    notifier_.ready(registration_.describe());
    return outcome;
}

void Daemon::arm_spoof_timer() {
    const auto next = spoofs_.next_expiry();
    loop_.set_realtime_timer(
        spoof_timer_,
        next ? std::optional(std::chrono::system_clock::time_point(next->time_since_epoch()))
             : std::nullopt,
        // Deferred: spoof_blocks_ended() re-arms this very timer, which must not happen inside
        // its handler (the handler would be replaced while it runs).
        [this] { loop_.defer([this] { spoof_blocks_ended(); }); });
}

void Daemon::spoof_blocks_ended() {
    std::optional<std::string> error;
    const auto expired = spoofs_.expire(clock_.now(), error);
    if (error) {
        // The blocks end anyway (in memory); the file keeps the expired entries, which only
        // makes the next start block them until it expires them again: fail closed.
        spdlog::error("suspected-spoof list: {}", *error);
        audit::Event event = policy_event(audit::Action::StateFileError, &policies_.current(),
                                          "Could not write the suspected-spoof list after "
                                          "blocks ended; it still lists them");
        event.outcome = audit::Outcome::Failure;
        event.reason = *error;
        emit(std::move(event));
    }
    enforcer_.spoofs_expired(expired);
    arm_spoof_timer();
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
    // Runtime exemptions end on the same timer (and a clock set forward may end them too).
    if (exemptions_.expire()) {
        rule_windows_.deadline_changed();
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
    registration_.stop([this] { loop_.exit(0); });
    // bluetoothd may be hung: do not let it hold up a stop.
    loop_.set_monotonic_timer(stop_timer_, kUnregisterGrace, [this] { loop_.exit(0); });
}

}  // namespace btfence
