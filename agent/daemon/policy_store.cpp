#include "policy_store.hpp"

#include "policy_file.hpp"

namespace btfence {

std::optional<std::vector<policy::PolicyError>> PolicyStore::load() {
    policy::ParseResult result = load_policy_file(path_, check_permissions_);
    if (!result.ok()) {
        return std::move(result.errors);
    }
    if (requirement_) {
        if (auto problem = requirement_(*result.policy)) {
            return std::vector<policy::PolicyError>{policy::PolicyError{path_, 0, 0, *problem}};
        }
    }
    policy_ = std::move(result.policy);
    return std::nullopt;
}

}  // namespace btfence
