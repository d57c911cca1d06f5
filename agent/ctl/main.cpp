// btfencectl: the admin's offline tools (check, explain, audit verify, lockdown, posture). One
// file per subcommand.
#include <CLI/CLI.hpp>

#include "audit_verify_command.hpp"
#include "check_command.hpp"
#include "explain_command.hpp"
#include "lockdown_command.hpp"
#include "posture_command.hpp"

namespace {
constexpr int kUsageError = 2;  // 1 is `check`'s "invalid policy"
}

int main(int argc, char** argv) {
    CLI::App app{"btfencectl: check and dry-run btfence policies, and harden bluetoothd"};
    app.require_subcommand(1);

    btfence::ctl::CheckOptions check;
    auto* check_cmd =
        app.add_subcommand("check", "Validate a policy file (exit 0 valid, 1 invalid)");
    check_cmd->add_option("path", check.policy_path, "Policy file")->capture_default_str();
    check_cmd->add_flag("!--no-permission-check", check.check_permissions,
                        "Do not refuse a file that non-root users could write");
    check_cmd->add_flag("--strict", check.strict,
                        "Exit 1 also when a rule can never match (a warning)");

    btfence::ctl::ExplainOptions explain;
    auto* explain_cmd = app.add_subcommand(
        "explain", "Decide one device offline and say why (exit 0, or 2 on bad input)");
    explain_cmd->add_option("--policy", explain.policy_path, "Policy file")->capture_default_str();
    explain_cmd->add_option("--at", explain.at,
                            "Decide as of this RFC 3339 instant (default: now)");
    explain_cmd->add_flag("!--no-permission-check", explain.check_permissions,
                          "Do not refuse a file that non-root users could write");
    explain_cmd
        ->add_option("device", explain.device_path, "DEVICE.json (BlueZ Device1 property names)")
        ->required();

    btfence::ctl::AuditVerifyOptions verify;
    auto* audit_cmd = app.add_subcommand("audit", "Audit trail tools");
    audit_cmd->require_subcommand(1);
    auto* verify_cmd = audit_cmd->add_subcommand(
        "verify",
        "Check the tamper-evident chain of audit files, rotated ones included (exit 0 intact, "
        "1 the first missing/altered/reordered/truncated line, 2 no key); run as root");
    verify_cmd
        ->add_option("files", verify.files, "Audit files (e.g. /var/log/btfence/audit.jsonl*)")
        ->required();
    verify_cmd->add_option("--state-dir", verify.state_dir, "btfenced's state directory")
        ->capture_default_str();
    verify_cmd->add_option("--key", verify.key_path,
                           "Chain key file (default: STATE_DIR/audit-chain.key)");
    verify_cmd->add_flag("!--no-head", verify.check_head,
                         "Do not compare the end with the head btfenced saved (files copied "
                         "from another host)");

    btfence::ctl::LockdownOptions lockdown;
    auto* lockdown_cmd = app.add_subcommand(
        "lockdown",
        "Print a bluetooth.service drop-in that starts bluetoothd without the profile plugins "
        "the policy can never allow (exit 0; 1 when there is nothing to leave out)");
    lockdown_cmd->add_option("--policy", lockdown.policy_path, "Policy file")
        ->capture_default_str();
    lockdown_cmd->add_option("--bluetoothd", lockdown.bluetoothd_path, "bluetoothd binary")
        ->capture_default_str();
    lockdown_cmd->add_flag("!--no-permission-check", lockdown.check_permissions,
                           "Do not refuse a file that non-root users could write");

    btfence::ctl::PostureOptions posture;
    auto* posture_cmd = app.add_subcommand(
        "posture",
        "Name bluetoothd's settings that reopen what btfence closes (exit 0; 1 when one is "
        "rated medium or high)");
    posture_cmd->add_option("--config-dir", posture.config_dir, "bluetoothd's configuration")
        ->capture_default_str();
    posture_cmd->add_flag("--json", posture.json, "One JSON object instead of a table");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);  // prints help or the usage error
        return code == 0 ? 0 : kUsageError;
    }
    if (check_cmd->parsed()) {
        return btfence::ctl::run_check(check);
    }
    if (verify_cmd->parsed()) {
        return btfence::ctl::run_audit_verify(verify);
    }
    if (lockdown_cmd->parsed()) {
        return btfence::ctl::run_lockdown(lockdown);
    }
    if (posture_cmd->parsed()) {
        return btfence::ctl::run_posture(posture);
    }
    return btfence::ctl::run_explain(explain);
}
