#include "enforce/enforcer.hpp"

#include "decision_events.hpp"

namespace btfence::enforce {
namespace {

std::string adapter_path_of(const std::string& device_path) {
    const auto slash = device_path.rfind('/');
    return slash == std::string::npos ? std::string() : device_path.substr(0, slash);
}

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
    tracking_.erase(path);
    grandfathered_.erase(path);
}

void Enforcer::sweep(SweepKind kind) {
    if (kind == SweepKind::Startup) {
        grandfathered_.clear();
    }
    for (const auto& path : mirror_.device_paths()) {
        if (const auto* device = mirror_.device(path)) {
            evaluate(*device, sweep_name(kind), &kind);
        }
    }
}

void Enforcer::reset() {
    tracking_.clear();
}

void Enforcer::evaluate(const bluez::DeviceState& device, const std::string& trigger,
                        SweepKind* sweep) {
    if (!device.holds_bond_or_trust()) {
        // Only a bond or trust makes a device a threat: HID, audio and file transfer need one
        // (or an AuthorizeService the gate refuses). A connection alone is left to finish:
        // cutting an LE link while its pairing is still being set up crashed the Debian 12
        // kernel's Bluetooth stack in the e2e VM (hci_chan_del list corruption), taking
        // bluetoothd with it. Advertisers are neither acted on nor logged (a crowded room
        // would flood the audit trail), nor tracked.
        tracking_.erase(device.path);
        return;
    }
    auto& tracking = tracking_[device.path];
    const policy::Policy& policy = policies_.current();
    const policy::Decision decision = decide_device(policy, device, clock_.now());

    if (decision.allowed() || !decision.managed) {
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

    if (sweep != nullptr && *sweep == SweepKind::Startup &&
        policy.existing_bonds == policy::ExistingBonds::Keep &&
        (device.facts.paired || device.facts.bonded)) {
        grandfathered_.insert(device.path);
    }
    if (grandfathered_.contains(device.path)) {
        if (!tracking.bond_reported) {
            tracking.bond_reported = true;
            audit::Event event =
                device_event(audit::Action::BondKept, device, decision, policy, trigger);
            event.outcome = audit::Outcome::Success;
            event.reason =
                "existing_bonds = \"keep\": bonded before btfenced started; " + decision.reason;
            event.message =
                "Kept the existing bond of " + label(device) + " although policy denies it";
            emit_(std::move(event));
        }
        return;
    }

    if (decision.mode == policy::Mode::Audit) {
        const std::string key = decision.rule_id + "|" + engagement_of(device);
        if (tracking.audit_reported_key == key) {
            return;  // already reported this would-be removal
        }
        tracking.audit_reported_key = key;
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
    auto& tracking = tracking_[device.path];
    if (tracking.removal_in_flight) {
        return;
    }
    tracking.removal_in_flight = true;
    const policy::Policy& policy = policies_.current();
    audit::Event event =
        device_event(audit::Action::DeviceRemoved, device, decision, policy, trigger);
    event.message =
        "Removed " + label(device) + " (" + engagement_of(device) + "): rule " + decision.rule_id;
    const std::string path = device.path;

    // Disconnect first and remove once bluetoothd has answered it. Removing a device while a
    // pairing with it is still in progress makes bluetoothd 5.66 touch the freed device when
    // the bonding attempt completes (seen crashing it in the e2e VM); the disconnection ends
    // that attempt first. A device that is not connected answers NotConnected at once.
    const std::string adapter = adapter_path_of(path);
    calls_.disconnect_device(
        path, [this, path, adapter, event = std::move(event)](
                  const std::optional<std::string>& /*disconnect_error*/) mutable {
            calls_.remove_device(adapter, path,
                                 [this, path, event = std::move(event)](
                                     const std::optional<std::string>& error) mutable {
                                     finish_removal(path, std::move(event), error);
                                 });
        });
}

void Enforcer::finish_removal(const std::string& path, audit::Event event,
                              const std::optional<std::string>& error) {
    const bool already_gone = error && error->find("DoesNotExist") != std::string::npos;
    if (error && !already_gone) {
        event.outcome = audit::Outcome::Failure;
        event.reason += "; RemoveDevice failed: " + *error;
        event.message = "FAILED to remove: " + event.message;
        if (auto it = tracking_.find(path); it != tracking_.end()) {
            it->second.removal_in_flight = false;  // the next change of the device tries again
        }
    } else {
        event.outcome = audit::Outcome::Success;
        if (already_gone) {
            event.reason += "; bluetoothd had already removed it";
        }
    }
    emit_(std::move(event));
}

}  // namespace btfence::enforce
