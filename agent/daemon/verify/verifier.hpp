#pragma once
// Layer 3: decides when a device must prove it speaks CTAP2, runs the probe, and records the
// result in the mirror — which makes the enforcer re-decide the device with it.
//
// A fido-ble device whose verification is due is *pending* (policy::decide keeps its bond)
// until a result is recorded. The pending time is bounded while the device is connected: the
// probe starts once its GATT services are resolved, or after `probe_timeout_ms` of waiting
// for that, and is itself killed past its deadline. A probe cut short by the link (the key
// disconnected, as keys do soon after pairing) is retried at the key's next connection, up
// to kMaxProbeAttempts probes in all; then the device is *inconclusive* and denied.
// See docs/verification.md.
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "audit/event.hpp"
#include "bluez/mirror.hpp"
#include "clock.hpp"
#include "loop/event_loop.hpp"
#include "policy_store.hpp"
#include "verify/probe_runner.hpp"

namespace btfence::verify {

/// Probes a key may take before an unbroken run of interrupted ones fails it closed: enough
/// for a key that drops its link right after pairing (the second connection is usually the
/// user's first sign-in), few enough that a device that always hangs up is soon decided.
inline constexpr int kMaxProbeAttempts = 3;

/// Whether `device` is due for a CTAP probe under `policy` now: its verification is pending
/// (policy::verification_pending), and it is bonded, connected and has its GATT services
/// resolved.
[[nodiscard]] bool wants_probe(const policy::Policy& policy, const bluez::DeviceState& device);

class Verifier {
  public:
    using Emit = std::function<void(audit::Event)>;

    Verifier(loop::EventLoop& loop, bluez::BluezMirror& mirror, const PolicyStore& policies,
             const DecisionClock& clock, std::string probe_path, Emit emit);

    /// Called for every device change; starts a probe when one is due.
    void consider(const bluez::DeviceState& device);
    void device_removed(const std::string& path);
    /// Whether a probe of this device is running now.
    [[nodiscard]] bool probing(const std::string& path) const { return runner_.running(path); }
    /// bluetoothd went away: probes in flight talk to nothing; forget every device.
    void reset();

  private:
    /// Per device whose verification is pending.
    struct Pending {
        int interrupted = 0;  ///< probes of this device cut short so far
        /// The last probe was interrupted while the mirror still showed the device connected:
        /// retry once it has been disconnected (a new connection), or when `fallback` fires.
        bool await_reconnection = false;
        /// Bounds the wait while connected without a probe (services not resolved, or the
        /// reconnection awaited above never shows): then the probe starts anyway.
        loop::TimerSlot fallback;
    };

    void start_probe(const std::string& path);
    void fallback_fired(const std::string& path);
    void finished(const std::string& path, policy::Verification result);
    void record(const bluez::DeviceState& device, policy::Verification result, audit::Action action,
                std::string message);

    loop::EventLoop& loop_;
    bluez::BluezMirror& mirror_;
    const PolicyStore& policies_;
    const DecisionClock& clock_;
    Emit emit_;
    ProbeRunner runner_;
    std::map<std::string, std::unique_ptr<Pending>> pending_;  ///< by device path
};

}  // namespace btfence::verify
