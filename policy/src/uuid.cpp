#include "btfence/policy/uuid.hpp"

#include <array>
#include <cctype>
#include <cstdio>

namespace btfence::policy {
namespace {

// The Bluetooth base UUID: 16- and 32-bit UUIDs are shorthand for
// xxxxxxxx-0000-1000-8000-00805f9b34fb.
constexpr std::string_view kBaseSuffix = "-0000-1000-8000-00805f9b34fb";

bool is_hex(std::string_view text) {
    for (char c : text) {
        if (std::isxdigit(static_cast<unsigned char>(c)) == 0) {
            return false;
        }
    }
    return !text.empty();
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

struct KnownService {
    std::uint16_t id;
    std::string_view name;
};

// Services an admin meets in reasons; not a full SIG registry.
constexpr std::array kKnownServices = {
    KnownService{0x1800, "GAP"},
    KnownService{0x1801, "GATT"},
    KnownService{0x180A, "Device Information"},
    KnownService{0x180F, "Battery"},
    KnownService{0x1812, "HID over GATT"},
    KnownService{0x1124, "HID"},
    KnownService{0x1108, "Headset"},
    KnownService{0x110A, "Audio Source"},
    KnownService{0x110B, "Audio Sink"},
    KnownService{0x110C, "A/V Remote Control Target"},
    KnownService{0x110E, "A/V Remote Control"},
    KnownService{0x111E, "Handsfree"},
    KnownService{0x1101, "Serial Port"},
    KnownService{0x1105, "OBEX Object Push"},
    KnownService{0x1106, "OBEX File Transfer"},
    KnownService{0x1115, "PAN User"},
    KnownService{0x1116, "PAN Network Access Point"},
    KnownService{0x184E, "Audio Stream Control"},
    KnownService{0xFFFD, "FIDO"},
    KnownService{0xFFF9, "FIDO hybrid"},
    KnownService{0xFDE2, "FIDO hybrid (legacy)"},
};

}  // namespace

std::optional<std::string> normalize_uuid(std::string_view text) {
    if (text.starts_with("0x") || text.starts_with("0X")) {
        text.remove_prefix(2);
    }
    if ((text.size() == 4 || text.size() == 8) && is_hex(text)) {
        std::string out = lower(text);
        out.insert(0, 8 - out.size(), '0');
        out += kBaseSuffix;
        return out;
    }
    if (text.size() != 36) {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
        const char c = text[i];
        if (dash_position ? c != '-' : std::isxdigit(static_cast<unsigned char>(c)) == 0) {
            return std::nullopt;
        }
    }
    return lower(text);
}

std::string uuid_from_short(std::uint16_t short_uuid) {
    std::array<char, 9> head{};
    (void)std::snprintf(head.data(), head.size(), "%08x", static_cast<unsigned>(short_uuid));
    return std::string(head.data()) + std::string(kBaseSuffix);
}

std::optional<std::uint16_t> short_from_uuid(std::string_view canonical) {
    if (canonical.size() != 36 || canonical.substr(8) != kBaseSuffix ||
        canonical.substr(0, 4) != "0000" || !is_hex(canonical.substr(4, 4))) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(std::stoul(std::string(canonical.substr(4, 4)), nullptr, 16));
}

std::string describe_uuid(std::string_view canonical) {
    const auto short_id = short_from_uuid(canonical);
    if (!short_id) {
        return std::string(canonical);
    }
    std::array<char, 7> hex{};
    (void)std::snprintf(hex.data(), hex.size(), "0x%04X", static_cast<unsigned>(*short_id));
    for (const auto& known : kKnownServices) {
        if (known.id == *short_id) {
            return std::string(hex.data()) + " (" + std::string(known.name) + ")";
        }
    }
    return hex.data();
}

}  // namespace btfence::policy
