#pragma once
// The FIDO GATT service of one BlueZ device, over D-Bus (sdbus-c++, driven from this thread:
// the probe is a short-lived blocking process, so there is no event-loop thread).
//
// Setting up (open): wait for Device1.ServicesResolved, find the GattService1 with UUID
// 0xFFFD under the device's object through ObjectManager, its four characteristics by UUID,
// read fidoControlPointLength, select FIDO2 in fidoServiceRevisionBitfield, StartNotify on
// fidoStatus. Then write_control_point/next_notification carry the CTAP frames.

#include <sdbus-c++/sdbus-c++.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ctap_ble_transport.hpp"
#include "deadline.hpp"
#include "fido_gatt_link.hpp"
#include "probe_error.hpp"

namespace btfence::fido {

// CTAP 2.2 §11.4.1.
inline constexpr const char* kFidoServiceUuid = "0000fffd-0000-1000-8000-00805f9b34fb";
inline constexpr const char* kFidoControlPointUuid = "f1d0fff1-deaa-ecee-b42f-c9ba7ed623bb";
inline constexpr const char* kFidoStatusUuid = "f1d0fff2-deaa-ecee-b42f-c9ba7ed623bb";
inline constexpr const char* kFidoControlPointLengthUuid = "f1d0fff3-deaa-ecee-b42f-c9ba7ed623bb";
inline constexpr const char* kFidoServiceRevisionBitfieldUuid =
    "f1d0fff4-deaa-ecee-b42f-c9ba7ed623bb";

/// fidoServiceRevisionBitfield bits.
inline constexpr std::uint8_t kRevisionU2f11 = 0x80;
inline constexpr std::uint8_t kRevisionU2f12 = 0x40;
inline constexpr std::uint8_t kRevisionFido2 = 0x20;

/// Object paths of the FIDO service's characteristics; revision_bitfield may be empty.
struct FidoCharacteristics {
    std::string service;
    std::string control_point;
    std::vector<std::string> control_point_flags;
    std::string status;
    std::string control_point_length;
    std::string revision_bitfield;
};

using ManagedObjects =
    std::map<sdbus::ObjectPath, std::map<std::string, std::map<std::string, sdbus::Variant>>>;

/// Finds the FIDO service of device_path in BlueZ's object tree. Throws ProbeError naming
/// what is missing.
FidoCharacteristics find_fido_characteristics(const ManagedObjects& objects,
                                              const std::string& device_path);

/// What a fidoServiceRevisionBitfield value offers, in words ("U2F 1.2, FIDO2").
std::string describe_revisions(std::uint8_t bits);

/// The ProbeError for a GATT call on bluetoothd that failed with `error`: interrupted when
/// the link or the object went away (bluez::BluezError::link_lost), a failure otherwise.
ProbeError gatt_call_failed(const char* what, const sdbus::Error& error);

class BluezFidoGattClient final : public FidoGattLink {
  public:
    /// Connects to the system bus (DBUS_SYSTEM_BUS_ADDRESS honoured) and sets the service up.
    /// Throws ProbeError.
    static std::unique_ptr<BluezFidoGattClient> open(const std::string& device_path,
                                                     Deadline deadline, Log log = {});

    ~BluezFidoGattClient() override;
    BluezFidoGattClient(const BluezFidoGattClient&) = delete;
    BluezFidoGattClient& operator=(const BluezFidoGattClient&) = delete;

    std::size_t control_point_length() const override { return control_point_length_; }
    void write_control_point(std::span<const std::uint8_t> fragment, Deadline deadline) override;
    std::optional<std::vector<std::uint8_t>> next_notification(Deadline deadline) override;

  private:
    BluezFidoGattClient(std::string device_path, Log log);

    void set_up(Deadline deadline);
    void wait_for_services(Deadline deadline);
    std::uint16_t read_control_point_length(Deadline deadline);
    void select_fido2(Deadline deadline);
    void subscribe_status(Deadline deadline);

    std::vector<std::uint8_t> read_value(sdbus::IProxy& characteristic, const char* what,
                                         Deadline deadline);
    void write_value(sdbus::IProxy& characteristic, const std::vector<std::uint8_t>& value,
                     const std::string& type, const char* what, Deadline deadline);

    /// Dispatches bus messages until done() or the deadline. False on the deadline.
    bool pump_until(Deadline deadline, const std::function<bool()>& done);
    void check_connected() const;
    void note(const std::string& line) const;
    void resolve_bluez_owner(Deadline deadline);
    /// Whether the signal `proxy` is handling was sent by bluetoothd (the owner of org.bluez
    /// when the probe started). Anyone on the system bus can send a signal that looks like
    /// BlueZ's straight to the probe — a forged fidoStatus Value would be a forged getInfo.
    [[nodiscard]] bool from_bluez(const sdbus::IProxy& proxy) const;

    std::string device_path_;
    Log log_;
    std::unique_ptr<sdbus::IConnection> connection_;
    std::string bluez_owner_;  ///< unique name of bluetoothd
    std::unique_ptr<sdbus::IProxy> device_;
    std::unique_ptr<sdbus::IProxy> control_point_;
    std::unique_ptr<sdbus::IProxy> status_;
    FidoCharacteristics characteristics_;
    std::string write_type_ = "request";
    std::size_t control_point_length_ = 0;
    bool connected_ = true;
    bool services_resolved_ = false;
    std::deque<std::vector<std::uint8_t>> notifications_;
};

}  // namespace btfence::fido
