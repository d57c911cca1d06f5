#pragma once
// BlueZ property values as btfenced holds them once read off the bus: only the D-Bus types
// BlueZ documents for the properties a decision reads (bluez 5.66 doc/device-api.txt,
// adapter-api.txt, admin-policy-api.txt), and, for any other type, the type's signature
// alone, so that a wrong type is reported ("UUIDs: expected as, got s") and fails closed
// instead of being guessed at. No sdbus::Variant: each of those is a D-Bus message of its
// own, which made a ServiceData change cost ten times a plain signal (docs/performance.md).
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace btfence::bluez {

/// A value of type o (Device1.Adapter).
struct ObjectPathValue {
    std::string path;
    friend bool operator==(const ObjectPathValue&, const ObjectPathValue&) = default;
};

/// A value of a type btfenced does not read for any property: only its signature is kept.
struct UnexpectedType {
    std::string signature;
    friend bool operator==(const UnexpectedType&, const UnexpectedType&) = default;
};

/// One entry of an a{sv} value (ServiceData): its bytes (ay), or the type it had instead.
using ServiceDataEntry = std::variant<std::vector<std::uint8_t>, UnexpectedType>;
/// An a{sv} value (ServiceData): UUID text (as sent) -> entry.
using ServiceDataValue = std::map<std::string, ServiceDataEntry>;

/// b, s, o, as, a{sv} — or whatever else came, by signature.
using PropertyValue = std::variant<bool, std::string, ObjectPathValue, std::vector<std::string>,
                                   ServiceDataValue, UnexpectedType>;

/// An a{sv} properties dictionary: property name -> value.
using PropertyMap = std::map<std::string, PropertyValue>;
/// InterfacesAdded / one object of GetManagedObjects: interface name -> properties.
using InterfaceMap = std::map<std::string, PropertyMap>;
/// GetManagedObjects: object path -> interfaces.
using ManagedObjects = std::map<std::string, InterfaceMap>;

/// The D-Bus signature of the value as it was sent ("b", "as", "a{sv}", ... or the
/// unexpected type's).
std::string signature_of(const PropertyValue& value);
/// Same for one entry of an a{sv} value.
std::string signature_of(const ServiceDataEntry& entry);

}  // namespace btfence::bluez
