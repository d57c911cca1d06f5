#include "exemptions/exemption_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>

#include "btfence/policy/time_format.hpp"
#include "decision_events.hpp"

namespace btfence::exemptions {
namespace {

constexpr int kStateFormat = 1;

bool has_control_character(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7F;
    });
}

std::int64_t unix_seconds(policy::TimePoint t) {
    return t.time_since_epoch().count();
}

Refusal refuse(Refusal::Kind kind, std::string message) {
    return Refusal{kind, std::move(message)};
}

}  // namespace

std::string describe(const audit::CallerInfo& caller) {
    return "uid " + std::to_string(caller.uid) + ", pid " + std::to_string(caller.pid) +
           (caller.unit.empty() ? std::string() : ", unit " + caller.unit);
}

std::string to_state_json(std::span<const policy::Exemption> exemptions) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& e : exemptions) {
        list.push_back({{"id", e.id},
                        {"target_kind", policy::to_string(e.kind)},
                        {"target", e.target},
                        {"granted_at", policy::format_rfc3339(e.granted_at)},
                        {"expires", policy::format_rfc3339(e.expires)},
                        {"reason", e.reason},
                        {"granted_by", e.granted_by}});
    }
    nlohmann::ordered_json root = {{"format", kStateFormat}, {"exemptions", std::move(list)}};
    return root.dump(2) + "\n";
}

std::optional<std::vector<policy::Exemption>> from_state_json(const std::string& text,
                                                              std::string& error) {
    const auto root = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (root.is_discarded() || !root.is_object()) {
        error = "not a JSON object";
        return std::nullopt;
    }
    if (!root.contains("format") || root["format"] != kStateFormat) {
        error = "unknown format (expected \"format\": 1)";
        return std::nullopt;
    }
    if (!root.contains("exemptions") || !root["exemptions"].is_array()) {
        error = "no \"exemptions\" array";
        return std::nullopt;
    }
    std::vector<policy::Exemption> out;
    for (const auto& entry : root["exemptions"]) {
        const auto text_of = [&](const char* key) -> std::optional<std::string> {
            if (!entry.is_object() || !entry.contains(key) || !entry[key].is_string()) {
                return std::nullopt;
            }
            return entry[key].get<std::string>();
        };
        const auto id = text_of("id");
        const auto target = text_of("target");
        const auto granted_at = text_of("granted_at");
        const auto expires = text_of("expires");
        const auto reason = text_of("reason");
        const auto granted_by = text_of("granted_by");
        if (!id || id->empty() || !target || !granted_at || !expires || !reason || !granted_by) {
            error = "entry " + std::to_string(out.size()) + " lacks a field";
            return std::nullopt;
        }
        const auto parsed_target = policy::parse_exemption_target(*target);
        const auto from = policy::parse_rfc3339(*granted_at);
        const auto to = policy::parse_rfc3339(*expires);
        if (!parsed_target || !from || !to || *to <= *from) {
            error = "entry " + *id + " has an invalid target or window";
            return std::nullopt;
        }
        policy::Exemption exemption;
        exemption.id = *id;
        exemption.kind = parsed_target->first;
        exemption.target = parsed_target->second;
        exemption.granted_at = *from;
        exemption.expires = *to;
        exemption.reason = *reason;
        exemption.granted_by = *granted_by;
        out.push_back(std::move(exemption));
    }
    return out;
}

ExemptionService::ExemptionService(state::StateFile file, PolicyStore& policies,
                                   const DecisionClock& clock, Emit emit, Changed changed)
    : file_(std::move(file)),
      policies_(policies),
      clock_(clock),
      emit_(std::move(emit)),
      changed_(std::move(changed)) {}

audit::Event ExemptionService::event(audit::Action action, const policy::Exemption& exemption,
                                     std::string message) const {
    audit::Event e = policy_event(action, &policies_.current(), std::move(message));
    e.outcome = audit::Outcome::Success;
    e.rule_id = exemption.rule_id();
    e.rule_reason = exemption.reason;
    e.verdict = policy::Verdict::Allow;
    e.exemption = audit::ExemptionInfo{exemption.id, exemption.target,
                                       std::string(policy::to_string(exemption.kind)),
                                       unix_seconds(exemption.expires)};
    return e;
}

void ExemptionService::load() {
    std::string error;
    const auto text = file_.read(error);
    if (!text) {
        if (error.empty()) {
            return;  // no file yet: none granted
        }
    }
    std::optional<std::vector<policy::Exemption>> loaded;
    if (text) {
        loaded = from_state_json(*text, error);
    }
    if (!loaded) {
        unavailable_ = file_.path().string() + ": " + error;
        audit::Event alarm =
            policy_event(audit::Action::StateFileError, &policies_.current(),
                         "Runtime exemptions unreadable (" + unavailable_ +
                             "); none apply and none can be granted until an admin repairs or "
                             "removes the file");
        alarm.outcome = audit::Outcome::Failure;
        alarm.reason = unavailable_;
        emit_(std::move(alarm));
        return;
    }
    const policy::TimePoint now = clock_.now();
    std::vector<policy::Exemption> kept;
    for (auto& exemption : *loaded) {
        if (exemption.expires <= now) {
            audit::Event ended =
                event(audit::Action::ExemptionExpired, exemption,
                      "Runtime exemption " + exemption.id + " for " + exemption.target +
                          " expired while btfenced was not running");
            ended.reason = "ended at " + policy::format_rfc3339(exemption.expires) +
                           "; granted by " + exemption.granted_by;
            emit_(std::move(ended));
            continue;
        }
        kept.push_back(std::move(exemption));
    }
    if (kept.size() != loaded->size()) {
        replace(std::move(kept));
    } else {
        policies_.set_exemptions(std::move(kept));
    }
    apply_policy();  // the policy may have changed while btfenced was not running
}

bool ExemptionService::save(std::span<const policy::Exemption> exemptions,
                            std::string& error) const {
    return file_.write(to_state_json(exemptions), error);
}

void ExemptionService::replace(std::vector<policy::Exemption> exemptions) {
    // In force at once, whether or not the file could be written: a revocation must take
    // effect now. A write failure is logged; the next change writes the file again.
    std::string error;
    if (!save(exemptions, error)) {
        spdlog::error(
            "cannot write runtime exemptions ({}); the change is in force until "
            "btfenced restarts",
            error);
    }
    policies_.set_exemptions(std::move(exemptions));
}

std::string ExemptionService::new_id() const {
    std::random_device random;
    for (;;) {
        std::string id;
        static constexpr std::string_view kHex = "0123456789abcdef";
        const std::uint32_t value = random();
        for (int shift = 28; shift >= 0; shift -= 4) {
            id += kHex[(value >> static_cast<unsigned>(shift)) & 0xFU];
        }
        const auto in_force = policies_.exemptions();
        if (std::none_of(in_force.begin(), in_force.end(),
                         [&](const policy::Exemption& e) { return e.id == id; })) {
            return id;
        }
    }
}

Result<policy::Exemption> ExemptionService::grant(const GrantRequest& request,
                                                  const audit::CallerInfo& caller) {
    using Kind = Refusal::Kind;
    const policy::Policy& policy = policies_.current();
    if (!unavailable_.empty()) {
        return refuse(Kind::Unavailable, "runtime exemptions are unavailable: the state file " +
                                             unavailable_ +
                                             " is unreadable; an admin must repair or remove it");
    }
    if (!policy.exemptions.allowed) {
        return refuse(Kind::NotAllowed,
                      "the policy does not allow runtime exemptions ([exemptions] allowed = "
                      "false in " +
                          policy.source + ")");
    }
    const auto target = policy::parse_exemption_target(request.target);
    if (!target) {
        return refuse(Kind::InvalidArgument,
                      "not a Bluetooth address (AA:BB:CC:DD:EE:FF) or an "
                      "AAGUID (8-4-4-4-12 hex digits): \"" +
                          request.target + "\"");
    }
    if (request.reason.empty() || request.reason.size() > kMaxReasonLength ||
        has_control_character(request.reason)) {
        return refuse(Kind::InvalidArgument,
                      "a reason is required (a ticket number, who asked): 1 to " +
                          std::to_string(kMaxReasonLength) + " characters, no control characters");
    }
    if (request.duration.has_value() == request.until.has_value()) {
        return refuse(Kind::InvalidArgument, "give exactly one of a duration or an end instant");
    }
    const policy::TimePoint now = clock_.now();
    const policy::TimePoint expires = request.until ? *request.until : now + *request.duration;
    if (expires <= now) {
        return refuse(Kind::InvalidArgument, "the exemption would end at " +
                                                 policy::format_rfc3339(expires) +
                                                 ", which is not in the future");
    }
    if (expires - now > policy.exemptions.max_duration) {
        return refuse(Kind::NotAllowed,
                      "the policy allows exemptions of at most " +
                          policy::format_duration(policy.exemptions.max_duration) +
                          " ([exemptions] max_duration); asked for " +
                          policy::format_duration(expires - now));
    }
    if (policies_.exemptions().size() >= kMaxInForce) {
        return refuse(Kind::NotAllowed, "already " + std::to_string(kMaxInForce) +
                                            " exemptions in force; remove one first");
    }

    policy::Exemption exemption;
    exemption.id = new_id();
    exemption.kind = target->first;
    exemption.target = target->second;
    exemption.granted_at = now;
    exemption.expires = expires;
    exemption.reason = request.reason;
    exemption.granted_by = describe(caller);

    std::vector<policy::Exemption> next(policies_.exemptions().begin(),
                                        policies_.exemptions().end());
    next.push_back(exemption);
    std::string error;
    if (!save(next, error)) {
        // Not granted: an exemption that would silently vanish at the next restart is worse
        // than a clear failure now.
        return refuse(Kind::Unavailable, "cannot record the exemption: " + error);
    }
    policies_.set_exemptions(std::move(next));

    audit::Event granted =
        event(audit::Action::ExemptionGranted, exemption,
              "Granted runtime exemption " + exemption.id + " for " +
                  std::string(policy::to_string(exemption.kind)) + " " + exemption.target +
                  " until " + policy::format_rfc3339(exemption.expires) + " to " +
                  describe(caller) + ": " + exemption.reason);
    granted.caller = caller;
    granted.reason = exemption.reason;
    emit_(std::move(granted));
    if (changed_) {
        changed_(false);
    }
    return exemption;
}

Result<policy::Exemption> ExemptionService::revoke(const std::string& id,
                                                   const audit::CallerInfo& caller) {
    const auto in_force = policies_.exemptions();
    const auto it = std::find_if(in_force.begin(), in_force.end(),
                                 [&](const policy::Exemption& e) { return e.id == id; });
    if (it == in_force.end()) {
        return refuse(Refusal::Kind::UnknownId, "no runtime exemption with id \"" + id + "\"");
    }
    // A copy: replace() below swaps out the storage `it` points into.
    policy::Exemption removed = *it;
    std::vector<policy::Exemption> next;
    std::copy_if(in_force.begin(), in_force.end(), std::back_inserter(next),
                 [&](const policy::Exemption& e) { return e.id != id; });
    replace(std::move(next));

    audit::Event revoked = event(audit::Action::ExemptionRevoked, removed,
                                 "Revoked runtime exemption " + removed.id + " for " +
                                     removed.target + " (" + describe(caller) + ")");
    revoked.caller = caller;
    revoked.reason = "revoked over D-Bus; it was granted by " + removed.granted_by;
    emit_(std::move(revoked));
    if (changed_) {
        changed_(true);
    }
    return removed;
}

bool ExemptionService::expire() {
    const policy::TimePoint now = clock_.now();
    std::vector<policy::Exemption> kept;
    std::vector<policy::Exemption> ended;
    for (const auto& exemption : policies_.exemptions()) {
        (exemption.expires <= now ? ended : kept).push_back(exemption);
    }
    if (ended.empty()) {
        return false;
    }
    replace(std::move(kept));
    for (const auto& exemption : ended) {
        audit::Event e = event(audit::Action::ExemptionExpired, exemption,
                               "Runtime exemption " + exemption.id + " for " + exemption.target +
                                   " expired; re-deciding every device");
        e.reason = "granted by " + exemption.granted_by + " at " +
                   policy::format_rfc3339(exemption.granted_at);
        emit_(std::move(e));
    }
    return true;
}

bool ExemptionService::apply_policy() {
    const policy::Policy& policy = policies_.current();
    const policy::TimePoint now = clock_.now();
    std::vector<policy::Exemption> kept;
    std::vector<audit::Event> events;
    bool ended = false;
    for (auto exemption : policies_.exemptions()) {
        if (!policy.exemptions.allowed) {
            audit::Event e = event(audit::Action::ExemptionRevoked, exemption,
                                   "Revoked runtime exemption " + exemption.id + " for " +
                                       exemption.target + ": the policy no longer allows them");
            e.reason = "[exemptions] allowed = false in " + policy.source;
            events.push_back(std::move(e));
            ended = true;
            continue;
        }
        const policy::TimePoint cap = exemption.granted_at + policy.exemptions.max_duration;
        if (exemption.expires <= cap) {
            kept.push_back(std::move(exemption));
            continue;
        }
        const std::string why = "[exemptions] max_duration is now " +
                                policy::format_duration(policy.exemptions.max_duration) + " in " +
                                policy.source;
        if (cap <= now) {
            audit::Event e =
                event(audit::Action::ExemptionRevoked, exemption,
                      "Revoked runtime exemption " + exemption.id + " for " + exemption.target +
                          ": it is older than the policy's new max_duration");
            e.reason = why;
            events.push_back(std::move(e));
            ended = true;
            continue;
        }
        exemption.expires = cap;
        audit::Event e = event(audit::Action::ExemptionShortened, exemption,
                               "Shortened runtime exemption " + exemption.id + " for " +
                                   exemption.target + " to end at " + policy::format_rfc3339(cap));
        e.reason = why;
        events.push_back(std::move(e));
        kept.push_back(std::move(exemption));
    }
    if (events.empty()) {
        return false;
    }
    replace(std::move(kept));
    for (auto& e : events) {
        emit_(std::move(e));
    }
    return ended;
}

std::optional<policy::TimePoint> ExemptionService::next_expiry() const {
    std::optional<policy::TimePoint> next;
    for (const auto& exemption : policies_.exemptions()) {
        if (!next || exemption.expires < *next) {
            next = exemption.expires;
        }
    }
    return next;
}

}  // namespace btfence::exemptions
