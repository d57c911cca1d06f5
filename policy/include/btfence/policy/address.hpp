#pragma once
// Bluetooth device addresses and OUIs, kept uppercase with colons ("AA:BB:CC:DD:EE:FF").
#include <optional>
#include <string>
#include <string_view>

namespace btfence::policy {

/// "aa:bb:cc:dd:ee:ff" or "AA-BB-..." -> "AA:BB:CC:DD:EE:FF"; nullopt if malformed.
std::optional<std::string> normalize_address(std::string_view text);
/// "00:1b:dc" -> "00:1B:DC"; nullopt if malformed.
std::optional<std::string> normalize_oui(std::string_view text);
/// "90A3CCDF-635C-..." -> lowercase dashed 36-char AAGUID; nullopt if malformed.
std::optional<std::string> normalize_aaguid(std::string_view text);

}  // namespace btfence::policy
