#include "enforce/enforcer.hpp"

#include <algorithm>

#include "btfence/policy/time_format.hpp"
#include "btfence/policy/uuid.hpp"
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
        case SweepKind::Exemption:
            return "exemption-revoked";
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
    evaluate(device, trigger, nullptr, changes.identity && !added);
}

void Enforcer::device_removed(const std::string& path) {
    remover_.device_gone(path);
    blocker_.device_gone(path);
    tracking_.erase(path);
    if (auto error = grandfathered_.device_removed(path)) {
        report_state_error(*error);
    }
    blocked_on_sight_.erase(path);
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
    blocker_.abandon_all();
    tracking_.clear();
    blocked_on_sight_.clear();  // bluetoothd's return sweeps: blocked again on sight
}

void Enforcer::evaluate(const bluez::DeviceState& device, const std::string& trigger,
                        SweepKind* sweep, bool identity_changed) {
    block_on_sight(device);
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
    const policy::Decision decision =
        decide_device(policy, device, clock_.now(), policies_.exemptions(), spoofs_);
    const auto& uuids = device.facts.uuids;
    if (decision.classification.device_class == policy::DeviceClass::FidoBle ||
        std::find(uuids.begin(), uuids.end(), policy::uuid_from_short(policy::uuids::kFido)) !=
            uuids.end()) {
        tracking.claimed_fido = true;  // remembered: it may stop offering 0xFFFD later
    }

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
    // (grandfathered_bonds.hpp), and only while the policy says "keep". A device btfenced is
    // already removing bonded after btfenced was watching (its bond appeared while bluetoothd's
    // objects were still loading, or before a bluetoothd restart): not an existing bond.
    const bool keep = policy.existing_bonds == policy::ExistingBonds::Keep;
    if (keep && sweep != nullptr && *sweep == SweepKind::Startup &&
        (device.facts.paired || device.facts.bonded) && !remover_.active(device.path)) {
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
        // Audit mode: btfenced holds no agent, so the person's agent (or a local Just Works
        // pairing) let this device pair. The gate's decision is made here instead, from the
        // bond appearing: what enforce mode would have refused.
        if (sweep == nullptr && (device.facts.paired || device.facts.bonded) &&
            !tracking.audit_pairing_reported) {
            tracking.audit_pairing_reported = true;
            audit::Event event =
                device_event(audit::Action::PairingDenied, device, decision, policy, trigger);
            event.outcome = audit::Outcome::Unknown;
            event.message = "Audit mode: would have refused the pairing of " + label(device) +
                            " (rule " + decision.rule_id + ")";
            emit_(std::move(event));
        }
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
    if (remover_.active(device.path)) {
        return;  // under way: it retries by itself and reports its outcome once
    }
    const auto evidence = spoof_evidence(device, decision, tracking);
    if (evidence) {
        suspect(device, decision, *evidence, trigger);
    }
    // A bonded or connected device that has just become denied (its GATT services revealed
    // HID, its class changed) may already be talking to a profile: cut the link first.
    const bool block_first = evidence.has_value() || (identity_changed && device.engaged());
    remove(device, decision, trigger, block_first);
}

std::optional<std::string> Enforcer::spoof_evidence(const bluez::DeviceState& device,
                                                    const policy::Decision& decision,
                                                    const Tracking& tracking) const {
    if (decision.rule_id == policy::kVerificationFailedRuleId) {
        // Only a failed probe (the key answered, and not as a FIDO2 authenticator) is evidence;
        // an inconclusive one (rule verification-inconclusive) is removed, not remembered.
        return "it failed the CTAP verification: " + decision.reason;
    }
    if (decision.rule_id == kSuspectedSpoofRuleId || !tracking.claimed_fido ||
        decision.classification.device_class == policy::DeviceClass::FidoBle) {
        return std::nullopt;
    }
    return "it claimed to be a FIDO authenticator (0xFFFD) but " + decision.classification.reason +
           " (" + engagement_of(device) + ")";
}

void Enforcer::suspect(const bluez::DeviceState& device, const policy::Decision& decision,
                       const std::string& evidence, const std::string& trigger) {
    const policy::Policy& policy = policies_.current();
    audit::Event event =
        device_event(audit::Action::SuspectedSpoof, device, decision, policy, trigger);
    event.outcome = audit::Outcome::Success;
    event.reason = evidence;
    const auto period = policy.fido.spoof_block;
    if (spoofs_ == nullptr || period.count() == 0) {
        event.message = "Suspected spoof " + label(device) + ": " + evidence +
                        "; blocked and removed (fido.spoof_block = \"0\": not remembered)";
        emit_(std::move(event));
        return;
    }
    SpoofRecord record;
    record.address = device.facts.address;
    record.name = device.facts.display_name();
    record.reason = evidence;
    record.until = clock_.now() + period;
    const std::string until = policy::format_rfc3339(record.until);
    if (auto error = spoofs_->remember(std::move(record))) {
        event.outcome = audit::Outcome::Failure;
        event.reason += "; could not persist the suspected-spoof list: " + *error;
    }
    event.message = "Suspected spoof " + label(device) + ": " + evidence +
                    "; blocked, removed, and refused and blocked on sight until " + until;
    emit_(std::move(event));
    if (spoofs_changed_) {
        spoofs_changed_();
    }
}

void Enforcer::block_on_sight(const bluez::DeviceState& device) {
    if (spoofs_ == nullptr || device.facts.blocked || blocked_on_sight_.contains(device.path)) {
        return;
    }
    const auto* record = spoofs_->find(device.facts.address, clock_.now());
    if (record == nullptr) {
        return;
    }
    const policy::Policy& policy = policies_.current();
    const policy::Decision decision =
        decide_device(policy, device, clock_.now(), policies_.exemptions(), spoofs_);
    if (!decision.enforce_denial()) {
        return;  // audit mode or an unmanaged adapter: nothing is done
    }
    blocked_on_sight_.insert(device.path);
    audit::Event event =
        device_event(audit::Action::DeviceBlocked, device, decision, policy, "seen-again");
    event.message = "Blocked suspected spoof " + label(device) + " on sight, until " +
                    policy::format_rfc3339(record->until);
    blocker_.start(bluez::DevicePath(device.path), true, std::move(event));
}

void Enforcer::spoofs_expired(const std::vector<SpoofRecord>& expired) {
    const policy::Policy& policy = policies_.current();
    for (const auto& record : expired) {
        bool device_seen = false;
        for (const auto& path : mirror_.device_paths()) {
            const auto* device = mirror_.device(path);
            if (device == nullptr || device->facts.address != record.address) {
                continue;
            }
            device_seen = true;
            blocked_on_sight_.erase(path);
            const policy::Decision decision =
                decide_device(policy, *device, clock_.now(), policies_.exemptions(), spoofs_);
            audit::Event event = device_event(audit::Action::DeviceUnblocked, *device, decision,
                                              policy, "spoof-block-expired");
            event.message = "The block of suspected spoof " + label(*device) +
                            " ended (fido.spoof_block); unblocked";
            if (!device->facts.blocked || decision.mode != policy::Mode::Enforce) {
                event.outcome = audit::Outcome::Success;
                emit_(std::move(event));
                continue;
            }
            blocker_.start(bluez::DevicePath(path), false, std::move(event));
        }
        if (!device_seen) {
            audit::Event event = policy_event(
                audit::Action::DeviceUnblocked, &policy,
                "The block of suspected spoof " + record.address + " ended (fido.spoof_block)");
            event.outcome = audit::Outcome::Success;
            event.rule_id = std::string(kSuspectedSpoofRuleId);
            event.reason = record.reason;
            emit_(std::move(event));
        }
    }
}

void Enforcer::remove(const bluez::DeviceState& device, const policy::Decision& decision,
                      const std::string& trigger, bool block_first) {
    if (remover_.active(device.path)) {
        return;  // under way: it retries by itself and reports its outcome once
    }
    const policy::Policy& policy = policies_.current();
    audit::Event event =
        device_event(audit::Action::DeviceRemoved, device, decision, policy, trigger);
    event.message =
        "Removed " + label(device) + " (" + engagement_of(device) + "): rule " + decision.rule_id;
    if (block_first) {
        // Blocked = true makes bluetoothd drop the link at once (device_block()), where
        // Disconnect waits up to 2 s (DISCONNECT_TIMER) with the link still up, and keeps it
        // from reconnecting meanwhile; the removal then goes on as usual.
        event.message = "Blocked and removed " + label(device) + " (" + engagement_of(device) +
                        "): rule " + decision.rule_id;
    }
    remover_.start(bluez::DevicePath(device.path), RemovalPlan{.block_first = block_first},
                   std::move(event));
}

}  // namespace btfence::enforce
