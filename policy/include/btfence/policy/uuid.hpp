#pragma once
// Bluetooth UUID handling: every UUID inside btfence is kept in BlueZ's canonical form,
// 128-bit, lowercase, dashed ("0000fffd-0000-1000-8000-00805f9b34fb"), so that comparisons
// are plain string equality no matter how a policy file or a D-Bus peer wrote it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace btfence::policy {

/// Parses a 16-bit ("fffd", "0xFFFD"), 32-bit ("0000fffd") or 128-bit UUID in any case and
/// returns the canonical 128-bit form; nullopt when the text is not a UUID.
std::optional<std::string> normalize_uuid(std::string_view text);

/// The canonical form of a SIG-assigned 16-bit UUID.
std::string uuid_from_short(std::uint16_t short_uuid);

/// The 16-bit value if `canonical` lies on the Bluetooth base UUID and fits in 16 bits.
std::optional<std::uint16_t> short_from_uuid(std::string_view canonical);

/// "0xFFFD (FIDO)" for well-known services, "0x1234" for other base UUIDs, else the UUID:
/// used in reasons an admin reads.
std::string describe_uuid(std::string_view canonical);

namespace uuids {
inline constexpr std::uint16_t kFido = 0xFFFD;
inline constexpr std::uint16_t kHybrid = 0xFFF9;
inline constexpr std::uint16_t kHybridLegacy = 0xFDE2;
inline constexpr std::uint16_t kGap = 0x1800;
inline constexpr std::uint16_t kGatt = 0x1801;
inline constexpr std::uint16_t kDeviceInformation = 0x180A;
inline constexpr std::uint16_t kBattery = 0x180F;
}  // namespace uuids

}  // namespace btfence::policy
