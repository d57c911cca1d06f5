#include "audit/chain.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <stdexcept>

namespace btfence::audit {
namespace {

constexpr std::string_view kHmacKey = "\"hmac\":\"";

bool is_lower_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

}  // namespace

std::string hmac_sha256_hex(std::span<const unsigned char> key, std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest,
             &length) == nullptr) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
    static constexpr std::string_view kDigits = "0123456789abcdef";
    std::string hex;
    hex.reserve(std::size_t{length} * 2);
    for (unsigned int i = 0; i < length; ++i) {
        hex.push_back(kDigits[digest[i] >> 4U]);
        hex.push_back(kDigits[digest[i] & 0x0fU]);
    }
    return hex;
}

std::optional<std::size_t> hmac_offset(std::string_view line) {
    const std::size_t key = line.rfind(kHmacKey);
    if (key == std::string_view::npos) {
        return std::nullopt;
    }
    const std::size_t offset = key + kHmacKey.size();
    if (line.size() < offset + kHmacHexLength + 1) {
        return std::nullopt;
    }
    const std::string_view digits = line.substr(offset, kHmacHexLength);
    if (!std::all_of(digits.begin(), digits.end(), is_lower_hex)) {
        return std::nullopt;
    }
    const std::string_view tail = line.substr(offset + kHmacHexLength);
    if (tail.front() != '"' || tail.size() < 2 ||
        !std::all_of(tail.begin() + 1, tail.end(), [](char c) { return c == '}'; })) {
        return std::nullopt;
    }
    return offset;
}

std::string line_hmac(std::span<const unsigned char> key, std::string_view line,
                      std::size_t offset) {
    std::string zeroed(line);
    zeroed.replace(offset, kHmacHexLength, kChainGenesis);
    return hmac_sha256_hex(key, zeroed);
}

std::string Chain::seal(const Event& event, ChainedSerializer serialize) {
    const ChainLink link{head_.hmac, kChainGenesis};
    std::string line = serialize(event, &link);
    const std::optional<std::size_t> offset = hmac_offset(line);
    if (!offset) {
        throw std::logic_error("serializer did not end the line with the chain's hmac");
    }
    std::string hmac = line_hmac(key_, line, *offset);
    line.replace(*offset, kHmacHexLength, hmac);
    head_ = ChainHead{event.sequence, std::move(hmac)};
    return line;
}

}  // namespace btfence::audit
