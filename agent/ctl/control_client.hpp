#pragma once
// btfencectl's side of btfenced's control API (org.btfence1.Manager1): the proxy generated from
// the same XML contract as the daemon's adaptor, and one place that turns D-Bus failures into
// the messages and exit statuses documented in btfencectl(1).
#include <sdbus-c++/sdbus-c++.h>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace btfence::ctl {

using Dict = std::map<std::string, sdbus::Variant>;

/// btfencectl's exit statuses (btfencectl(1), docs/control-plane.md).
enum ExitStatus : int {
    kExitOk = 0,
    kExitFailed = 1,         ///< check: invalid policy; reload: the new policy was rejected
    kExitUsage = 2,          ///< usage error or bad input
    kExitNotRunning = 3,     ///< btfenced is not running, or the system bus is unreachable
    kExitNotAuthorized = 4,  ///< polkit (or the bus policy) refused the call
    kExitRefused = 5,        ///< btfenced refused the request (policy bounds, unknown id/device)
};

/// A failed call, already explained for a person.
class ControlError : public std::runtime_error {
  public:
    ControlError(int exit_status, const std::string& message)
        : std::runtime_error(message), exit_status_(exit_status) {}
    [[nodiscard]] int exit_status() const { return exit_status_; }

  private:
    int exit_status_;
};

/// What an sdbus::Error from a Manager1 call means to the person who typed the command.
ControlError explain_error(const sdbus::Error& error);

class ControlClient {
  public:
    /// Connects to the system bus ($DBUS_SYSTEM_BUS_ADDRESS is honoured). Throws ControlError.
    static std::unique_ptr<ControlClient> connect();
    virtual ~ControlClient() = default;

    // Each throws ControlError.
    virtual Dict status() = 0;
    virtual std::vector<Dict> devices() = 0;
    virtual std::vector<Dict> explain(const std::string& address) = 0;
    virtual Dict reload() = 0;
    virtual Dict add_exemption(const std::string& target, const Dict& options,
                               const std::string& reason) = 0;
    virtual Dict remove_exemption(const std::string& id) = 0;
    virtual std::vector<Dict> exemptions() = 0;
};

}  // namespace btfence::ctl
