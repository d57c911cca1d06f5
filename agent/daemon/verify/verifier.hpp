#pragma once
// Layer 3: decides when a device must prove it speaks CTAP2 (a fido-ble device that is
// bonded, connected and has its GATT services resolved, while `fido.verify` is on), runs the
// probe, and records the result in the mirror — which makes the enforcer re-decide the device
// with it.
#include <functional>
#include <string>

#include "audit/event.hpp"
#include "bluez/mirror.hpp"
#include "clock.hpp"
#include "policy_store.hpp"
#include "verify/probe_runner.hpp"

namespace btfence::verify {

/// Whether `device` is due for a CTAP probe under `policy` now (and has not had one).
[[nodiscard]] bool wants_probe(const policy::Policy& policy, const bluez::DeviceState& device);

class Verifier {
  public:
    using Emit = std::function<void(audit::Event)>;

    Verifier(loop::EventLoop& loop, bluez::BluezMirror& mirror, const PolicyStore& policies,
             const DecisionClock& clock, std::string probe_path, Emit emit);

    /// Called for every device change; starts a probe when one is due.
    void consider(const bluez::DeviceState& device);
    void device_removed(const std::string& path) { runner_.cancel(path); }

  private:
    void finished(const std::string& path, policy::Verification result);

    bluez::BluezMirror& mirror_;
    const PolicyStore& policies_;
    const DecisionClock& clock_;
    Emit emit_;
    ProbeRunner runner_;
};

}  // namespace btfence::verify
