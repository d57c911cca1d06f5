#pragma once
// Checks the tamper-evident chain (chain.hpp) of audit files: `btfencectl audit verify`.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "audit/chain.hpp"

namespace btfence::audit {

struct ChainVerdict {
    /// "FILE:LINE: what is wrong" for the first missing, altered, reordered or truncated
    /// line; empty when the chain holds.
    std::string problem;
    /// Facts that are not tampering: where the chain starts (older files rotated away) and
    /// sequence numbers btfenced itself could not write (the file was unwritable; the chain
    /// links across the gap because btfenced made it so; the journal has an audit-log-error).
    std::vector<std::string> notes;
    std::uint64_t lines = 0;
    std::uint64_t first_sequence = 0;
    std::uint64_t last_sequence = 0;
    [[nodiscard]] bool ok() const { return problem.empty(); }
};

/// Verifies `files` as one chain: ordered by the sequence number of their first line (so
/// audit.jsonl.3 audit.jsonl.2 audit.jsonl.1 audit.jsonl may be given in any order), every
/// line's hmac, every line's link to the one before, sequence numbers increasing by one.
/// `head`: where btfenced says the chain ends (its state directory); when given, a file that
/// ends earlier (lines cut off its end) or differently is reported.
ChainVerdict verify_chain(const ChainKey& key, const std::vector<std::filesystem::path>& files,
                          const std::optional<ChainHead>& head);

}  // namespace btfence::audit
