#pragma once
// Turns BlueZ property dictionaries (a{sv}) into typed facts. BlueZ is trusted to send the
// documented types, but a wrong type must never crash the daemon: every mismatch is reported
// as a problem string and the device is then treated fail-closed by the enforcer.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bluez/property_value.hpp"
#include "btfence/policy/device_facts.hpp"

namespace btfence::bluez {

/// The D-Bus type BlueZ documents for property `name` ("as", "b", ...) if btfenced reads it
/// — Device1's that enter a decision (below), Device1.Adapter, Adapter1.Address,
/// AdminPolicyStatus1.ServiceAllowList — else nullptr. The reader (bluez/property_reader.hpp)
/// skips every other property without decoding it.
const char* documented_type(std::string_view name);

/// Which kinds of facts a property update touched.
struct FactChanges {
    bool identity = false;    ///< UUIDs, ServiceData, Name, Alias, Address, AddressType, Adapter
    bool engagement = false;  ///< Paired, Bonded, Connected, Trusted, Blocked, ServicesResolved
    [[nodiscard]] bool any() const { return identity || engagement; }
};

/// Applies Device1 properties to `facts`; returns what changed. Wrong types are appended to
/// `problems` (e.g. "UUIDs: expected as, got s") and leave the old value in place, except
/// for UUIDs/ServiceData whose unreadable value clears the field (what we knew may be stale).
FactChanges apply_device_properties(const PropertyMap& properties, policy::DeviceFacts& facts,
                                    std::vector<std::string>& problems);

/// Drops the problems about `property` (a later well-typed value replaced it).
void clear_problems_for(const std::string& property, std::vector<std::string>& problems);

/// The string value of `name`, if present with type s or o.
std::optional<std::string> string_property(const PropertyMap& properties, const std::string& name);
/// The as value of `name`, if present with type as.
std::optional<std::vector<std::string>> string_list_property(const PropertyMap& properties,
                                                             const std::string& name);

}  // namespace btfence::bluez
