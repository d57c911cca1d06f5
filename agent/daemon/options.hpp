#pragma once
// btfenced's command line (docs/man/btfenced.8.md).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace btfence {

struct Options {
    std::string policy_path = "/etc/btfence/policy.toml";
    // Audit outputs (audit_outputs.hpp; docs/admin-guide.md "Shipping the audit trail to a
    // SIEM"). Daemon settings, not device policy: they go on the command line (a systemd
    // drop-in), not in policy.toml.
    std::string audit_log_path = "/var/log/btfence/audit.jsonl";  ///< ECS, chained; "" = none
    std::string ocsf_log_path;                                    ///< OCSF, chained; "" = none
    bool journal = true;                                          ///< events to journald
    std::string linux_audit = "auto";  ///< USER_DEVICE records: "auto" | "on" | "off"
    std::uint64_t audit_log_max_bytes = std::uint64_t{32} << 20U;  ///< rotate past this; 0 = never
    unsigned audit_log_keep = 8;                                   ///< rotated files kept
    unsigned aggregate_window_s = 60;  ///< repeats of an event held and summarized; 0 = off
    /// Persistent state (state/state_file.hpp); systemd's StateDirectory= creates it.
    std::string state_dir = "/var/lib/btfence";
    bool check_permissions = true;
    std::string log_level = "info";
    /// The CTAP verification helper; empty until parse_options() chose one (--probe, or
    /// verify::default_probe_path()).
    std::string probe_path;
    // Hidden options for tests (fault injection, soak): how long a call on bluetoothd may
    // take before it counts as NoReply, and the retry backoff (docs/architecture.md).
    std::chrono::milliseconds bluez_call_timeout{10000};
    std::chrono::milliseconds retry_first{1000};
    std::chrono::milliseconds retry_max{30000};
    /// bluetoothd's configuration (main.conf, input.conf), audited as its posture.
    std::string bluetooth_config_dir = "/etc/bluetooth";
};

/// Parses argv; on --help or a usage error returns the exit code to leave with.
std::optional<int> parse_options(int argc, char** argv, Options& options);

}  // namespace btfence
