#pragma once
// Rules that can never decide a device: what `btfencectl check` warns about. Pure analysis of
// a validated policy against decide() (decision.hpp); each warning is certain, never a guess
// (docs/policy.md, "btfencectl check" lists exactly which cases are reported).
#include <string>
#include <vector>

#include "btfence/policy/policy.hpp"

namespace btfence::policy {

enum class RuleWarningKind {
    /// `expires` is at or before `now`: the rule matches no device from now on.
    Expired,
    /// `verified = true` or `aaguid` while `fido.verify = false`: no device counts as verified.
    NeedsVerificationWhileVerifyIsOff,
    /// `verified = true` or `aaguid` with a `class` list without "fido-ble": only fido-ble
    /// devices count as verified.
    NeedsVerificationOfAClassNeverVerified,
    /// Every adapter in its `adapter` list is outside `policy.adapters`: devices there are
    /// decided as `unmanaged-adapter` before any rule.
    AdapterNeverManaged,
    /// An earlier rule matches every device this one matches, whenever this one is in force.
    Shadowed,
};

struct RuleWarning {
    RuleWarningKind kind = RuleWarningKind::Shadowed;
    std::string rule_id;
    int line = 0;         ///< the rule's line in the policy file
    std::string message;  ///< one sentence: why the rule never decides a device
};

/// The warnings for `policy` at `now`, in file order (a rule may have several). Empty when
/// every rule can decide some device at some instant from `now` on.
std::vector<RuleWarning> rule_warnings(const Policy& policy, TimePoint now);

}  // namespace btfence::policy
