#pragma once
// DEVICE.json for `btfencectl explain`: BlueZ Device1 property names (as `busctl` or
// `bluetoothctl info` show them) plus "Adapter", turned into the facts a decision reads.
#include <string>
#include <variant>

#include "btfence/policy/device_facts.hpp"

namespace btfence::ctl {

/// The facts, or an error message naming the offending field.
std::variant<policy::DeviceFacts, std::string> parse_device_json(const std::string& text);

}  // namespace btfence::ctl
