#pragma once
// The tamper-evident chain of an audit file. Every line carries its sequence number
// (`event.sequence`, continuing across restarts) and `btfence.chain {prev, hmac}` as its last
// member (`unmapped.btfence.chain` in OCSF):
//   prev = the hmac of the line before it (64 zeros before the very first line)
//   hmac = HMAC-SHA256(key, the line's bytes with its own hmac set to 64 zeros), lowercase hex
// keyed by a per-host secret (chain_store.hpp). Because `prev` is inside what `hmac` covers,
// each line is bound to its predecessor: a line removed, altered, inserted or moved breaks the
// hmac of a line or the prev link of the next one, and nobody without the key can repair it.
// Rotation does not matter: the first line of a new file links to the last line of the old.
// `btfencectl audit verify` (chain_verify.hpp) checks it.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/chain_link.hpp"
#include "audit/event.hpp"

namespace btfence::audit {

inline constexpr std::size_t kChainKeyBytes = 32;
inline constexpr std::size_t kHmacHexLength = 64;
inline constexpr std::string_view kChainGenesis =
    "0000000000000000000000000000000000000000000000000000000000000000";

using ChainKey = std::vector<unsigned char>;

/// Where a chain ends: the last line's sequence number and hmac.
struct ChainHead {
    std::uint64_t sequence = 0;
    std::string hmac = std::string(kChainGenesis);
    bool operator==(const ChainHead&) const = default;
};

/// A serializer that can carry the chain: to_ecs_line or to_ocsf_line.
using ChainedSerializer = std::string (*)(const Event&, const ChainLink*);

/// HMAC-SHA256 of `data`, lowercase hex.
std::string hmac_sha256_hex(std::span<const unsigned char> key, std::string_view data);

/// Where the line's own hmac (64 hex digits) starts: after the last `"hmac":"`, which must be
/// followed by exactly 64 lowercase hex digits, a quote, and only closing braces. nullopt when
/// the line has no such chain field.
std::optional<std::size_t> hmac_offset(std::string_view line);

/// The hmac a chained line must carry: HMAC over the line with the 64 digits at `offset` set
/// to zeros.
std::string line_hmac(std::span<const unsigned char> key, std::string_view line,
                      std::size_t offset);

/// Extends a chain one line at a time (the file sinks use one each).
class Chain {
  public:
    Chain(ChainKey key, ChainHead head) : key_(std::move(key)), head_(std::move(head)) {}

    /// The event as one chained line (no newline), linked to the head; the head moves to it.
    std::string seal(const Event& event, ChainedSerializer serialize);

    [[nodiscard]] const ChainHead& head() const { return head_; }

  private:
    ChainKey key_;
    ChainHead head_;
};

}  // namespace btfence::audit
