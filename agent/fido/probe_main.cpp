// btfence-probe: is the device at this BlueZ path a passkey-capable FIDO2 authenticator?
// btfenced runs it in a child process after a fido-ble device bonds (libfido2 blocks, and the
// other end is not trusted yet). It prints exactly one JSON line on stdout:
//   {"passed":true,"aaguid":"...","versions":["FIDO_2_0"],"rk":true,"detail":"..."}
// Exit 0 whenever a verdict was reached, passed or not; 2 for a usage error.
// See docs/verification.md.

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <regex>

#include "gatt_client.hpp"
#include "get_info_verdict.hpp"
#include "probe.hpp"
#include "sandbox.hpp"

namespace {

constexpr int kUsageError = 2;

void print(const btfence::fido::ProbeVerdict& verdict) {
    std::cout << btfence::fido::to_json_line(verdict) << '\n' << std::flush;
}

}  // namespace

int main(int argc, char** argv) {
    // The reader of stdout (btfenced) may be gone; that must not kill us mid-conversation.
    static_cast<void>(std::signal(SIGPIPE, SIG_IGN));

    CLI::App app{
        "Asks a bonded BLE device for CTAP authenticatorGetInfo over its FIDO GATT "
        "service and prints the verdict as one JSON line.",
        "btfence-probe"};
    btfence::fido::ProbeRequest request;
    int timeout_ms = 5000;
    bool verbose = false;
    app.add_option("--device", request.device_path,
                   "BlueZ device object, /org/bluez/hciN/dev_XX_XX_XX_XX_XX_XX")
        ->required();
    app.add_option("--timeout-ms", timeout_ms, "deadline for the whole probe")
        ->check(CLI::Range(1, 600000));
    app.add_flag("--verbose", verbose, "log each step (and libfido2's debug output) to stderr");
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return kUsageError;
    }
    static const std::regex kDevicePath(
        "/org/bluez/hci[0-9]+/dev_[0-9A-Fa-f]{2}(_[0-9A-Fa-f]{2}){5}");
    if (!std::regex_match(request.device_path, kDevicePath)) {
        std::cerr << "btfence-probe: --device: not a BlueZ device path: " << request.device_path
                  << '\n';
        return kUsageError;
    }
    request.timeout = std::chrono::milliseconds{timeout_ms};

    btfence::fido::Log log;
    if (verbose) {
        setenv("FIDO_DEBUG", "1", 1);
        log = [](const std::string& line) { std::cerr << "btfence-probe: " << line << '\n'; };
    }

    // Before the first byte from the device (sandbox.hpp). Without the cell, no probe: the
    // key is not verified (inconclusive: not the key's fault, but it keeps no bond on it).
    try {
        const auto report =
            btfence::fido::enter_probe_sandbox(btfence::fido::probe_sandbox_limits(request.timeout),
                                               btfence::fido::probe_readable_directories());
        if (report.landlock_abi == 0) {
            std::cerr << "btfence-probe: warning: " << report.landlock_issue
                      << "; relying on the seccomp filter and rlimits\n";
        } else if (!report.landlock_issue.empty() && log) {
            log(report.landlock_issue);
        }
    } catch (const btfence::fido::SandboxError& e) {
        print(btfence::fido::inconclusive_verdict(
            std::string("the probe could not confine itself: ") + e.what()));
        return 0;
    }
    try {
        print(btfence::fido::run_probe(
            request,
            [&log](const std::string& device, btfence::fido::Deadline deadline) {
                return btfence::fido::BluezFidoGattClient::open(device, deadline, log);
            },
            log));
    } catch (const std::exception& e) {
        print(btfence::fido::failed_verdict(std::string("internal error: ") + e.what()));
    }
    return 0;
}
