#include "btfence/policy/device_facts.hpp"

namespace btfence::policy {

std::string_view to_string(VerificationState state) {
    switch (state) {
        case VerificationState::Pending:
            return "pending";
        case VerificationState::Passed:
            return "passed";
        case VerificationState::Failed:
            return "failed";
        case VerificationState::Inconclusive:
            return "inconclusive";
    }
    return "pending";
}

std::optional<VerificationState> verification_state_from_string(std::string_view text) {
    for (const auto state : {VerificationState::Pending, VerificationState::Passed,
                             VerificationState::Failed, VerificationState::Inconclusive}) {
        if (to_string(state) == text) {
            return state;
        }
    }
    return std::nullopt;
}

}  // namespace btfence::policy
