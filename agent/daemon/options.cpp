#include "options.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>

#include "verify/probe_location.hpp"

namespace btfence {

std::optional<int> parse_options(int argc, char** argv, Options& options) {
    CLI::App app{
        "btfenced: lets only FIDO passkey authenticators pair over Bluetooth (BlueZ), removes "
        "everything else, and audits every decision."};
    app.add_option("--policy", options.policy_path, "Policy file")->capture_default_str();
    app.add_option("--audit-log", options.audit_log_path,
                   "Audit log, ECS JSON lines, chained (\"\" for none)")
        ->capture_default_str();
    app.add_option("--ocsf-log", options.ocsf_log_path,
                   "Second audit log in OCSF JSON lines, chained (default: none)");
    app.add_flag("!--no-journal", options.journal, "Do not send audit events to journald");
    app.add_option("--linux-audit", options.linux_audit,
                   "USER_DEVICE records to the kernel audit (auditd) per device decision: auto "
                   "(when the kernel has audit and btfenced may write to it), on, off")
        ->capture_default_str()
        ->check(CLI::IsMember({"auto", "on", "off"}));
    app.add_option("--audit-log-max-size", options.audit_log_max_bytes,
                   "Rotate an audit log before it grows past this size (e.g. 32M; 0: never)")
        ->capture_default_str()
        ->transform(CLI::AsSizeValue(false));
    app.add_option("--aggregate-window", options.aggregate_window_s,
                   "Seconds over which repeats of an identical event are counted and reported "
                   "as one summary (the first always goes out at once; 0: report every one)")
        ->capture_default_str()
        ->check(CLI::Range(0U, 3600U));
    app.add_option("--audit-log-keep", options.audit_log_keep,
                   "Rotated audit logs kept (FILE.1 ... FILE.N)")
        ->capture_default_str()
        ->check(CLI::Range(1U, 1000U));
    app.add_option("--state-dir", options.state_dir,
                   "Directory for state kept across restarts (must exist, writable by btfenced)")
        ->capture_default_str();
    app.add_flag("!--no-permission-check", options.check_permissions,
                 "Accept a policy file that non-root users could write (tests only)");
    app.add_option("--probe", options.probe_path,
                   "CTAP verification helper (default: " BTFENCE_PROBE_PATH
                   ", or the build tree's btfence-probe when this is the build tree's btfenced)");
    app.add_option("--bluetooth-config-dir", options.bluetooth_config_dir,
                   "bluetoothd's configuration directory, audited as its posture")
        ->capture_default_str();
    app.add_option("--log-level", options.log_level,
                   "Diagnostics level: trace, debug, info, warn, error")
        ->capture_default_str()
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
    // Hidden (empty group): for the integration and soak tests, documented in
    // docs/testing.md, "Fault injection".
    std::int64_t call_timeout_ms = options.bluez_call_timeout.count();
    std::int64_t retry_first_ms = options.retry_first.count();
    std::int64_t retry_max_ms = options.retry_max.count();
    app.add_option("--bluez-call-timeout-ms", call_timeout_ms)
        ->group("")
        ->check(CLI::Range(std::int64_t{50}, std::int64_t{600000}));
    app.add_option("--retry-first-ms", retry_first_ms)
        ->group("")
        ->check(CLI::Range(std::int64_t{10}, std::int64_t{600000}));
    app.add_option("--retry-max-ms", retry_max_ms)
        ->group("")
        ->check(CLI::Range(std::int64_t{10}, std::int64_t{3600000}));
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    if (options.probe_path.empty()) {
        options.probe_path = verify::default_probe_path();
    }
    options.bluez_call_timeout = std::chrono::milliseconds(call_timeout_ms);
    options.retry_first = std::chrono::milliseconds(retry_first_ms);
    options.retry_max = std::chrono::milliseconds(std::max(retry_max_ms, retry_first_ms));
    return std::nullopt;
}

}  // namespace btfence
