#pragma once
// What btfence knows about one remote device: the inputs of every decision. Filled by the
// daemon from BlueZ's Device1 properties, or by `btfencectl explain` from a JSON file.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace btfence::policy {

/// Where a device's CTAP authenticatorGetInfo probe (layer 3) stands. Each state means
/// something different to a decision and to the people reading the audit trail, so they are
/// never folded into one another (docs/policy.md, "Verification states").
enum class VerificationState {
    /// No verdict yet: the probe is due, running, or was cut short (the key disconnected) and
    /// will be retried at the key's next connection. The decision may still change.
    Pending,
    /// Spoke CTAP2 and is passkey-capable (FIDO_2_0 or later and options.rk).
    Passed,
    /// Answered, and the answer proves it is not a passkey-capable FIDO2 authenticator (no
    /// CTAP2 version, no rk, garbage): a suspected spoof.
    Failed,
    /// Could not be verified: every allowed attempt was interrupted. Fails closed, but is not
    /// evidence of a spoof.
    Inconclusive,
};

/// "pending" | "passed" | "failed" | "inconclusive"
std::string_view to_string(VerificationState state);
std::optional<VerificationState> verification_state_from_string(std::string_view text);

/// Outcome of the CTAP authenticatorGetInfo probe (layer 3), once one was due.
struct Verification {
    VerificationState state = VerificationState::Pending;
    std::string aaguid;  ///< normalised AAGUID reported by the authenticator, may be empty
    std::string detail;  ///< why it failed or is pending, or a summary of what it reported

    [[nodiscard]] bool passed() const { return state == VerificationState::Passed; }
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
    /// nullopt: no probe result of any kind yet. With `fido.verify` on, a fido-ble device in
    /// that state is treated as pending (decision.hpp).
    std::optional<Verification> verification;

    /// Name if set, else alias: what rules' `name` globs match and what events show.
    [[nodiscard]] const std::string& display_name() const { return name.empty() ? alias : name; }
};

}  // namespace btfence::policy
