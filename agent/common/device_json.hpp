#pragma once
// DEVICE.json: one device's BlueZ org.bluez.Device1 properties (as busctl or bluetoothctl show
// them) plus "Adapter", turned into the facts a decision reads. The input of
// `btfencectl explain`; test harnesses use the same format to describe devices.
#include <string>
#include <variant>

#include "btfence/policy/device_facts.hpp"

namespace btfence {

/// The facts, or one error message naming the offending property. Every property is optional;
/// "Adapter" defaults to "hci0". Properties BlueZ has but decisions do not read (RSSI, Class,
/// ManufacturerData, …) are accepted and ignored, any other name is an error (a typo such as
/// "Uuids" must not silently describe a device without services).
std::variant<policy::DeviceFacts, std::string> parse_device_json(const std::string& text);

}  // namespace btfence
