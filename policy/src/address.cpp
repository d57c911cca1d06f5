#include "btfence/policy/address.hpp"

#include <cctype>

namespace btfence::policy {
namespace {

// Accepts `groups` hex byte pairs separated by ':' or '-' (one separator kind throughout).
std::optional<std::string> normalize_hex_groups(std::string_view text, std::size_t groups) {
    if (text.size() != groups * 3 - 1) {
        return std::nullopt;
    }
    const char separator = groups > 1 ? text[2] : ':';
    if (separator != ':' && separator != '-') {
        return std::nullopt;
    }
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (i % 3 == 2) {
            if (c != separator) {
                return std::nullopt;
            }
            out.push_back(':');
            continue;
        }
        if (std::isxdigit(static_cast<unsigned char>(c)) == 0) {
            return std::nullopt;
        }
        out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    return out;
}

}  // namespace

std::optional<std::string> normalize_address(std::string_view text) {
    return normalize_hex_groups(text, 6);
}

std::optional<std::string> normalize_oui(std::string_view text) {
    return normalize_hex_groups(text, 3);
}

std::optional<std::string> normalize_aaguid(std::string_view text) {
    if (text.size() == 32) {  // also accept the undashed hex form libfido2 prints
        std::string dashed(text.substr(0, 8));
        dashed += '-';
        dashed += text.substr(8, 4);
        dashed += '-';
        dashed += text.substr(12, 4);
        dashed += '-';
        dashed += text.substr(16, 4);
        dashed += '-';
        dashed += text.substr(20);
        return normalize_aaguid(dashed);
    }
    if (text.size() != 36) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash_position ? c != '-' : std::isxdigit(static_cast<unsigned char>(c)) == 0) {
            return std::nullopt;
        }
        out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    return out;
}

}  // namespace btfence::policy
