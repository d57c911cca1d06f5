#pragma once
// Runtime exemptions: what the helpdesk grants over D-Bus (`btfencectl exempt add`), as
// opposed to the admin's time-limited rules in the policy file. One exemption lets one device
// — named by its address, or by the AAGUID its CTAP probe reported — pair and keep its bond
// until an instant. The daemon keeps them in its state directory; the decision takes them as
// an input next to the policy (decide()), ahead of the policy's rules, and names them in events
// as rule `exemption:<id>`. The policy bounds them (`[exemptions]`, ExemptionSettings).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "btfence/policy/device_facts.hpp"
#include "btfence/policy/policy.hpp"

namespace btfence::policy {

/// Prefix of the rule id an exemption decides with; policy rules may not use it.
inline constexpr std::string_view kExemptionRulePrefix = "exemption:";

enum class ExemptionTarget { Address, Aaguid };
std::string_view to_string(ExemptionTarget target);  ///< "address" | "aaguid"

struct Exemption {
    std::string id;  ///< short, unique among the exemptions in force
    ExemptionTarget kind = ExemptionTarget::Address;
    std::string target;  ///< normalised address or AAGUID
    TimePoint granted_at{};
    TimePoint expires{};     ///< exclusive: at this second it no longer applies
    std::string reason;      ///< the helpdesk's words (a ticket), required
    std::string granted_by;  ///< who asked, for reasons: "uid 1000, pid 4242, unit x.service"

    [[nodiscard]] std::string rule_id() const { return std::string(kExemptionRulePrefix) + id; }
    [[nodiscard]] bool active_at(TimePoint now) const { return now >= granted_at && now < expires; }
    /// Whether the device is the one exempted. An AAGUID only counts once the CTAP probe
    /// passed; decide() also requires fido.verify on and a fido-ble device, the same
    /// conditions as a rule's `aaguid`.
    [[nodiscard]] bool matches(const DeviceFacts& device) const;
};

/// Parses an exemption target: a Bluetooth address or an AAGUID, any case; nullopt if neither.
std::optional<std::pair<ExemptionTarget, std::string>> parse_exemption_target(
    std::string_view text);

/// "8h", "90m", "2h30m", "1d", "45s": whole units d/h/m/s, at least one, each at most once and
/// in that order. nullopt when malformed or zero.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);
/// The shortest form parse_duration reads back: 28800 s -> "8h", 5400 s -> "1h30m".
std::string format_duration(std::chrono::seconds duration);

}  // namespace btfence::policy
