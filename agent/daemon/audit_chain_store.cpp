#include "audit_chain_store.hpp"

#include <openssl/rand.h>

#include "audit/chain_state.hpp"
#include "state/state_file.hpp"

namespace btfence {

std::optional<audit::ChainKey> AuditChainStore::load_or_create_key(std::string& error) const {
    const state::StateFile file(dir_ / audit::kChainKeyFile, 0600);
    if (const auto text = file.read(error)) {
        if (auto key = audit::decode_key(*text)) {
            return key;
        }
        error = file.path().string() + " is not a key (64 hex digits)";
        return std::nullopt;
    }
    if (!error.empty()) {
        return std::nullopt;  // exists but unreadable
    }
    audit::ChainKey key(audit::kChainKeyBytes);
    if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
        error = "no random bytes for a new audit chain key";
        return std::nullopt;
    }
    if (!file.write(audit::encode_key(key), error)) {
        return std::nullopt;
    }
    return key;
}

audit::ChainHead AuditChainStore::load_head(std::string_view output,
                                            const std::filesystem::path& file,
                                            std::string& error) const {
    error.clear();
    audit::ChainHead head;
    const state::StateFile saved(dir_ / audit::chain_head_file(output), 0600);
    if (const auto text = saved.read(error)) {
        if (auto decoded = audit::decode_head(*text)) {
            head = *decoded;
        } else {
            error = saved.path().string() + " is not a chain head";
        }
    }
    if (const auto last_line = audit::head_of_file(file)) {
        if (last_line->sequence >= head.sequence) {
            head = *last_line;
        }
    }
    return head;
}

bool AuditChainStore::save_head(std::string_view output, const audit::ChainHead& head,
                                std::string& error) const {
    const state::StateFile saved(dir_ / audit::chain_head_file(output), 0600);
    return saved.write(audit::encode_head(head), error);
}

}  // namespace btfence
