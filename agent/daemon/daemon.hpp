#pragma once
// The composition root of btfenced: owns the components, routes mirror and bus events to
// them, and runs the lifecycle (start, bluetoothd coming and going, reload, rule-window
// timer, stop). It decides nothing itself: the pairing gate, the enforcer and the allowlist
// guard do.
#include <sdbus-c++/IConnection.h>

#include <memory>
#include <optional>
#include <set>
#include <string>

#include "audit/auditor.hpp"
#include "bluez/bluez_watch.hpp"
#include "bluez/device_lookup.hpp"
#include "bluez/mirror.hpp"
#include "bluez/sdbus_bluez_calls.hpp"
#include "clock.hpp"
#include "control/event_feed.hpp"
#include "control/manager_object.hpp"
#include "control/polkit_authorizer.hpp"
#include "control/status_board.hpp"
#include "enforce/allowlist_guard.hpp"
#include "enforce/enforcer.hpp"
#include "enforce/suspected_spoofs.hpp"
#include "exemptions/exemption_service.hpp"
#include "loop/bus_source.hpp"
#include "loop/event_loop.hpp"
#include "loop/monotonic_timer.hpp"
#include "pairing/agent1_object.hpp"
#include "pairing/agent_registration.hpp"
#include "pairing/pairing_gate.hpp"
#include "policy_store.hpp"
#include "posture/posture_monitor.hpp"
#include "retry/retry_queue.hpp"
#include "rule_windows.hpp"
#include "service_notifier.hpp"
#include "verify/verifier.hpp"

namespace btfence {

/// How btfenced talks to bluetoothd: the call timeout and the retry backoff. Defaults are the
/// product's; tests shorten them (hidden options, docs/testing.md).
struct BluezTuning {
    std::chrono::milliseconds call_timeout = bluez::SdbusBluezCalls::kDefaultTimeout;
    retry::BackoffSettings backoff;
};

class Daemon final : public bluez::MirrorObserver, public bluez::BluezWatchListener {
  public:
    /// `connection` watches bluetoothd and makes the calls on it; `agent_connection` serves
    /// the Agent1 object and registers it, and subscribes to nothing (docs/architecture.md,
    /// "Connections and priorities").
    Daemon(loop::EventLoop& loop, sdbus::IConnection& connection,
           sdbus::IConnection& agent_connection, audit::Auditor& auditor, PolicyStore& policies,
           ServiceNotifier& notifier, const DecisionClock& clock, std::string probe_path,
           const std::string& state_dir, const BluezTuning& tuning = {});
    ~Daemon() override;
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    /// Optional (set before start()): audited at start and told when bluetoothd appears.
    void set_posture_monitor(posture::PostureMonitor* monitor) { posture_ = monitor; }
    /// The policy must already be loaded. Registers the agent and starts watching BlueZ.
    void start();
    /// Reads the policy file again (SIGHUP, a file change, or Manager1.Reload by `caller`).
    control::ReloadOutcome reload(const audit::CallerInfo* caller = nullptr);
    void stop();

    /// Whether btfenced holds bluetoothd's default agent, and why not (for status output).
    [[nodiscard]] const pairing::AgentRegistration& agent_registration() const {
        return registration_;
    }
    /// Where facts owned elsewhere plug into Manager1.Status (audit drops, ...).
    control::StatusBoard& status_board() { return board_; }

    // bluez::MirrorObserver
    void device_changed(const bluez::DeviceState& device, bluez::FactChanges changes,
                        bool added) override;
    void device_removed(const std::string& path) override;
    void adapter_added(const bluez::AdapterState& adapter) override;
    void adapter_removed(const std::string& path) override;
    void adapter_allowlist_changed(const bluez::AdapterState& adapter) override;
    void device_unknown(const std::string& path) override;

    // bluez::BluezWatchListener
    void bluez_loading() override;
    void bluez_ready(const std::string& owner) override;
    void bluez_load_failed(const std::string& owner, const bluez::BluezError& error,
                           retry::Clock::duration retry_in, unsigned failures) override;
    void bluez_lost() override;
    void bluez_absent() override;
    void malformed_signal(const std::string& what, const std::string& object_path) override;

  private:
    void emit(audit::Event event);
    void emit_after_reply(audit::Event event);
    void agent_settled();
    void arm_spoof_timer();
    void spoof_blocks_ended();
    void foreign_agent_call(const std::string& method, const std::string& sender);
    void rule_windows_changed(const std::vector<policy::WindowChange>& changes,
                              RuleWindows::Cause cause);
    void announce_ready();
    void start_control();
    void exemptions_changed(bool ended);

    loop::EventLoop& loop_;
    sdbus::IConnection& connection_;
    sdbus::IConnection& agent_connection_;
    audit::Auditor& auditor_;
    PolicyStore& policies_;
    ServiceNotifier& notifier_;
    const DecisionClock& clock_;

    loop::MonotonicTimer retry_timer_;
    retry::RetryQueue retries_;  ///< before every component that holds a retry
    bluez::BluezMirror mirror_;
    bluez::SdbusBluezCalls calls_;
    /// AgentManager1 calls, sent from the agent's connection: bluetoothd calls the agent on
    /// the connection that registered it.
    bluez::SdbusBluezCalls agent_calls_;
    bluez::DeviceLookup lookup_;
    enforce::GrandfatheredBonds grandfathered_;
    enforce::SuspectedSpoofs spoofs_;
    loop::TimerSlot spoof_timer_;
    pairing::PairingGate gate_;
    enforce::Enforcer enforcer_;
    enforce::AllowlistGuard guard_;
    verify::Verifier verifier_;
    RuleWindows rule_windows_;
    pairing::AgentRegistration registration_;
    std::unique_ptr<pairing::Agent1Object> agent_;
    std::set<std::string> foreign_callers_reported_;  ///< bounded: one event per caller
    std::unique_ptr<bluez::BluezWatch> watch_;
    std::unique_ptr<loop::BusSource> bus_source_;
    std::unique_ptr<loop::BusSource> agent_bus_source_;
    posture::PostureMonitor* posture_ = nullptr;
    // The control plane (org.btfence1.Manager1): runtime exemptions, what Status reports, the
    // audit events it counts and turns into signals. The authorizer is declared after the
    // object so that it goes first: its pending polkit calls die with it, never calling back
    // into a destroyed object.
    exemptions::ExemptionService exemptions_;
    control::StatusBoard board_;
    std::shared_ptr<control::EventFeed> feed_ = std::make_shared<control::EventFeed>();
    std::unique_ptr<control::ManagerObject> manager_;
    std::unique_ptr<control::PolkitAuthorizer> authorizer_;
    loop::TimerSlot stop_timer_;
    bool ready_announced_ = false;
    bool first_sweep_done_ = false;
    bool stopping_ = false;
    bool populating_ = false;  ///< loading bluetoothd's objects; the sweep that follows decides
};

}  // namespace btfence
