#include "verify/verifier.hpp"

#include "decision_events.hpp"

namespace btfence::verify {

Verifier::Verifier(loop::EventLoop& loop, bluez::BluezMirror& mirror, const PolicyStore& policies,
                   const DecisionClock& clock, std::string probe_path, Emit emit)
    : mirror_(mirror),
      policies_(policies),
      clock_(clock),
      emit_(std::move(emit)),
      runner_(loop, std::move(probe_path),
              [this](const std::string& path, policy::Verification result) {
                  finished(path, std::move(result));
              }) {}

bool wants_probe(const policy::Policy& policy, const bluez::DeviceState& device) {
    const auto& facts = device.facts;
    if (!policy.fido.verify || facts.verification) {
        return false;
    }
    // The probe needs the bond (CTAP requires FIDO BLE authenticators to be bonded), a
    // connection to talk over, and the GATT services resolved: started before that, the probe
    // spent up to seconds of probe_timeout_ms waiting for discovery (measured in the VM), and
    // a slow but genuine key could fail. Until discovery is done, no profile of the device is
    // active either; and once it is, UUIDs are the served ones, so a device that advertised
    // 0xFFFD but serves HID is classified "other" and removed without a probe.
    if (!(facts.paired || facts.bonded) || !facts.connected || !facts.services_resolved) {
        return false;
    }
    return policy::classify(facts).device_class == policy::DeviceClass::FidoBle &&
           policy.manages_adapter(facts.adapter, facts.adapter_address);
}

void Verifier::consider(const bluez::DeviceState& device) {
    if (runner_.running(device.path) || !wants_probe(policies_.current(), device)) {
        return;
    }
    runner_.start(device.path, policies_.current().fido.probe_timeout);
}

void Verifier::finished(const std::string& path, policy::Verification result) {
    const bluez::DeviceState* device = mirror_.device(path);
    if (device == nullptr) {
        return;  // gone while the probe ran
    }
    const policy::Policy& policy = policies_.current();
    bluez::DeviceState with_result = *device;
    with_result.facts.verification = result;
    const policy::Decision decision = decide_device(policy, with_result, clock_.now());
    audit::Event event = device_event(
        result.passed ? audit::Action::VerificationPassed : audit::Action::VerificationFailed,
        with_result, decision, policy, "ctap-get-info");
    event.outcome = audit::Outcome::Success;
    event.reason = result.detail;
    event.message = result.passed
                        ? "Verified " + path + " speaks CTAP2 and can hold passkeys"
                        : "Suspected spoof: " + path + " claims FIDO but failed the CTAP probe (" +
                              result.detail + ")";
    emit_(std::move(event));
    // Recording it re-decides the device (a failure removes it, an AAGUID rule may now match).
    mirror_.set_verification(path, std::move(result));
}

}  // namespace btfence::verify
