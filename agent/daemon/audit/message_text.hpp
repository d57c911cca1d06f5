#pragma once
// The human sentence of an event, shared by every output so the file and the journal agree.
#include <string_view>

#include "audit/event.hpp"

namespace btfence::audit {

/// `event.message`, or the action's name when the caller left it empty: journald needs a
/// MESSAGE, and a line without one is unreadable in `journalctl`.
inline std::string_view message_text(const Event& event) {
    return event.message.empty() ? info(event.action).name : std::string_view{event.message};
}

}  // namespace btfence::audit
