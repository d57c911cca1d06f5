#include "btfence/policy/rule_warnings.hpp"

#include <algorithm>

#include "btfence/policy/time_format.hpp"

namespace btfence::policy {
namespace {

// Whether a rule matches only devices that passed verification (decision.cpp: `aaguid`
// matches only a passed probe's AAGUID).
bool needs_verification(const Rule& rule) {
    return (rule.verified && *rule.verified) || !rule.aaguids.empty();
}

template <typename T>
bool subset(const std::vector<T>& inner, const std::vector<T>& outer) {
    return std::all_of(inner.begin(), inner.end(), [&](const T& value) {
        return std::find(outer.begin(), outer.end(), value) != outer.end();
    });
}

// A list matcher of `broad` admits every device the same matcher of `narrow` admits: `broad`
// does not restrict, or `narrow` restricts to a subset of it. (An empty list means "any".)
template <typename T>
bool list_covers(const std::vector<T>& broad, const std::vector<T>& narrow) {
    return broad.empty() || (!narrow.empty() && subset(narrow, broad));
}

bool name_covers(const Rule& broad, const Rule& narrow) {
    // fnmatch("*", s, 0) matches every string, the empty one too.
    return !broad.name_glob || *broad.name_glob == "*" || broad.name_glob == narrow.name_glob;
}

bool verified_covers(const Rule& broad, const Rule& narrow) {
    if (!broad.verified) {
        return true;
    }
    if (narrow.verified == broad.verified) {
        return true;
    }
    // An `aaguid` list matches only verified devices.
    return *broad.verified && !narrow.aaguids.empty();
}

bool window_covers(const Rule& broad, const Rule& narrow) {
    const bool starts =
        !broad.not_before || (narrow.not_before && *narrow.not_before >= *broad.not_before);
    const bool ends = !broad.expires || (narrow.expires && *narrow.expires <= *broad.expires);
    return starts && ends;
}

// `earlier` matches every device `later` matches, at every instant `later` is in force, so
// `later` is never the first match (decision.cpp: every matcher given must hold).
bool covers(const Rule& earlier, const Rule& later) {
    return list_covers(earlier.classes, later.classes) &&
           list_covers(earlier.addresses, later.addresses) &&
           list_covers(earlier.ouis, later.ouis) && name_covers(earlier, later) &&
           list_covers(earlier.adapters, later.adapters) &&
           list_covers(earlier.aaguids, later.aaguids) && verified_covers(earlier, later) &&
           window_covers(earlier, later);
}

bool is_adapter_name(const std::string& entry) {
    return entry.rfind("hci", 0) == 0;  // the parser accepts hciN names and addresses only
}

// Every entry of the rule's `adapter` list is outside `policy.adapters`, and no device can be
// managed through one kind of entry (name, address) while matching the rule through the other.
bool adapter_never_managed(const Policy& policy, const Rule& rule) {
    if (policy.adapters.empty() || rule.adapters.empty()) {
        return false;
    }
    for (const auto& entry : rule.adapters) {
        if (std::find(policy.adapters.begin(), policy.adapters.end(), entry) !=
            policy.adapters.end()) {
            return false;
        }
    }
    const auto all_names = [](const std::vector<std::string>& list) {
        return std::all_of(list.begin(), list.end(), is_adapter_name);
    };
    const auto all_addresses = [](const std::vector<std::string>& list) {
        return std::none_of(list.begin(), list.end(), is_adapter_name);
    };
    return (all_names(policy.adapters) && all_names(rule.adapters)) ||
           (all_addresses(policy.adapters) && all_addresses(rule.adapters));
}

std::string classes_text(const Rule& rule) {
    std::string out;
    for (const auto cls : rule.classes) {
        out += (out.empty() ? "" : ", ") + std::string(to_string(cls));
    }
    return out;
}

}  // namespace

std::vector<RuleWarning> rule_warnings(const Policy& policy, TimePoint now) {
    std::vector<RuleWarning> warnings;
    for (std::size_t i = 0; i < policy.rules.size(); ++i) {
        const Rule& rule = policy.rules[i];
        const auto warn = [&](RuleWarningKind kind, std::string message) {
            warnings.push_back(RuleWarning{kind, rule.id, rule.line,
                                           "rule \"" + rule.id + "\" " + std::move(message)});
        };
        if (rule.expires && *rule.expires <= now) {
            warn(RuleWarningKind::Expired,
                 "expired at " + format_rfc3339(*rule.expires) + ": it matches no device any more");
        }
        if (needs_verification(rule) && !policy.fido.verify) {
            warn(RuleWarningKind::NeedsVerificationWhileVerifyIsOff,
                 "needs a verified key (verified = true or aaguid) but fido.verify = false: no "
                 "device counts as verified, so it never matches");
        }
        if (needs_verification(rule) && !rule.classes.empty() &&
            std::find(rule.classes.begin(), rule.classes.end(), DeviceClass::FidoBle) ==
                rule.classes.end()) {
            warn(RuleWarningKind::NeedsVerificationOfAClassNeverVerified,
                 "needs a verified key (verified = true or aaguid) but only fido-ble devices "
                 "count as verified, and its class is " +
                     classes_text(rule) + ", so it never matches");
        }
        if (adapter_never_managed(policy, rule)) {
            warn(RuleWarningKind::AdapterNeverManaged,
                 "matches only adapters outside policy.adapters: their devices are decided as "
                 "unmanaged-adapter before any rule, so it never matches");
        }
        for (std::size_t j = 0; j < i; ++j) {
            const Rule& earlier = policy.rules[j];
            if (covers(earlier, rule)) {
                warn(RuleWarningKind::Shadowed,
                     "is never reached: rule \"" + earlier.id + "\" (line " +
                         std::to_string(earlier.line) +
                         ") comes first and matches every device this rule matches, whenever "
                         "this rule is in force");
                break;
            }
        }
    }
    return warnings;
}

}  // namespace btfence::policy
