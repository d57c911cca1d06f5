// btfenced: wires the daemon together and runs its event loop. Everything with a decision
// in it lives elsewhere (see docs/architecture.md).
#include <sdbus-c++/sdbus-c++.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <filesystem>

#include "audit/auditor.hpp"
#include "audit/clock.hpp"
#include "audit_outputs.hpp"
#include "daemon.hpp"
#include "options.hpp"
#include "verify/probe_location.hpp"

namespace {

constexpr const char* kBusName = "org.btfence1";

std::string host_name() {
    std::array<char, 256> buffer{};
    if (gethostname(buffer.data(), buffer.size() - 1) != 0) {
        return "unknown";
    }
    return buffer.data();
}

void set_up_logging(const std::string& level) {
    // stderr only: under systemd it goes to the journal with the unit's metadata.
    // _mt: the audit writer thread (audit/background_sink.hpp) logs too.
    auto logger = spdlog::stderr_logger_mt("btfenced");
    logger->set_pattern("btfenced[%P]: %l: %v");
    logger->set_level(spdlog::level::from_str(level));
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(logger);
}

}  // namespace

int main(int argc, char** argv) {
    btfence::Options options;
    if (auto exit_code = btfence::parse_options(argc, argv, options)) {
        return *exit_code;
    }
    set_up_logging(options.log_level);

    // fido.verify needs a probe that can run: without one every FIDO key would "fail" its
    // verification. Refused like an invalid file: exit 1 at start, policy-rejected at reload.
    btfence::PolicyStore policies(
        options.policy_path, options.check_permissions,
        [probe = options.probe_path](
            const btfence::policy::Policy& policy) -> std::optional<std::string> {
            if (!policy.fido.verify) {
                return std::nullopt;
            }
            if (auto problem = btfence::verify::probe_unusable(probe)) {
                return "fido.verify = true needs the CTAP probe btfence-probe, which cannot be "
                       "run: " +
                       *problem +
                       " (install it, give btfenced --probe PATH, or set verify = false)";
            }
            return std::nullopt;
        });
    if (auto errors = policies.load()) {
        for (const auto& error : *errors) {
            (void)std::fprintf(stderr, "%s\n", error.to_string().c_str());
        }
        spdlog::critical("no valid policy in {}; refusing to start", options.policy_path);
        return 1;
    }

    try {
        // Before any thread starts (the audit outputs have their own): the signals the loop
        // handles are blocked here, so that every thread inherits the mask. A thread that does
        // not block SIGTERM can be picked by the kernel for it, and its default action then
        // kills the process instead of stopping it cleanly.
        sigset_t handled;
        sigemptyset(&handled);
        for (const int signal : {SIGHUP, SIGTERM, SIGINT}) {
            sigaddset(&handled, signal);
        }
        pthread_sigmask(SIG_BLOCK, &handled, nullptr);
        // First: the audit writer thread reports its failures through the loop, so the loop
        // must outlive the Auditor and its sinks.
        btfence::loop::EventLoop loop;
        btfence::audit::SystemWallClock wall_clock;
        btfence::AuditOutputs outputs(options, loop);
        btfence::audit::SystemMonotonicClock monotonic_clock;
        btfence::LoopRepeatTimer repeat_timer(loop, monotonic_clock);  // outlives the Auditor
        btfence::audit::Auditor auditor(wall_clock, host_name(), outputs.last_sequence());
        outputs.attach(auditor);
        // Repeats of an identical event (a device re-pairing every second) become one summary
        // per window; the first occurrence always goes out at once (audit/aggregator.hpp).
        if (options.aggregate_window_s > 0) {
            auditor.aggregate_repeats({std::chrono::seconds{options.aggregate_window_s}},
                                      monotonic_clock, repeat_timer);
        }

        auto connection = sdbus::createSystemBusConnection();
        try {
            connection->requestName(kBusName);
        } catch (const sdbus::Error& e) {
            spdlog::warn(
                "cannot own {} on the system bus ({}); is the D-Bus policy file installed?",
                kBusName, e.getMessage());
        }

        // The Agent1 object gets a connection of its own that subscribes to nothing: a pairing
        // request from bluetoothd never queues behind the advert flood that the connection
        // above receives (docs/architecture.md, "Connections and priorities").
        auto agent_connection = sdbus::createSystemBusConnection();

        loop.enable_watchdog();
        btfence::SystemDecisionClock decision_clock;
        btfence::SdNotifier notifier;
        btfence::BluezTuning tuning;
        tuning.call_timeout = options.bluez_call_timeout;
        tuning.backoff.first = options.retry_first;
        tuning.backoff.max = options.retry_max;
        btfence::Daemon daemon(loop, *connection, *agent_connection, auditor, policies, notifier,
                               decision_clock, options.probe_path, options.state_dir, tuning);
        // Status counts what every audit output (file, journal, ...) dropped or failed to write.
        daemon.status_board().audit_dropped = [&auditor]() -> std::optional<std::uint64_t> {
            std::uint64_t lost = 0;
            for (const auto& output : auditor.stats()) {
                lost += output.counters.dropped + output.counters.failed;
            }
            return lost;
        };
        daemon.status_board().audit_aggregated = [&auditor]() -> std::optional<std::uint64_t> {
            return auditor.repeats_held();
        };

        btfence::posture::PostureMonitor posture(
            options.bluetooth_config_dir,
            [&auditor](btfence::audit::Event event) { auditor.emit(std::move(event)); });
        daemon.set_posture_monitor(&posture);
        for (const char* file : {"main.conf", "input.conf"}) {
            try {
                loop.watch_file(options.bluetooth_config_dir, file,
                                [&posture, file](btfence::loop::FileChange) {
                                    posture.check(std::string(file) + " changed");
                                });
            } catch (const std::exception& e) {
                spdlog::warn("cannot watch {}/{} ({}); its posture is read at start only",
                             options.bluetooth_config_dir, file, e.what());
            }
        }

        loop.on_signal(SIGHUP, [&] { daemon.reload(); });
        loop.on_signal(SIGTERM, [&] { daemon.stop(); });
        loop.on_signal(SIGINT, [&] { daemon.stop(); });
        const std::filesystem::path policy_path(options.policy_path);
        // Only a whole file is applied: one renamed into place (docs/admin-guide.md, "Changing
        // the policy"). Written in place, it may be the first of several pieces.
        loop.watch_file(
            policy_path.parent_path().empty() ? "." : policy_path.parent_path().string(),
            policy_path.filename().string(), [&](btfence::loop::FileChange change) {
                switch (change) {
                    case btfence::loop::FileChange::Replaced:
                        daemon.reload();
                        break;
                    case btfence::loop::FileChange::WrittenInPlace:
                        spdlog::warn(
                            "{} was written in place: NOT applied, it may be incomplete. Rename "
                            "a complete file into place, or reload (systemctl reload btfence, "
                            "SIGHUP) once it is complete",
                            options.policy_path);
                        break;
                    case btfence::loop::FileChange::Removed:
                        spdlog::warn(
                            "{} was removed or renamed away; the running policy stays in force",
                            options.policy_path);
                        break;
                }
            });

        daemon.start();
        const int result = loop.run();
        return result < 0 ? 1 : result;
    } catch (const std::exception& e) {
        spdlog::critical("fatal: {}", e.what());
        return 1;
    }
}
