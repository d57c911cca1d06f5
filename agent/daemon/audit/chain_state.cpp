#include "audit/chain_state.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

namespace btfence::audit {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) {
        text.remove_suffix(1);
    }
    return text;
}

}  // namespace

std::string chain_head_file(std::string_view output) {
    return "audit-chain." + std::string(output);
}

std::string encode_key(const ChainKey& key) {
    static constexpr std::string_view kDigits = "0123456789abcdef";
    std::string hex;
    for (const unsigned char byte : key) {
        hex.push_back(kDigits[byte >> 4U]);
        hex.push_back(kDigits[byte & 0x0fU]);
    }
    return hex + "\n";
}

std::optional<ChainKey> decode_key(std::string_view text) {
    text = trim(text);
    if (text.size() != kChainKeyBytes * 2) {
        return std::nullopt;
    }
    ChainKey key;
    for (std::size_t i = 0; i < text.size(); i += 2) {
        const int high = hex_value(text[i]);
        const int low = hex_value(text[i + 1]);
        if (high < 0 || low < 0) {
            return std::nullopt;
        }
        key.push_back(static_cast<unsigned char>((high << 4) | low));
    }
    return key;
}

std::string encode_head(const ChainHead& head) {
    return nlohmann::json{{"sequence", head.sequence}, {"hmac", head.hmac}}.dump() + "\n";
}

std::optional<ChainHead> decode_head(std::string_view text) {
    const auto json = nlohmann::json::parse(text, nullptr, false);
    if (!json.is_object() || !json.contains("sequence") || !json.contains("hmac") ||
        !json["sequence"].is_number_unsigned() || !json["hmac"].is_string()) {
        return std::nullopt;
    }
    ChainHead head{json["sequence"].get<std::uint64_t>(), json["hmac"].get<std::string>()};
    if (!hmac_offset("\"hmac\":\"" + head.hmac + "\"}")) {
        return std::nullopt;
    }
    return head;
}

std::optional<ChainHead> head_of_line(std::string_view line) {
    const std::optional<std::size_t> offset = hmac_offset(line);
    if (!offset) {
        return std::nullopt;
    }
    const auto json = nlohmann::json::parse(line, nullptr, false);
    if (!json.is_object()) {
        return std::nullopt;
    }
    const nlohmann::json* sequence = nullptr;
    if (json.contains("event") && json["event"].is_object() && json["event"].contains("sequence")) {
        sequence = &json["event"]["sequence"];  // ECS
    } else if (json.contains("metadata") && json["metadata"].is_object() &&
               json["metadata"].contains("sequence")) {
        sequence = &json["metadata"]["sequence"];  // OCSF
    }
    if (sequence == nullptr || !sequence->is_number_unsigned()) {
        return std::nullopt;
    }
    return ChainHead{sequence->get<std::uint64_t>(),
                     std::string(line.substr(*offset, kHmacHexLength))};
}

std::optional<ChainHead> head_of_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) {
        return std::nullopt;
    }
    // A line is a few hundred bytes to a few KiB; 64 KiB holds the last complete one.
    constexpr std::streamoff kTail = std::streamoff{64} * 1024;
    const std::streamoff size = in.tellg();
    const std::streamoff start = size > kTail ? size - kTail : 0;
    in.seekg(start);
    std::string tail(static_cast<std::size_t>(size - start), '\0');
    in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
    const std::size_t end = tail.rfind('\n');
    if (end == std::string::npos) {
        return std::nullopt;
    }
    const std::size_t begin = tail.rfind('\n', end == 0 ? 0 : end - 1);
    const std::size_t first = (begin == std::string::npos || end == 0) ? 0 : begin + 1;
    return head_of_line(std::string_view(tail).substr(first, end - first));
}

}  // namespace btfence::audit
