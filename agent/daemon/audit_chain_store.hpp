#pragma once
// Where the audit chain (audit/chain.hpp) keeps what must survive a restart, in the state
// directory: the per-host key (`audit-chain.key`, created at the first start, 0600 — only
// btfenced's user and root can read it) and each chained file's head (`audit-chain.ecs`,
// `audit-chain.ocsf`), so sequence numbers and the chain continue after a restart. All written
// through state/state_file.hpp.
#include <filesystem>
#include <optional>
#include <string>

#include "audit/chain.hpp"

namespace btfence {

class AuditChainStore {
  public:
    explicit AuditChainStore(std::filesystem::path state_dir) : dir_(std::move(state_dir)) {}

    /// The key, created (32 random bytes) when there is none yet. nullopt with `error` set when
    /// it exists but cannot be read or is malformed, or cannot be created: the caller audits
    /// that and writes unchained lines — never a new key over an unreadable one, which would
    /// make every earlier line unverifiable.
    std::optional<audit::ChainKey> load_or_create_key(std::string& error) const;

    /// Where the chain of `output`'s file ends: the head saved by the last run, or the last
    /// line of `file` when that is further on (lines written after the last save, before a
    /// crash). A chain from scratch when neither exists. `error` is set (and the head from the
    /// file used, if any) when the saved head is unreadable.
    audit::ChainHead load_head(std::string_view output, const std::filesystem::path& file,
                               std::string& error) const;

    /// Saves `output`'s head; false with `error` set on failure.
    bool save_head(std::string_view output, const audit::ChainHead& head, std::string& error) const;

  private:
    std::filesystem::path dir_;
};

}  // namespace btfence
