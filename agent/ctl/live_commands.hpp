#pragma once
// The btfencectl commands that ask the running btfenced over D-Bus: status, devices,
// explain ADDRESS, reload, exempt add|list|remove. Each takes the client (a fake in tests),
// prints to `out`, and returns the exit status; D-Bus failures arrive as ControlError, which
// run_live() turns into one line on stderr and the documented status.
#include <chrono>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

#include "control_client.hpp"

namespace btfence::ctl {

struct LiveOptions {
    bool json = false;
    std::chrono::sys_seconds now{};  ///< for "2h left", "5m ago"
};

struct ExemptAddOptions {
    std::string target;
    std::optional<std::string> duration;  ///< --for "2h"
    std::optional<std::string> until;     ///< --until RFC 3339
    std::string reason;
};

int run_status(ControlClient& client, const LiveOptions& options, std::ostream& out);
int run_devices(ControlClient& client, const LiveOptions& options, std::ostream& out);
int run_live_explain(ControlClient& client, const std::string& address, const LiveOptions& options,
                     std::ostream& out);
int run_reload(ControlClient& client, const LiveOptions& options, std::ostream& out,
               std::ostream& err);
int run_exempt_add(ControlClient& client, const ExemptAddOptions& add, const LiveOptions& options,
                   std::ostream& out, std::ostream& err);
int run_exempt_list(ControlClient& client, const LiveOptions& options, std::ostream& out);
int run_exempt_remove(ControlClient& client, const std::string& id, const LiveOptions& options,
                      std::ostream& out);

/// Connects (or uses `client` when given), runs `command`, and reports a ControlError as
/// "btfencectl: MESSAGE" on `err` with its exit status.
int run_live(const std::function<int(ControlClient&)>& command, std::ostream& err,
             ControlClient* client = nullptr);

}  // namespace btfence::ctl
