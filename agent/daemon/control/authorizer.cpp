#include "control/authorizer.hpp"

namespace btfence::control {

std::string_view polkit_action_id(ControlAction action) {
    switch (action) {
        case ControlAction::Read:
            return "org.btfence1.read";
        case ControlAction::Reload:
            return "org.btfence1.reload";
        case ControlAction::Exempt:
            return "org.btfence1.exempt";
    }
    return "org.btfence1.read";
}

bool is_mutating(ControlAction action) {
    return action != ControlAction::Read;
}

}  // namespace btfence::control
