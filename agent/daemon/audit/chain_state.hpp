#pragma once
// How the chain's key and head are written down: the key in the state directory
// (`audit-chain.key`, 64 hex digits, mode 0600), each chained file's head beside it
// (`audit-chain.<output>`: {"sequence":N,"hmac":"…"}), and how a head is read back from the
// last line of an audit file. Shared by btfenced (audit_chain_store.hpp) and
// `btfencectl audit verify`.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "audit/chain.hpp"

namespace btfence::audit {

inline constexpr std::string_view kChainKeyFile = "audit-chain.key";
/// "audit-chain.ecs", "audit-chain.ocsf": the head of the file in that format.
std::string chain_head_file(std::string_view output);

std::string encode_key(const ChainKey& key);                  ///< hex, with a newline
std::optional<ChainKey> decode_key(std::string_view text);    ///< nullopt unless 64 hex digits
std::string encode_head(const ChainHead& head);               ///< one JSON object, newline
std::optional<ChainHead> decode_head(std::string_view text);  ///< nullopt when malformed

/// The sequence number and hmac a chained line carries (ECS `event.sequence` or OCSF
/// `metadata.sequence`; the chain's hmac), whether or not the hmac is right. nullopt when the
/// line is no chained audit line.
std::optional<ChainHead> head_of_line(std::string_view line);

/// The head of the last complete line of an audit file, nullopt when the file is missing,
/// empty or its last line is not chained.
std::optional<ChainHead> head_of_file(const std::filesystem::path& path);

}  // namespace btfence::audit
