#pragma once
// Device classes (docs/policy.md, "Device classes"): a pure function of the device's
// advertised/served UUIDs and its service data.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "btfence/policy/device_facts.hpp"

namespace btfence::policy {

enum class DeviceClass { FidoBle, Hybrid, Other };

std::string_view to_string(DeviceClass cls);  ///< "fido-ble" | "hybrid" | "other"
std::optional<DeviceClass> device_class_from_string(std::string_view text);

struct Classification {
    DeviceClass device_class = DeviceClass::Other;
    std::string reason;  ///< e.g. "advertises 0xFFFD (FIDO) but also serves 0x1812 (HID)"
};

/// Hybrid service data must carry at least this many bytes (CTAP 2.2 §11.5).
inline constexpr std::size_t kHybridServiceDataMinBytes = 20;

Classification classify(const DeviceFacts& device);

}  // namespace btfence::policy
