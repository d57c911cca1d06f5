#include "verify/verifier.hpp"

#include "decision_events.hpp"

namespace btfence::verify {

Verifier::Verifier(loop::EventLoop& loop, bluez::BluezMirror& mirror, const PolicyStore& policies,
                   const DecisionClock& clock, std::string probe_path, Emit emit)
    : loop_(loop),
      mirror_(mirror),
      policies_(policies),
      clock_(clock),
      emit_(std::move(emit)),
      runner_(loop, std::move(probe_path),
              [this](const std::string& path, policy::Verification result) {
                  finished(path, std::move(result));
              }) {}

bool wants_probe(const policy::Policy& policy, const bluez::DeviceState& device) {
    const auto& facts = device.facts;
    if (!policy::verification_pending(policy, facts)) {
        return false;
    }
    // The probe needs the bond (CTAP requires FIDO BLE authenticators to be bonded), a
    // connection to talk over, and the GATT services resolved: started before that, the probe
    // spent up to seconds of probe_timeout_ms waiting for discovery (measured in the VM), and
    // a slow but genuine key could fail. Until discovery is done, no profile of the device is
    // active either; and once it is, UUIDs are the served ones, so a device that advertised
    // 0xFFFD but serves HID is classified "other" and removed without a probe.
    return (facts.paired || facts.bonded) && facts.connected && facts.services_resolved;
}

void Verifier::consider(const bluez::DeviceState& device) {
    const policy::Policy& policy = policies_.current();
    if (!policy::verification_pending(policy, device.facts)) {
        // Decided (a result is recorded), or verification no longer applies (verify turned
        // off, the device is no longer fido-ble): nothing to wait for.
        runner_.cancel(device.path);
        pending_.erase(device.path);
        return;
    }
    if (runner_.running(device.path)) {
        return;
    }
    auto& pending = pending_[device.path];
    if (!pending) {
        pending = std::make_unique<Pending>();
    }
    const auto& facts = device.facts;
    if (!facts.connected) {
        // Nothing to talk to and nothing the device can do without a link: the next
        // connection is a fresh chance.
        pending->await_reconnection = false;
        pending->fallback.source.reset();
        return;
    }
    if (!(facts.paired || facts.bonded)) {
        return;  // pairing in progress: the probe needs the bond
    }
    if (!pending->await_reconnection && wants_probe(policy, device)) {
        start_probe(device.path);
        return;
    }
    if (pending->fallback.source.get() == nullptr) {
        // Bonded and connected, and still no probe: do not let that last.
        const std::string path = device.path;
        loop_.set_monotonic_timer(pending->fallback, policy.fido.probe_timeout,
                                  [this, path] { fallback_fired(path); });
    }
}

void Verifier::fallback_fired(const std::string& path) {
    const bluez::DeviceState* device = mirror_.device(path);
    const auto it = pending_.find(path);
    if (device == nullptr || it == pending_.end() || runner_.running(path) ||
        !policy::verification_pending(policies_.current(), device->facts) ||
        !device->facts.connected || !(device->facts.paired || device->facts.bonded)) {
        return;
    }
    // The probe waits for the services itself, within its own deadline.
    it->second->await_reconnection = false;
    start_probe(path);
}

void Verifier::start_probe(const std::string& path) {
    if (const auto it = pending_.find(path); it != pending_.end()) {
        it->second->fallback.source.reset();
    }
    runner_.start(path, policies_.current().fido.probe_timeout);
}

void Verifier::device_removed(const std::string& path) {
    runner_.cancel(path);
    pending_.erase(path);
}

void Verifier::reset() {
    pending_.clear();
}

void Verifier::finished(const std::string& path, policy::Verification result) {
    const bluez::DeviceState* device = mirror_.device(path);
    if (device == nullptr) {
        pending_.erase(path);
        return;  // gone while the probe ran
    }
    switch (result.state) {
        case policy::VerificationState::Passed: {
            pending_.erase(path);
            const std::string message = "Verified " + path + " speaks CTAP2 and can hold passkeys";
            record(*device, std::move(result), audit::Action::VerificationPassed, message);
            return;
        }
        case policy::VerificationState::Failed: {
            pending_.erase(path);
            const std::string message = "Suspected spoof: " + path +
                                        " claims FIDO but failed the CTAP probe (" + result.detail +
                                        ")";
            record(*device, std::move(result), audit::Action::VerificationFailed, message);
            return;
        }
        case policy::VerificationState::Pending:
        case policy::VerificationState::Inconclusive:
            break;
    }
    auto& pending = pending_[path];
    if (!pending) {
        pending = std::make_unique<Pending>();
    }
    const int attempt = ++pending->interrupted;
    const std::string attempts =
        std::to_string(attempt) + " of " + std::to_string(kMaxProbeAttempts);
    if (attempt >= kMaxProbeAttempts) {
        pending_.erase(path);
        result.state = policy::VerificationState::Inconclusive;
        result.detail = "probe " + attempts + " cut short, none finished: " + result.detail;
        const std::string message =
            "Could not verify " + path + " (" + result.detail + "); denied to fail closed";
        record(*device, std::move(result), audit::Action::VerificationInconclusive, message);
        return;
    }
    // If the mirror still shows the link up, the disconnection has not reached us yet (the
    // probe has its own bus connection): retry on the next connection, not on this one.
    pending->await_reconnection = device->facts.connected;
    result.state = policy::VerificationState::Pending;
    result.aaguid.clear();
    result.detail =
        "probe " + attempts + " cut short (" + result.detail + "); retried at the next connection";
    const std::string message = "CTAP probe of " + path + " was cut short; " + result.detail;
    record(*device, std::move(result), audit::Action::VerificationInconclusive, message);
}

void Verifier::record(const bluez::DeviceState& device, policy::Verification result,
                      audit::Action action, std::string message) {
    const policy::Policy& policy = policies_.current();
    bluez::DeviceState with_result = device;
    with_result.facts.verification = result;
    const policy::Decision decision =
        decide_device(policy, with_result, clock_.now(), policies_.exemptions());
    audit::Event event = device_event(action, with_result, decision, policy, "ctap-get-info");
    const bool final_inconclusive = result.state == policy::VerificationState::Inconclusive;
    const bool retrying = result.state == policy::VerificationState::Pending;
    event.outcome = final_inconclusive ? audit::Outcome::Failure
                    : retrying         ? audit::Outcome::Unknown
                                       : audit::Outcome::Success;
    event.reason = result.detail;
    event.message = std::move(message);
    emit_(std::move(event));
    // Recording it re-decides the device (a failure removes it, an AAGUID rule may now match).
    const std::string path = device.path;
    mirror_.set_verification(path, std::move(result));
}

}  // namespace btfence::verify
