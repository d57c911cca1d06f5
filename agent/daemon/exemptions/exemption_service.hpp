#pragma once
// Runtime exemptions (policy/exemption.hpp) as the helpdesk grants them over D-Bus: checked
// against the policy's `[exemptions]` bounds, kept in the state directory (exemptions.json,
// replaced atomically) so they survive restarts, ended by the rule-window timer, revoked or cut
// short when a reload lowers the bounds, and audited at every step with who and why. The set
// in force lives in the PolicyStore, where every decision reads it.
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "audit/event.hpp"
#include "btfence/policy/exemption.hpp"
#include "clock.hpp"
#include "policy_store.hpp"
#include "state/state_file.hpp"

namespace btfence::exemptions {

/// What AddExemption asked for, as received (validated by grant()).
struct GrantRequest {
    std::string target;  ///< an address or an AAGUID, any case
    std::optional<std::chrono::seconds> duration;
    std::optional<policy::TimePoint> until;
    std::string reason;
};

struct Refusal {
    enum class Kind {
        InvalidArgument,  ///< a bad target, window or reason
        NotAllowed,       ///< the policy does not allow it
        UnknownId,        ///< no exemption with that id
        Unavailable,      ///< the state file is unreadable or cannot be written
    };
    Kind kind = Kind::InvalidArgument;
    std::string message;
};

template <typename T>
using Result = std::variant<T, Refusal>;

class ExemptionService {
  public:
    using Emit = std::function<void(audit::Event)>;
    /// After a grant or a revocation: the set changed (`ended`: an exemption stopped
    /// applying, so devices must be decided again).
    using Changed = std::function<void(bool ended)>;

    /// Most exemptions in force at once: each is a hole, and the state file stays small.
    static constexpr std::size_t kMaxInForce = 64;
    static constexpr std::size_t kMaxReasonLength = 200;

    ExemptionService(state::StateFile file, PolicyStore& policies, const DecisionClock& clock,
                     Emit emit, Changed changed);

    /// Reads the state file (at start, once the policy is loaded). Exemptions that ended while
    /// btfenced was not running are dropped and audited; the policy's bounds are applied. An
    /// unreadable or corrupt file is audited (state-file-error) and fails closed: no
    /// exemption applies and none can be granted until an admin repairs or removes it.
    void load();

    Result<policy::Exemption> grant(const GrantRequest& request, const audit::CallerInfo& caller);
    Result<policy::Exemption> revoke(const std::string& id, const audit::CallerInfo& caller);

    /// The rule-window timer fired: ends the exemptions whose `expires` has come.
    /// Returns whether any ended.
    bool expire();
    /// A new policy is in force: revokes or shortens what it no longer allows. Returns whether
    /// any exemption ended. Does not call Changed (the reload re-decides every device anyway).
    bool apply_policy();

    /// The earliest instant an exemption in force ends, for the rule-window timer.
    [[nodiscard]] std::optional<policy::TimePoint> next_expiry() const;
    [[nodiscard]] std::span<const policy::Exemption> in_force() const {
        return policies_.exemptions();
    }
    /// Why exemptions are unavailable (unreadable state file), empty when they are not.
    [[nodiscard]] const std::string& unavailable_reason() const { return unavailable_; }

  private:
    audit::Event event(audit::Action action, const policy::Exemption& exemption,
                       std::string message) const;
    bool save(std::span<const policy::Exemption> exemptions, std::string& error) const;
    void replace(std::vector<policy::Exemption> exemptions);
    [[nodiscard]] std::string new_id() const;

    state::StateFile file_;
    PolicyStore& policies_;
    const DecisionClock& clock_;
    Emit emit_;
    Changed changed_;
    std::string unavailable_;
};

/// The file format (exemptions.json), one function each way; exposed for the tests.
std::string to_state_json(std::span<const policy::Exemption> exemptions);
/// nullopt with `error` set when the text is not a valid state file.
std::optional<std::vector<policy::Exemption>> from_state_json(const std::string& text,
                                                              std::string& error);

/// "uid 1000, pid 4242, unit helpdesk.service": how events and reasons name a caller.
std::string describe(const audit::CallerInfo& caller);

}  // namespace btfence::exemptions
