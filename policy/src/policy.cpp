#include "btfence/policy/policy.hpp"

#include <algorithm>

#include "btfence/policy/uuid.hpp"

namespace btfence::policy {

std::string_view to_string(Mode mode) {
    return mode == Mode::Enforce ? "enforce" : "audit";
}
std::string_view to_string(Verdict verdict) {
    return verdict == Verdict::Allow ? "allow" : "deny";
}
std::string_view to_string(ExistingBonds bonds) {
    return bonds == ExistingBonds::Enforce ? "enforce" : "keep";
}
std::string_view to_string(ServiceAllowlistMode mode) {
    return mode == ServiceAllowlistMode::Auto ? "auto" : "off";
}

bool Policy::manages_adapter(std::string_view name, std::string_view address) const {
    if (adapters.empty()) {
        return true;
    }
    return std::any_of(adapters.begin(), adapters.end(), [&](const std::string& entry) {
        return entry == name || (!address.empty() && entry == address);
    });
}

std::vector<std::string> Policy::service_allowlist() const {
    std::vector<std::string> list;
    for (const auto short_id :
         {uuids::kFido, uuids::kGap, uuids::kGatt, uuids::kDeviceInformation, uuids::kBattery}) {
        list.push_back(uuid_from_short(short_id));
    }
    list.insert(list.end(), bluez.extra_services.begin(), bluez.extra_services.end());
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
    return list;
}

std::vector<WindowChange> Policy::window_changes(TimePoint before, TimePoint after) const {
    std::vector<WindowChange> changes;
    for (const auto& rule : rules) {
        const bool was = rule.in_window(before);
        const bool is = rule.in_window(after);
        if (was != is) {
            changes.push_back(WindowChange{&rule, is});
        }
    }
    return changes;
}

std::optional<TimePoint> Policy::next_boundary_after(TimePoint now) const {
    std::optional<TimePoint> next;
    const auto consider = [&](const std::optional<TimePoint>& boundary) {
        if (boundary && *boundary > now && (!next || *boundary < *next)) {
            next = boundary;
        }
    };
    for (const auto& rule : rules) {
        consider(rule.not_before);
        consider(rule.expires);
    }
    return next;
}

}  // namespace btfence::policy
