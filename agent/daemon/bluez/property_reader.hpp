#pragma once
// Reads BlueZ's property dictionaries (a{sv}) straight from an sd-bus message into
// btfenced's typed values (bluez/property_value.hpp): InterfacesAdded, PropertiesChanged,
// GetManagedObjects and Properties.GetAll, one reader for all. Only the properties btfenced
// reads (documented_type()) are decoded; every other one — RSSI, TxPower, ManufacturerData,
// the GATT objects' values — is skipped unread, so a signal that carries nothing else builds
// nothing. A value of a type other than b, s, o, as or a{sv} is kept as its signature
// (UnexpectedType) for the decoder to report; the reader itself fails only when the body is
// not the message's documented shape, with MalformedBody.
#include <systemd/sd-bus.h>

#include <stdexcept>
#include <string>
#include <string_view>

#include "bluez/property_value.hpp"

namespace btfence::bluez {

/// The body is not what the member's signature promises ("body is 'i', expected 'sa{sv}as'"),
/// or sd-bus could not read it.
class MalformedBody : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// PropertiesChanged (sa{sv}as): returns the interface (valid while `message` lives) and
/// fills `changed`. Invalidated properties are not read: BlueZ emits changed values.
std::string_view read_properties_changed(sd_bus_message* message, PropertyMap& changed);

/// InterfacesAdded (oa{sa{sv}}): returns the object path (valid while `message` lives).
std::string_view read_interfaces_added(sd_bus_message* message, InterfaceMap& interfaces);

/// The reply of ObjectManager.GetManagedObjects (a{oa{sa{sv}}}).
ManagedObjects read_managed_objects(sd_bus_message* message);

/// The reply of Properties.GetAll (a{sv}).
PropertyMap read_all_properties(sd_bus_message* message);

}  // namespace btfence::bluez
