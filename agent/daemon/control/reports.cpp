#include "control/reports.hpp"

#include <vector>

namespace btfence::control {
namespace {

std::int64_t unix_seconds(policy::TimePoint t) {
    return t.time_since_epoch().count();
}

std::string tri_state(const std::function<std::optional<bool>()>& accessor) {
    if (!accessor) {
        return std::string(kUnknown);
    }
    const auto value = accessor();
    return value ? (*value ? "yes" : "no") : std::string(kUnknown);
}

std::string text_or_unknown(const std::function<std::optional<std::string>()>& accessor) {
    if (!accessor) {
        return std::string(kUnknown);
    }
    return accessor().value_or(std::string(kUnknown));
}

/// One of the lockdowns read for this Status; "unknown" when the board cannot read them.
std::string lockdown_text(const std::optional<lockdown::LockdownState>& lockdowns,
                          lockdown::Configured lockdown::LockdownState::*which) {
    return lockdowns ? std::string(lockdown::to_string((*lockdowns).*which))
                     : std::string(kUnknown);
}

/// What btfence's profile allowlist (layer 4) looks like on one adapter.
std::string service_allowlist_state(const bluez::AdapterState& adapter,
                                    const policy::Policy& policy) {
    if (policy.bluez.service_allowlist == policy::ServiceAllowlistMode::Off) {
        return "off";
    }
    if (!adapter.has_admin_policy) {
        return "unavailable";
    }
    return adapter.service_allowlist && *adapter.service_allowlist == policy.service_allowlist()
               ? "applied"
               : "not-applied";
}

std::map<std::string, std::uint64_t> counters(const EventFeed& feed, const StatusBoard& board) {
    using audit::Action;
    using audit::Outcome;
    std::map<std::string, std::uint64_t> out{
        {"pairings_allowed", feed.count(Action::PairingAllowed)},
        {"pairings_denied", feed.count(Action::PairingDenied)},
        {"services_authorized", feed.count(Action::ServiceAuthorized)},
        {"services_denied", feed.count(Action::ServiceDenied)},
        {"bonds_kept", feed.count(Action::BondKept)},
        {"removals", feed.count(Action::DeviceRemoved, Outcome::Success)},
        {"removal_failures", feed.count(Action::DeviceRemoved, Outcome::Failure)},
        {"removals_audit_only", feed.count(Action::DeviceRemoved, Outcome::Unknown)},
        {"verifications_passed", feed.count(Action::VerificationPassed)},
        {"verifications_failed", feed.count(Action::VerificationFailed)},
        {"tamper_detected", feed.count(Action::TamperDetected)},
        {"policy_rejections", feed.count(Action::PolicyRejected)},
        {"control_denied", feed.count(Action::ControlDenied)},
        {"suspected_spoofs", feed.count(Action::SuspectedSpoof)},
    };
    std::uint64_t decisions = 0;
    for (const char* key :
         {"pairings_allowed", "pairings_denied", "services_authorized", "services_denied",
          "bonds_kept", "removals", "removal_failures", "removals_audit_only",
          "verifications_passed", "verifications_failed"}) {
        decisions += out[key];
    }
    out["decisions"] = decisions;
    if (board.audit_dropped) {
        if (const auto dropped = board.audit_dropped()) {
            out["audit_dropped"] = *dropped;  // absent = unknown
        }
    }
    // Repeats folded into summaries are in the counters above once their summary is written;
    // the ones still held in an open window are said, not hidden.
    if (board.audit_aggregated) {
        if (const auto aggregated = board.audit_aggregated()) {
            out["audit_aggregated"] = *aggregated;
            out["audit_aggregation_pending"] =
                *aggregated > feed.summarized() ? *aggregated - feed.summarized() : 0;
        }
    }
    return out;
}

std::string verification_state(const bluez::DeviceState& device, const StatusBoard& board) {
    if (board.probe_running && board.probe_running(device.path)) {
        return "pending";
    }
    if (!device.facts.verification) {
        return "none";
    }
    return std::string(policy::to_string(device.facts.verification->state));
}

}  // namespace

Dict status_report(const StatusInputs& in) {
    const policy::Policy& policy = in.policies.current();
    std::vector<Dict> adapters;
    for (const auto& [path, adapter] : in.mirror.adapters()) {
        adapters.push_back(Dict{
            {"name", sdbus::Variant(adapter.name)},
            {"address", sdbus::Variant(adapter.address)},
            {"object_path", sdbus::Variant(adapter.path)},
            {"managed", sdbus::Variant(policy.manages_adapter(adapter.name, adapter.address))},
            {"service_allowlist", sdbus::Variant(service_allowlist_state(adapter, policy))},
        });
    }
    std::string bluez(kUnknown);
    if (in.board.bluez_present) {
        bluez = in.board.bluez_present() ? "present" : "absent";
    }
    const std::string& unavailable = in.exemptions.unavailable_reason();
    const auto lockdowns =
        in.board.lockdowns ? in.board.lockdowns() : std::optional<lockdown::LockdownState>{};
    return Dict{
        {"api_version", sdbus::Variant(kApiVersion)},
        {"daemon_version", sdbus::Variant(std::string(BTFENCE_VERSION))},
        {"mode", sdbus::Variant(std::string(policy::to_string(policy.mode)))},
        {"enforcing", sdbus::Variant(policy.mode == policy::Mode::Enforce)},
        {"started_at", sdbus::Variant(unix_seconds(in.board.started_at))},
        {"policy_path", sdbus::Variant(policy.source)},
        {"policy_sha256", sdbus::Variant(policy.sha256)},
        {"policy_loaded_at", sdbus::Variant(unix_seconds(in.board.policy_loaded_at))},
        {"policy_rules", sdbus::Variant(static_cast<std::uint32_t>(policy.rules.size()))},
        {"default_verdict", sdbus::Variant(std::string(policy::to_string(policy.default_verdict)))},
        {"bluez", sdbus::Variant(bluez)},
        {"default_agent", sdbus::Variant(tri_state(in.board.holds_default_agent))},
        {"adapters", sdbus::Variant(adapters)},
        {"lockdown", sdbus::Variant(lockdown_text(lockdowns, &lockdown::LockdownState::dbus))},
        {"profile_lockdown",
         sdbus::Variant(lockdown_text(lockdowns, &lockdown::LockdownState::profiles))},
        {"posture", sdbus::Variant(text_or_unknown(in.board.posture))},
        {"devices_known", sdbus::Variant(static_cast<std::uint32_t>(in.mirror.device_count()))},
        {"exemptions_allowed", sdbus::Variant(policy.exemptions.allowed)},
        {"exemptions_max_duration",
         sdbus::Variant(static_cast<std::uint64_t>(policy.exemptions.max_duration.count()))},
        {"exemptions_in_force",
         sdbus::Variant(static_cast<std::uint32_t>(in.exemptions.in_force().size()))},
        {"exemptions_state",
         sdbus::Variant(unavailable.empty() ? std::string("ok") : "unreadable: " + unavailable)},
        {"counters", sdbus::Variant(counters(in.feed, in.board))},
    };
}

Dict device_report(const bluez::DeviceState& device, const policy::Decision& decision,
                   const policy::Policy& policy, const StatusBoard& board, policy::TimePoint now) {
    const auto& facts = device.facts;
    std::string aaguid;
    std::string verification_detail;
    if (facts.verification) {
        aaguid = facts.verification->aaguid;
        verification_detail = facts.verification->detail;
    }
    return Dict{
        {"object_path", sdbus::Variant(device.path)},
        {"address", sdbus::Variant(facts.address)},
        {"address_type", sdbus::Variant(facts.address_type)},
        {"name", sdbus::Variant(facts.display_name())},
        {"adapter", sdbus::Variant(facts.adapter)},
        {"class",
         sdbus::Variant(std::string(policy::to_string(decision.classification.device_class)))},
        {"class_reason", sdbus::Variant(decision.classification.reason)},
        {"verdict", sdbus::Variant(std::string(policy::to_string(decision.verdict)))},
        {"rule", sdbus::Variant(decision.rule_id)},
        {"rule_reason", sdbus::Variant(decision.rule_reason)},
        {"reason", sdbus::Variant(decision.reason)},
        {"mode", sdbus::Variant(std::string(policy::to_string(decision.mode)))},
        {"managed", sdbus::Variant(decision.managed)},
        {"enforced", sdbus::Variant(decision.enforce_denial())},
        {"verification", sdbus::Variant(verification_state(device, board))},
        {"verification_detail", sdbus::Variant(verification_detail)},
        {"aaguid", sdbus::Variant(aaguid)},
        {"paired", sdbus::Variant(facts.paired)},
        {"bonded", sdbus::Variant(facts.bonded)},
        {"connected", sdbus::Variant(facts.connected)},
        {"trusted", sdbus::Variant(facts.trusted)},
        {"blocked", sdbus::Variant(facts.blocked)},
        {"unreadable_properties", sdbus::Variant(device.problems)},
        {"last_seen", sdbus::Variant(device.last_seen)},
        {"decided_at", sdbus::Variant(unix_seconds(now))},
        {"next_change", sdbus::Variant(decision.next_change ? unix_seconds(*decision.next_change)
                                                            : std::int64_t{0})},
        {"policy_sha256", sdbus::Variant(policy.sha256)},
    };
}

Dict exemption_report(const policy::Exemption& exemption) {
    return Dict{
        {"id", sdbus::Variant(exemption.id)},
        {"rule", sdbus::Variant(exemption.rule_id())},
        {"target", sdbus::Variant(exemption.target)},
        {"target_kind", sdbus::Variant(std::string(policy::to_string(exemption.kind)))},
        {"granted_at", sdbus::Variant(unix_seconds(exemption.granted_at))},
        {"expires", sdbus::Variant(unix_seconds(exemption.expires))},
        {"reason", sdbus::Variant(exemption.reason)},
        {"granted_by", sdbus::Variant(exemption.granted_by)},
    };
}

std::optional<Dict> decision_signal(const audit::Event& event) {
    if (!event.device || !event.verdict) {
        return std::nullopt;
    }
    const auto& device = *event.device;
    return Dict{
        {"action", sdbus::Variant(std::string(audit::info(event.action).name))},
        {"outcome", sdbus::Variant(std::string(audit::to_string(event.outcome)))},
        {"message", sdbus::Variant(event.message)},
        {"address", sdbus::Variant(device.address)},
        {"name", sdbus::Variant(device.name)},
        {"adapter", sdbus::Variant(device.adapter)},
        {"class", sdbus::Variant(device.device_class)},
        {"verdict", sdbus::Variant(std::string(policy::to_string(*event.verdict)))},
        {"rule", sdbus::Variant(event.rule_id)},
        {"rule_reason", sdbus::Variant(event.rule_reason)},
        {"reason", sdbus::Variant(event.reason)},
        {"mode", sdbus::Variant(std::string(policy::to_string(event.mode)))},
        {"sequence", sdbus::Variant(event.sequence)},
        {"timestamp_us", sdbus::Variant(event.timestamp_us)},
    };
}

std::optional<Dict> policy_signal(const audit::Event& event) {
    if (event.action != audit::Action::PolicyLoaded &&
        event.action != audit::Action::PolicyRejected) {
        return std::nullopt;
    }
    return Dict{
        {"outcome", sdbus::Variant(std::string(
                        event.action == audit::Action::PolicyLoaded ? "loaded" : "rejected"))},
        {"path", sdbus::Variant(event.policy_path)},
        {"sha256", sdbus::Variant(event.policy_sha256)},
        {"mode", sdbus::Variant(std::string(policy::to_string(event.mode)))},
        {"message", sdbus::Variant(event.message)},
        {"errors", sdbus::Variant(event.reason)},
        {"sequence", sdbus::Variant(event.sequence)},
        {"timestamp_us", sdbus::Variant(event.timestamp_us)},
    };
}

}  // namespace btfence::control
