#pragma once
// What CTAP over BLE needs from the FIDO GATT service once it is set up: write a fragment to
// fidoControlPoint, receive fidoStatus notifications in order. BlueZ implements it
// (gatt_client.hpp); the unit tests implement it with a scripted authenticator.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "deadline.hpp"

namespace btfence::fido {

class FidoGattLink {
  public:
    virtual ~FidoGattLink() = default;

    /// fidoControlPointLength as read from the device, already checked to be in [20, 512].
    virtual std::size_t control_point_length() const = 0;

    /// Writes one fragment to fidoControlPoint. Throws ProbeError when the write fails or the
    /// deadline passes first.
    virtual void write_control_point(std::span<const std::uint8_t> fragment, Deadline deadline) = 0;

    /// The next fidoStatus notification, in arrival order, or nullopt once the deadline has
    /// passed without one. Throws ProbeError when the link is lost (device disconnected).
    virtual std::optional<std::vector<std::uint8_t>> next_notification(Deadline deadline) = 0;
};

}  // namespace btfence::fido
