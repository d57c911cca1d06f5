#include "enforce/enforcer.hpp"

#include "btfence/policy/time_format.hpp"
#include "decision_events.hpp"

namespace btfence::enforce {
namespace {

// What made the device engaged, for the audit trail: "Paired,Connected".
std::string engagement_of(const bluez::DeviceState& device) {
    std::string out;
    const auto add = [&](bool on, const char* name) {
        if (on) {
            out += (out.empty() ? "" : ",") + std::string(name);
        }
    };
    add(device.facts.paired, "Paired");
    add(device.facts.bonded, "Bonded");
    add(device.facts.connected, "Connected");
    add(device.facts.trusted, "Trusted");
    return out;
}

std::string label(const bluez::DeviceState& device) {
    const auto& name = device.facts.display_name();
    return (name.empty() ? std::string("unnamed device") : "'" + name + "'") + " (" +
           device.facts.address + ")";
}

const char* sweep_name(SweepKind kind) {
    switch (kind) {
        case SweepKind::Startup:
            return "startup-sweep";
        case SweepKind::Reload:
            return "reload-sweep";
        case SweepKind::Timer:
            return "rule-window";
    }
    return "sweep";
}

}  // namespace

void Enforcer::device_changed(const bluez::DeviceState& device, bluez::FactChanges changes,
                              bool added) {
    if (!added && !changes.any()) {
        return;
    }
    std::string trigger =
        added ? "device-added" : (changes.identity ? "services-changed" : "state-changed");
    trigger += ":" + engagement_of(device);
    evaluate(device, trigger, nullptr);
}

void Enforcer::device_removed(const std::string& path) {
    remover_.device_gone(path);
    tracking_.erase(path);
    if (auto error = grandfathered_.device_removed(path)) {
        report_state_error(*error);
    }
}

void Enforcer::sweep(SweepKind kind) {
    for (const auto& path : mirror_.device_paths()) {
        if (const auto* device = mirror_.device(path)) {
            evaluate(*device, sweep_name(kind), &kind);
        }
    }
    if (kind == SweepKind::Startup) {
        // The first start records the set, whatever the policy says: under "enforce" it is
        // empty (the denied bonds were just removed), so a later switch to "keep" cannot
        // grandfather bonds made after btfence took over.
        if (auto error = grandfathered_.startup_sweep_done(policy::format_rfc3339(clock_.now()))) {
            report_state_error(*error);
        }
    }
}

void Enforcer::report_state_error(const std::string& error) {
    audit::Event event =
        policy_event(audit::Action::StateFileError, &policies_.current(),
                     "Cannot write the grandfathered bonds (" + grandfathered_.path() +
                         "); a restart would not keep them: " + error);
    event.outcome = audit::Outcome::Failure;
    event.reason = error;
    emit_(std::move(event));
}

void Enforcer::reset() {
    remover_.abandon_all();
    tracking_.clear();
}

void Enforcer::evaluate(const bluez::DeviceState& device, const std::string& trigger,
                        SweepKind* sweep) {
    if (!device.holds_bond_or_trust()) {
        // Only a bond or trust makes a device a threat: HID, audio and file transfer need one
        // (or an AuthorizeService the gate refuses). A connection alone is left to finish:
        // cutting an LE link while its pairing is still being set up crashed the Debian 12
        // kernel's Bluetooth stack, taking bluetoothd with it (docs/bluez-facts.md fact 17,
        // docs/architecture.md layer 2). Advertisers are neither acted on nor logged (a
        // crowded room would flood the audit trail), nor tracked.
        tracking_.erase(device.path);
        return;
    }
    auto& tracking = tracking_[device.path];
    const policy::Policy& policy = policies_.current();
    const policy::Decision decision = decide_device(policy, device, clock_.now());

    if (decision.allowed() || !decision.managed) {
        remover_.withdraw(device.path);  // a removal started under an earlier policy
        tracking.audit_reported_key.clear();
        const bool bonded = device.facts.paired || device.facts.bonded;
        if (bonded && !tracking.bond_reported) {
            tracking.bond_reported = true;
            audit::Event event =
                device_event(audit::Action::BondKept, device, decision, policy, trigger);
            event.outcome = audit::Outcome::Success;
            event.message = "Kept the bond of " + label(device) + ": rule " + decision.rule_id;
            emit_(std::move(event));
        }
        return;
    }

    // existing_bonds = "keep": only the bonds recorded at btfenced's first start
    // (grandfathered_bonds.hpp), and only while the policy says "keep".
    const bool keep = policy.existing_bonds == policy::ExistingBonds::Keep;
    if (keep && sweep != nullptr && *sweep == SweepKind::Startup &&
        (device.facts.paired || device.facts.bonded)) {
        grandfathered_.offer(device);
    }
    if (keep && grandfathered_.contains(device)) {
        if (!tracking.bond_reported) {
            tracking.bond_reported = true;
            audit::Event event =
                device_event(audit::Action::BondKept, device, decision, policy, trigger);
            event.outcome = audit::Outcome::Success;
            event.reason = "existing_bonds = \"keep\": bonded before btfenced first started (" +
                           grandfathered_.path() + "); " + decision.reason;
            event.message =
                "Kept the existing bond of " + label(device) + " although policy denies it";
            emit_(std::move(event));
        }
        return;
    }

    if (decision.mode == policy::Mode::Audit) {
        // Once per denial, as enforce mode removes once: a bond that also becomes Trusted or
        // Connected is the same would-be removal. A different deciding rule is a new one.
        if (tracking.audit_reported_key == decision.rule_id) {
            return;
        }
        tracking.audit_reported_key = decision.rule_id;
        audit::Event event =
            device_event(audit::Action::DeviceRemoved, device, decision, policy, trigger);
        event.outcome = audit::Outcome::Unknown;
        event.message =
            "Audit mode: would have removed " + label(device) + " (rule " + decision.rule_id + ")";
        emit_(std::move(event));
        return;
    }
    remove(device, decision, trigger);
}

void Enforcer::remove(const bluez::DeviceState& device, const policy::Decision& decision,
                      const std::string& trigger) {
    if (remover_.active(device.path)) {
        return;  // under way: it retries by itself and reports its outcome once
    }
    const policy::Policy& policy = policies_.current();
    audit::Event event =
        device_event(audit::Action::DeviceRemoved, device, decision, policy, trigger);
    event.message =
        "Removed " + label(device) + " (" + engagement_of(device) + "): rule " + decision.rule_id;
    remover_.start(bluez::DevicePath(device.path), RemovalPlan{}, std::move(event));
}

}  // namespace btfence::enforce
