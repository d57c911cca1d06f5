#pragma once
// org.btfence1.Manager1 at /org/btfence1: btfenced's control API. The glue
// (org_btfence1_manager1_adaptor.h) is generated at build time from org.btfence1.Manager1.xml,
// the contract. Every method goes through the Authorizer once (authorized()), then reads
// what the daemon knows or asks the narrow interfaces it was given to act; it decides nothing
// itself and never touches the Daemon.
#include <sdbus-c++/sdbus-c++.h>

#include <functional>
#include <string>
#include <vector>

#include "clock.hpp"
#include "control/authorizer.hpp"
#include "control/reports.hpp"
#include "exemptions/exemption_service.hpp"
#include "org_btfence1_manager1_adaptor.h"

namespace btfence::control {

inline constexpr std::string_view kObjectPath = "/org/btfence1";
inline constexpr std::string_view kErrorNotAuthorized = "org.btfence1.Error.NotAuthorized";
inline constexpr std::string_view kErrorNotAllowed = "org.btfence1.Error.NotAllowed";
inline constexpr std::string_view kErrorInvalidArgument = "org.btfence1.Error.InvalidArgument";
inline constexpr std::string_view kErrorUnknownDevice = "org.btfence1.Error.UnknownDevice";
inline constexpr std::string_view kErrorUnknownExemption = "org.btfence1.Error.UnknownExemption";
inline constexpr std::string_view kErrorUnavailable = "org.btfence1.Error.Unavailable";

/// What a Reload did: the same as SIGHUP, with the caller named in the audit event.
struct ReloadOutcome {
    enum class Kind { Loaded, Unchanged, Rejected };
    Kind kind = Kind::Rejected;
    std::string sha256;               ///< of the policy in force afterwards
    std::vector<std::string> errors;  ///< FILE:LINE:COLUMN: message, when rejected
};

class ManagerObject final : public sdbus::AdaptorInterfaces<org::btfence1::Manager1_adaptor> {
  public:
    using ReloadFn = std::function<ReloadOutcome(const audit::CallerInfo& caller)>;
    using Emit = std::function<void(audit::Event)>;

    ManagerObject(sdbus::IConnection& connection, Authorizer& authorizer, StatusInputs inputs,
                  const DecisionClock& clock, exemptions::ExemptionService& exemptions,
                  ReloadFn reload, Emit emit);
    ~ManagerObject();
    ManagerObject(const ManagerObject&) = delete;
    ManagerObject& operator=(const ManagerObject&) = delete;

    /// Every audit event (EventFeed's listener): emits DecisionMade and PolicyLoaded.
    void event_emitted(const audit::Event& event);

  private:
    void Status(sdbus::Result<Dict>&& result) override;
    void Devices(sdbus::Result<std::vector<Dict>>&& result) override;
    void Explain(sdbus::Result<std::vector<Dict>>&& result, std::string address) override;
    void Reload(sdbus::Result<Dict>&& result) override;
    void AddExemption(sdbus::Result<Dict>&& result, std::string target, Dict options,
                      std::string reason) override;
    void RemoveExemption(sdbus::Result<Dict>&& result, std::string id) override;
    void Exemptions(sdbus::Result<std::vector<Dict>>&& result) override;
    uint32_t ApiVersion() override { return kApiVersion; }

    /// The seam: asks the Authorizer about the caller of the method being dispatched, then
    /// runs `body(result, caller)`, or replies NotAuthorized (and audits a refused mutating
    /// call). `body` replies itself, or throws sdbus::Error.
    template <typename... Results, typename Body>
    void authorized(ControlAction action, sdbus::Result<Results...>&& result, Body body);

    [[nodiscard]] Dict describe(const bluez::DeviceState& device) const;

    Authorizer& authorizer_;
    StatusInputs inputs_;
    const DecisionClock& clock_;
    exemptions::ExemptionService& exemptions_;
    ReloadFn reload_;
    Emit emit_;
};

}  // namespace btfence::control
