#pragma once
// The two fields of the tamper-evident chain (chain.hpp) that the file formats carry as the
// last member of their product object: `btfence.chain` in ECS, `unmapped.btfence.chain` in
// OCSF. Serializers only place them; chain.cpp computes them.
#include <string_view>

namespace btfence::audit {

struct ChainLink {
    std::string_view prev;  ///< the previous line's hmac (64 hex digits; zeros before the first)
    std::string_view hmac;  ///< this line's: HMAC-SHA256 over the line with hmac set to zeros
};

}  // namespace btfence::audit
