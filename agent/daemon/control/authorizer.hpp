#pragma once
// The one authorization seam of btfenced's D-Bus API: every method of org.btfence1.Manager1
// asks it once, with the caller's unique bus name, before doing anything. Who the caller is
// comes from the bus (its credentials from the bus driver), never from the call's arguments.
#include <functional>
#include <string>
#include <string_view>

#include "audit/event.hpp"

namespace btfence::control {

/// What a method needs permission for; each is one polkit action (packaging/polkit).
enum class ControlAction {
    Read,    ///< Status, Devices, Explain, Exemptions
    Reload,  ///< Reload
    Exempt,  ///< AddExemption, RemoveExemption
};

/// "org.btfence1.read", "org.btfence1.reload", "org.btfence1.exempt".
std::string_view polkit_action_id(ControlAction action);
/// Changes what btfenced does: refusals are audited and the caller's unit is looked up.
[[nodiscard]] bool is_mutating(ControlAction action);

struct Authorization {
    bool allowed = false;
    audit::CallerInfo caller;  ///< as far as it could be learnt
    std::string refusal;       ///< why not, for the error message (names the action)
};

class Authorizer {
  public:
    using Done = std::function<void(const Authorization&)>;
    virtual ~Authorizer() = default;
    /// Calls `done` exactly once, on the event loop, possibly before returning.
    virtual void authorize(const std::string& sender, ControlAction action, Done done) = 0;
};

}  // namespace btfence::control
