#pragma once
// Holds the policy in force and replaces it only with a valid one: an invalid file at reload
// leaves the running policy untouched (docs/policy.md, "The file": the last good policy stays).
// Next to it, the runtime exemptions granted under it (exemptions/exemption_service.hpp keeps
// them): together, everything a decision is made from besides the device and the time.
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "btfence/policy/exemption.hpp"
#include "btfence/policy/parser.hpp"

namespace btfence {

class PolicyStore {
  public:
    /// What this btfenced needs of a valid policy beyond the file itself (e.g. a runnable
    /// probe when `fido.verify` is on): nullopt, or why it cannot enforce that policy.
    using Requirement = std::function<std::optional<std::string>(const policy::Policy&)>;

    PolicyStore(std::string path, bool check_permissions, Requirement requirement = {})
        : path_(std::move(path)),
          check_permissions_(check_permissions),
          requirement_(std::move(requirement)) {}

    /// Reads and validates the file, then checks the requirement. On success the new policy
    /// is in force and nullopt is returned; on failure the errors are returned and the old
    /// policy (if any) stays.
    std::optional<std::vector<policy::PolicyError>> load();

    [[nodiscard]] bool has_policy() const { return policy_.has_value(); }
    [[nodiscard]] const policy::Policy& current() const { return *policy_; }
    [[nodiscard]] const std::string& path() const { return path_; }

    /// The runtime exemptions in force, for decide_device(). Only ExemptionService sets them.
    [[nodiscard]] std::span<const policy::Exemption> exemptions() const { return exemptions_; }
    void set_exemptions(std::vector<policy::Exemption> exemptions) {
        exemptions_ = std::move(exemptions);
    }

  private:
    std::string path_;
    bool check_permissions_;
    Requirement requirement_;
    std::optional<policy::Policy> policy_;
    std::vector<policy::Exemption> exemptions_;
};

}  // namespace btfence
