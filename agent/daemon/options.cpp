#include "options.hpp"

#include <CLI/CLI.hpp>

#include "verify/probe_location.hpp"

namespace btfence {

std::optional<int> parse_options(int argc, char** argv, Options& options) {
    CLI::App app{
        "btfenced: lets only FIDO passkey authenticators pair over Bluetooth (BlueZ), removes "
        "everything else, and audits every decision."};
    app.add_option("--policy", options.policy_path, "Policy file")->capture_default_str();
    app.add_option("--audit-log", options.audit_log_path, "Audit log (JSON lines)")
        ->capture_default_str();
    app.add_option("--state-dir", options.state_dir,
                   "Directory for state kept across restarts (must exist, writable by btfenced)")
        ->capture_default_str();
    app.add_flag("!--no-permission-check", options.check_permissions,
                 "Accept a policy file that non-root users could write (tests only)");
    app.add_option("--probe", options.probe_path,
                   "CTAP verification helper (default: " BTFENCE_PROBE_PATH
                   ", or the build tree's btfence-probe when this is the build tree's btfenced)");
    app.add_option("--log-level", options.log_level,
                   "Diagnostics level: trace, debug, info, warn, error")
        ->capture_default_str()
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    if (options.probe_path.empty()) {
        options.probe_path = verify::default_probe_path();
    }
    return std::nullopt;
}

}  // namespace btfence
