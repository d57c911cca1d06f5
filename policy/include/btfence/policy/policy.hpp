#pragma once
// The policy model: what a validated policy file says (docs/policy.md). Built only by the
// parser, so every field here has already been checked and normalised.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "btfence/policy/classification.hpp"

namespace btfence::policy {

using TimePoint = std::chrono::sys_seconds;

enum class Mode { Enforce, Audit };
enum class Verdict { Allow, Deny };
enum class ExistingBonds { Enforce, Keep };
enum class ServiceAllowlistMode { Auto, Off };

std::string_view to_string(Mode mode);                  ///< "enforce" | "audit"
std::string_view to_string(Verdict verdict);            ///< "allow" | "deny"
std::string_view to_string(ExistingBonds bonds);        ///< "enforce" | "keep"
std::string_view to_string(ServiceAllowlistMode mode);  ///< "auto" | "off"

struct Rule {
    std::string id;
    Verdict verdict = Verdict::Deny;
    std::vector<DeviceClass> classes;  ///< empty = any class
    // Optional matchers; an empty list / nullopt means "not given". All given must hold.
    std::vector<std::string> addresses;  ///< normalised
    std::vector<std::string> ouis;       ///< normalised "00:1B:DC"
    std::optional<std::string> name_glob;
    std::vector<std::string> adapters;  ///< names ("hci0") or normalised addresses
    std::vector<std::string> aaguids;   ///< normalised
    /// Services an allowed device may be authorized for (Agent1.AuthorizeService), canonical
    /// 128-bit UUIDs. Not a matcher: it only widens what the rule grants. Empty = none.
    std::vector<std::string> services;
    std::optional<bool> verified;
    std::optional<TimePoint> not_before;
    std::optional<TimePoint> expires;
    std::string reason;  ///< free text copied into events
    int line = 0;        ///< where the rule starts in the file, for messages

    /// Whether `now` lies in the rule's time window: from `not_before` (inclusive) to
    /// `expires` (exclusive). A rule without either holds at every instant.
    [[nodiscard]] bool in_window(TimePoint now) const {
        return (!not_before || now >= *not_before) && (!expires || now < *expires);
    }
};

/// A rule whose time window holds at one instant and not at the other.
struct WindowChange {
    const Rule* rule = nullptr;
    bool in_effect = false;  ///< at the later-observed instant
};

struct FidoSettings {
    bool verify = true;
    std::chrono::milliseconds probe_timeout{5000};
    /// How long a suspected spoof (claimed FIDO, turned out otherwise) stays refused and
    /// blocked on sight. 0 = not remembered (still blocked and removed when caught).
    std::chrono::seconds spoof_block = std::chrono::hours{24};
};

struct BluezSettings {
    ServiceAllowlistMode service_allowlist = ServiceAllowlistMode::Auto;
    std::vector<std::string> extra_services;  ///< canonical UUIDs
};

/// `[exemptions]`: whether runtime exemptions (exemption.hpp) may be granted, and for how long.
/// Off unless the admin opts in: an exemption is a hole in the fence, and the policy file is
/// where the admin says who may make one.
struct ExemptionSettings {
    bool allowed = false;
    std::chrono::seconds max_duration{std::chrono::hours{8}};
};

struct Policy {
    int version = 1;
    Mode mode = Mode::Enforce;
    Verdict default_verdict = Verdict::Deny;
    ExistingBonds existing_bonds = ExistingBonds::Enforce;
    std::vector<std::string> adapters;  ///< names or normalised addresses; empty = all
    FidoSettings fido;
    BluezSettings bluez;
    ExemptionSettings exemptions;
    std::vector<Rule> rules;
    std::string source;  ///< path or name the policy was read from
    std::string sha256;  ///< hex digest of the exact file bytes

    /// Whether btfence manages the adapter with this name/address (docs/policy.md, "Adapters
    /// scope").
    [[nodiscard]] bool manages_adapter(std::string_view name, std::string_view address) const;

    /// The UUIDs to hand to AdminPolicySet1.SetServiceAllowList: the FIDO/GAP/GATT/DIS/Battery
    /// services plus `bluez.extra_services`, sorted and unique.
    [[nodiscard]] std::vector<std::string> service_allowlist() const;

    /// The earliest rule boundary (`not_before` or `expires`) strictly after `now`, over all
    /// rules: when the daemon must re-decide every device. nullopt = never.
    [[nodiscard]] std::optional<TimePoint> next_boundary_after(TimePoint now) const;

    /// The rules, in file order, whose window held at `before` and not at `after` or the other
    /// way round: what changed between two observations of the wall clock. `after` may be
    /// earlier than `before` (the clock was set back); a rule whose whole window lies between
    /// the two has not changed.
    [[nodiscard]] std::vector<WindowChange> window_changes(TimePoint before, TimePoint after) const;
};

}  // namespace btfence::policy
