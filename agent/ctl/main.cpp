// btfencectl: the admin's tools. Offline: check, explain --policy (files only), audit verify,
// lockdown, posture. Live, over btfenced's D-Bus API (org.btfence1.Manager1, authorized by
// polkit): status, devices, explain ADDRESS, reload, exempt add|list|remove. One file per
// subcommand or family.
#include <CLI/CLI.hpp>
#include <iostream>

#include "audit_verify_command.hpp"
#include "btfence/policy/address.hpp"
#include "check_command.hpp"
#include "explain_command.hpp"
#include "live_commands.hpp"
#include "lockdown_command.hpp"
#include "posture_command.hpp"

namespace {

using btfence::ctl::kExitUsage;

std::chrono::sys_seconds now() {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "btfencectl: check btfence policies, harden bluetoothd, and ask the running btfenced"};
    app.require_subcommand(1);

    btfence::ctl::CheckOptions check;
    auto* check_cmd =
        app.add_subcommand("check", "Validate a policy file (exit 0 valid, 1 invalid)");
    check_cmd->add_option("path", check.policy_path, "Policy file")->capture_default_str();
    check_cmd->add_flag("!--no-permission-check", check.check_permissions,
                        "Do not refuse a file that non-root users could write");
    check_cmd->add_flag("--strict", check.strict,
                        "Exit 1 also when a rule can never match (a warning)");

    btfence::ctl::LiveOptions live;
    const auto json_flag = [&live](CLI::App* command) {
        command->add_flag("--json", live.json,
                          "Print one JSON object (a documented, versioned shape)");
    };

    btfence::ctl::ExplainOptions explain;
    auto* explain_cmd = app.add_subcommand(
        "explain",
        "Why a device is allowed or denied: live for an ADDRESS btfenced knows, or offline "
        "for DEVICE.json under --policy");
    explain_cmd->add_option("--policy", explain.policy_path, "Policy file (offline)")
        ->capture_default_str();
    explain_cmd->add_option("--at", explain.at,
                            "Decide as of this RFC 3339 instant (offline; default: now)");
    explain_cmd->add_flag("!--no-permission-check", explain.check_permissions,
                          "Do not refuse a file that non-root users could write (offline)");
    explain_cmd
        ->add_option("device", explain.device_path,
                     "ADDRESS (live) or DEVICE.json (BlueZ Device1 property names, offline)")
        ->required();
    json_flag(explain_cmd);

    auto* status_cmd = app.add_subcommand("status", "What btfenced enforces now");
    json_flag(status_cmd);
    auto* devices_cmd =
        app.add_subcommand("devices", "Every device btfenced knows, with its live decision");
    json_flag(devices_cmd);
    auto* reload_cmd = app.add_subcommand(
        "reload", "Make btfenced read its policy file again (exit 1 if it is rejected)");
    json_flag(reload_cmd);

    auto* exempt_cmd = app.add_subcommand("exempt", "Runtime exemptions (helpdesk)");
    exempt_cmd->require_subcommand(1);
    btfence::ctl::ExemptAddOptions add;
    auto* add_cmd = exempt_cmd->add_subcommand(
        "add", "Let one device (ADDRESS or AAGUID) pair and stay bonded for a while");
    add_cmd->add_option("target", add.target, "Bluetooth address or AAGUID")->required();
    add_cmd->add_option("--for", add.duration, "How long: 2h, 90m, 1h30m");
    add_cmd->add_option("--until", add.until, "Until this RFC 3339 instant");
    add_cmd->add_option("--reason", add.reason, "Why (a ticket number); goes into the audit log")
        ->required();
    json_flag(add_cmd);
    auto* list_cmd = exempt_cmd->add_subcommand("list", "The runtime exemptions in force");
    json_flag(list_cmd);
    std::string remove_id;
    auto* remove_cmd = exempt_cmd->add_subcommand("remove", "Revoke an exemption now");
    remove_cmd->add_option("id", remove_id, "Its id (exempt list)")->required();
    json_flag(remove_cmd);

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
        return code == 0 ? 0 : kExitUsage;
    }
    live.now = now();

    using btfence::ctl::ControlClient;
    const auto run = [](const std::function<int(ControlClient&)>& command) {
        return btfence::ctl::run_live(command, std::cerr);
    };
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
    if (explain_cmd->parsed()) {
        const bool offline = explain_cmd->count("--policy") > 0 || explain_cmd->count("--at") > 0 ||
                             !btfence::policy::normalize_address(explain.device_path);
        if (offline) {
            return btfence::ctl::run_explain(explain);
        }
        return run([&](ControlClient& c) {
            return btfence::ctl::run_live_explain(c, explain.device_path, live, std::cout);
        });
    }
    if (status_cmd->parsed()) {
        return run([&](ControlClient& c) { return btfence::ctl::run_status(c, live, std::cout); });
    }
    if (devices_cmd->parsed()) {
        return run([&](ControlClient& c) { return btfence::ctl::run_devices(c, live, std::cout); });
    }
    if (reload_cmd->parsed()) {
        return run([&](ControlClient& c) {
            return btfence::ctl::run_reload(c, live, std::cout, std::cerr);
        });
    }
    if (add_cmd->parsed()) {
        return run([&](ControlClient& c) {
            return btfence::ctl::run_exempt_add(c, add, live, std::cout, std::cerr);
        });
    }
    if (list_cmd->parsed()) {
        return run(
            [&](ControlClient& c) { return btfence::ctl::run_exempt_list(c, live, std::cout); });
    }
    return run([&](ControlClient& c) {
        return btfence::ctl::run_exempt_remove(c, remove_id, live, std::cout);
    });
}
