#include "audit/event.hpp"

namespace btfence::audit {

std::string_view to_string(Outcome outcome) {
    // ECS `event.outcome` allowed values.
    switch (outcome) {
        case Outcome::Success:
            return "success";
        case Outcome::Failure:
            return "failure";
        case Outcome::Unknown:
            return "unknown";
    }
    return "unknown";
}

}  // namespace btfence::audit
