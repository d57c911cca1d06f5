#pragma once
// Hex strings <-> bytes, so that recorded frames read as they were captured.

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace btfence::fido::test {

inline std::vector<std::uint8_t> bytes(const std::string& hex) {
    if (hex.size() % 2 != 0) {
        throw std::invalid_argument("odd number of hex digits");
    }
    std::vector<std::uint8_t> out;
    out.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        out.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    }
    return out;
}

inline std::string hex(std::span<const std::uint8_t> data) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(data.size() * 2);
    for (const std::uint8_t byte : data) {
        out += kDigits[byte >> 4U];
        out += kDigits[byte & 0x0FU];
    }
    return out;
}

}  // namespace btfence::fido::test
