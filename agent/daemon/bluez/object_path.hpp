#pragma once
// BlueZ object paths as types: an adapter ("/org/bluez/hci0") and a device
// ("/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF") are both D-Bus object paths, and
// Adapter1.RemoveDevice takes one of each. Distinct types keep them from being swapped at the
// boundary where btfenced calls bluetoothd (bluez_calls.hpp). Inside the mirror paths stay
// strings: they are map keys there and never passed to bluetoothd.
#include <compare>
#include <string>
#include <string_view>
#include <utility>

namespace btfence::bluez {

template <typename Tag>
class TypedPath {
  public:
    TypedPath() = default;
    explicit TypedPath(std::string path) : path_(std::move(path)) {}

    [[nodiscard]] const std::string& str() const { return path_; }
    [[nodiscard]] bool empty() const { return path_.empty(); }

    friend bool operator==(const TypedPath&, const TypedPath&) = default;
    friend auto operator<=>(const TypedPath&, const TypedPath&) = default;

  private:
    std::string path_;
};

using AdapterPath = TypedPath<struct AdapterPathTag>;
using DevicePath = TypedPath<struct DevicePathTag>;
/// Any other object btfenced calls: "/" (ObjectManager), "/org/bluez" (AgentManager1).
using ObjectPath = TypedPath<struct ObjectPathTag>;

/// The adapter a device belongs to: BlueZ puts device objects directly under their adapter
/// (bluez 5.66 doc/device-api.txt, "Object path [variable prefix]/{hci0,hci1,...}/dev_XX_...").
inline AdapterPath adapter_of(const DevicePath& device) {
    const auto slash = device.str().rfind('/');
    return AdapterPath(slash == std::string::npos ? std::string() : device.str().substr(0, slash));
}

/// Whether a path names a device object ("[prefix]/hci0/dev_AA_BB_CC_DD_EE_FF", bluez 5.66
/// doc/device-api.txt), not an adapter or one of a device's GATT objects below it.
inline bool is_device_path(std::string_view path) {
    const auto slash = path.rfind('/');
    return slash != std::string_view::npos && slash > 0 &&
           path.substr(slash + 1).starts_with("dev_");
}

}  // namespace btfence::bluez
