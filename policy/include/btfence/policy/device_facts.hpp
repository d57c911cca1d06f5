#pragma once
// What btfence knows about one remote device: the inputs of every decision. Filled by the
// daemon from BlueZ's Device1 properties, or by `btfencectl explain` from a JSON file.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace btfence::policy {

/// Outcome of the CTAP authenticatorGetInfo probe (layer 3), when one ran.
struct Verification {
    bool passed = false;  ///< spoke CTAP2 and is passkey-capable (FIDO_2_0+ and rk)
    std::string aaguid;   ///< normalised AAGUID reported by the authenticator, may be empty
    std::string detail;   ///< why it failed, or a summary of what it reported
};

struct DeviceFacts {
    std::string adapter;             ///< adapter name, "hci0"
    std::string adapter_address;     ///< adapter's own address, used by `adapters` matching
    std::string address;             ///< "AA:BB:CC:DD:EE:FF"
    std::string address_type;        ///< "public" | "random" (BlueZ AddressType)
    std::string name;                ///< Device1.Name, may be empty
    std::string alias;               ///< Device1.Alias, may be empty
    std::vector<std::string> uuids;  ///< canonical 128-bit UUIDs (Device1.UUIDs)
    std::map<std::string, std::vector<std::uint8_t>> service_data;  ///< canonical UUID -> bytes
    bool paired = false;
    bool bonded = false;
    bool connected = false;
    bool trusted = false;
    bool blocked = false;
    /// Device1.ServicesResolved: GATT discovery is done. Not a decision input: it only tells
    /// when the CTAP probe can start without spending its time budget on discovery.
    bool services_resolved = false;
    std::optional<Verification> verification;

    /// Name if set, else alias: what rules' `name` globs match and what events show.
    [[nodiscard]] const std::string& display_name() const { return name.empty() ? alias : name; }
};

}  // namespace btfence::policy
