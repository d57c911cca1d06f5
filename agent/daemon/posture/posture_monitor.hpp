#pragma once
// bluetoothd's posture, audited (issue 10 item 6): at start, whenever main.conf or input.conf
// in bluetoothd's configuration directory change, and when bluetoothd (re)appears (whether it
// has the admin plugin). One `posture` event each time the findings differ from the ones last
// audited; the first check always audits. The findings come from
// agent/common/bluez_posture.hpp, the same function `btfencectl posture` prints.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/event.hpp"
#include "bluez_posture.hpp"

namespace btfence::posture {

class PostureMonitor {
  public:
    using Emit = std::function<void(audit::Event)>;

    PostureMonitor(std::string config_dir, Emit emit);

    /// What bluetoothd exports: AdminPolicySet1 on some adapter (nullopt: not known yet).
    void set_admin_policy(std::optional<bool> present);

    /// Reads the files again; audits when the findings changed (or on the first call).
    /// `trigger` says why ("start", "main.conf changed", "bluez-found").
    void check(std::string_view trigger);

    [[nodiscard]] const std::string& config_dir() const { return config_dir_; }
    /// The findings last audited, in one line (bluez_config::summarize); nullopt before the
    /// first check. What Manager1.Status reports as `posture`.
    [[nodiscard]] std::optional<std::string> summary() const;

  private:
    std::string config_dir_;
    Emit emit_;
    std::optional<bool> admin_policy_;
    std::optional<std::vector<bluez_config::PostureFinding>> last_;
};

/// The event for a set of findings (exposed for tests).
audit::Event posture_event(const std::vector<bluez_config::PostureFinding>& findings,
                           const std::string& config_dir, std::string_view trigger);

}  // namespace btfence::posture
