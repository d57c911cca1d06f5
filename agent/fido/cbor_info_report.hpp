#pragma once
// Reads the fields the verdict needs out of libfido2's decoded authenticatorGetInfo.

#include <fido.h>

#include <cstdint>
#include <span>
#include <string>

#include "get_info_verdict.hpp"

namespace btfence::fido {

/// versions, options.rk and the AAGUID of a decoded getInfo answer. Strings from the device
/// are bounded (at most 16 versions of at most 32 characters): they end up in audit events.
GetInfoReport report_from(const fido_cbor_info_t& info);

/// 16 bytes as "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (lowercase); "" for any other length.
std::string format_aaguid(std::span<const std::uint8_t> bytes);

}  // namespace btfence::fido
