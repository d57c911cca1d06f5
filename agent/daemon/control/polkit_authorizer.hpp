#pragma once
// Authorizer over the system bus, as systemd's own services do it, without libpolkit:
// 1. the bus driver's GetConnectionCredentials(sender) gives the caller's uid and pid;
// 2. for a mutating call, systemd's GetUnitByPID(pid) names its unit (for the audit trail;
//    btfenced's sandbox hides other users' /proc);
// 3. uid 0 is allowed; anyone else is allowed only if polkit's
//    Authority.CheckAuthorization says so for subject ("system-bus-name", sender) — polkit
//    resolves the name itself, so a process that exits and whose pid is reused cannot pass for
//    another. No interaction is requested: btfenced cannot see whether the caller asked for it
//    (sdbus-c++ 1.2 does not expose the message flag), and an admin uses sudo anyway.
// Fails closed: no credentials, no polkit, or an error from it is a refusal.
#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>

#include <memory>

#include "control/authorizer.hpp"

namespace btfence::control {

class PolkitAuthorizer final : public Authorizer {
  public:
    explicit PolkitAuthorizer(sdbus::IConnection& connection);
    void authorize(const std::string& sender, ControlAction action, Done done) override;

  private:
    void with_unit(audit::CallerInfo caller, ControlAction action, Done done);
    void decide(const audit::CallerInfo& caller, ControlAction action, Done done);

    std::unique_ptr<sdbus::IProxy> bus_driver_;
    std::unique_ptr<sdbus::IProxy> systemd_;
    std::unique_ptr<sdbus::IProxy> polkit_;
};

}  // namespace btfence::control
