// bench_bluez: a minimal, fast fake org.bluez that measures the agent registered with it
// (btfenced, or null_agent as the baseline). Run by bench/run-benchmarks.sh on a private
// dbus-daemon (DBUS_SYSTEM_BUS_ADDRESS). Protocol with the script: prints "ready" once it owns
// org.bluez, waits (with a deadline) for an agent to become the default agent, measures, and
// prints "result KEY VALUE" lines. Exit status 0 = measured; anything else = the agent
// misbehaved or the run could not be made (the reason is on stderr).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <fstream>
#include <map>
#include <string_view>

#include "bench_context.hpp"
#include "support/results.hpp"

namespace {

using namespace btfence::bench;

pid_t pid_of(sd_bus* bus, const std::string& unique_name) {
    sd_bus_creds* raw = nullptr;
    check(sd_bus_get_name_creds(bus, unique_name.c_str(), SD_BUS_CREDS_PID, &raw),
          "sd_bus_get_name_creds");
    CredsPtr creds(raw);
    pid_t pid = 0;
    check(sd_bus_creds_get_pid(creds.get(), &pid), "sd_bus_creds_get_pid");
    return pid;
}

// The unique names of every connection `pid` holds on the bus (ListNames, then each name's
// credentials): btfenced has more than one.
std::vector<std::string> connections_of(sd_bus* bus, pid_t pid) {
    sd_bus_message* raw = nullptr;
    sd_bus_error error = SD_BUS_ERROR_NULL;
    const int result = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                          "org.freedesktop.DBus", "ListNames", &error, &raw, "");
    sd_bus_error_free(&error);
    check(result, "ListNames");
    MessagePtr reply(raw);
    check(sd_bus_message_enter_container(reply.get(), 'a', "s"), "read ListNames");
    std::vector<std::string> unique_names;
    const char* name = nullptr;
    while (check(sd_bus_message_read_basic(reply.get(), 's', &name), "read name") > 0) {
        if (name[0] == ':') {
            unique_names.emplace_back(name);
        }
    }
    std::vector<std::string> found;
    for (const auto& unique_name : unique_names) {
        sd_bus_creds* creds_raw = nullptr;
        if (sd_bus_get_name_creds(bus, unique_name.c_str(), SD_BUS_CREDS_PID, &creds_raw) < 0) {
            continue;  // gone meanwhile
        }
        CredsPtr creds(creds_raw);
        pid_t owner = 0;
        if (sd_bus_creds_get_pid(creds.get(), &owner) >= 0 && owner == pid) {
            found.push_back(unique_name);
        }
    }
    return found;
}

// BTFENCE_BENCH_LABEL from the agent's environment, else its command name.
std::string label_of(pid_t pid) {
    const std::string base = "/proc/" + std::to_string(pid);
    std::ifstream environ(base + "/environ", std::ios::binary);
    std::string variable;
    constexpr std::string_view kLabel = "BTFENCE_BENCH_LABEL=";
    while (std::getline(environ, variable, '\0')) {
        if (variable.starts_with(kLabel)) {
            return variable.substr(kLabel.size());
        }
    }
    std::ifstream comm(base + "/comm");
    std::string name;
    std::getline(comm, name);
    return name.empty() ? "pid" + std::to_string(pid) : name;
}

int run(const BenchOptions& options) {
    const std::map<std::string, int (*)(BenchContext&)> modes = {
        {"agent-latency", &run_agent_latency},
        {"remove-latency", &run_remove_latency},
        {"flood", &run_flood},
        {"idle", &run_idle},
        {"signal-cost", &run_signal_cost},
    };

    auto bus = open_system_bus();
    FakeBluezService bluez(bus.get());
    Pump pump(bus.get());
    BenchContext context{options, bus.get(), bluez, pump, {}, 0, {}, {}, {}, {}};

    // The room before the agent arrives: one FIDO key the policy allows, and the crowd.
    context.fido_path = FakeBluezService::device_path(0);
    bluez.add_device(
        context.fido_path,
        FakeDevice{FakeBluezService::device_address(0), "Bench FIDO key", {kFidoUuid}, false, -45},
        false);
    for (std::uint32_t i = 1; i <= options.crowd; ++i) {
        context.crowd_paths.push_back(FakeBluezService::device_path(i));
        bluez.add_device(context.crowd_paths.back(),
                         FakeDevice{FakeBluezService::device_address(i),
                                    "Advertiser " + std::to_string(i),
                                    {},
                                    false,
                                    -70},
                         false);
    }
    bluez.acquire_name();
    std::printf("ready\n");
    std::fflush(stdout);

    const auto agent_deadline =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(options.agent_timeout_s));
    if (!pump.run_until([&] { return bluez.agents_that_asked_default().size() >= options.agents; },
                        agent_deadline)) {
        std::fprintf(stderr,
                     "bench_bluez: %zu of %zu agent(s) called RegisterAgent + "
                     "RequestDefaultAgent within %.0f s (calls received: %llu "
                     "GetManagedObjects, %llu RegisterAgent)\n",
                     bluez.agents_that_asked_default().size(), options.agents,
                     options.agent_timeout_s,
                     static_cast<unsigned long long>(bluez.calls().get_managed_objects),
                     static_cast<unsigned long long>(bluez.calls().register_agent));
        return 2;
    }
    for (const auto& registration : bluez.agents_that_asked_default()) {
        const pid_t pid = context.agents.empty() && options.pid > 0
                              ? options.pid
                              : pid_of(bus.get(), registration.sender);
        context.agents.push_back(
            {registration, pid, label_of(pid), connections_of(bus.get(), pid)});
        put_result("agent." + context.agents.back().label + ".connections",
                   static_cast<std::int64_t>(context.agents.back().connections.size()));
        put_result("agent." + context.agents.back().label + ".pid", static_cast<std::int64_t>(pid));
    }
    context.agent = context.agents.front().registration;
    context.agent_pid = context.agents.front().pid;
    context.agent_connections = context.agents.front().connections;
    put_result("agent.pid", static_cast<std::int64_t>(context.agent_pid));

    // Every agent must allow the FIDO key: a refusal would measure the wrong code path.
    for (const auto& agent : context.agents) {
        authorization_round_trip(context, agent.registration, context.fido_path);
    }
    return modes.at(options.mode)(context);
}

}  // namespace

int main(int argc, char** argv) {
    BenchOptions options;
    CLI::App app{"Fake org.bluez that benchmarks the default Bluetooth agent"};
    app.add_option("--mode", options.mode, "what to measure")
        ->required()
        ->check(CLI::IsMember({"agent-latency", "remove-latency", "flood", "idle", "signal-cost"}));
    app.add_option("--samples", options.samples, "measured calls/removals per phase")
        ->check(CLI::PositiveNumber);
    app.add_option("--warmup", options.warmup, "calls made and discarded before measuring");
    app.add_option("--crowd", options.crowd, "advertisers known before the agent starts")
        ->check(CLI::Range(1U, 1000000U));
    app.add_option("--churn-rate", options.churn_rate,
                   "RSSI PropertiesChanged/s during a second agent-latency phase (or during "
                   "remove-latency); 0 = none");
    app.add_option("--call-gap-ms", options.call_gap_ms,
                   "agent-latency: also measure calls spaced this many ms apart");
    app.add_option("--agents", options.agents,
                   "agent-latency: how many agents register; each is called in turn")
        ->check(CLI::PositiveNumber);
    app.add_option("--agent-timeout", options.agent_timeout_s,
                   "seconds to wait for the agent to become default");
    app.add_option("--pid", options.pid, "the agent's pid (default: asked from the bus)");
    app.add_option("--bus-pid", options.bus_pid, "dbus-daemon's pid, to report its CPU share");
    app.add_option("--flood-rate", options.flood_rate, "PropertiesChanged/s in the flood");
    app.add_option("--flood-seconds", options.flood_seconds, "length of the flood")
        ->check(CLI::PositiveNumber);
    app.add_option("--flood-devices", options.flood_devices,
                   "distinct devices announced over the flood");
    app.add_option("--flood-window", options.flood_window,
                   "changes go to this many most recently announced devices")
        ->check(CLI::PositiveNumber);
    app.add_option("--service-data-percent", options.service_data_percent,
                   "share of flood changes that are rotating ServiceData instead of RSSI")
        ->check(CLI::Range(0U, 100U));
    app.add_option("--probe-interval-ms", options.probe_interval_ms,
                   "agent probes during the flood")
        ->check(CLI::PositiveNumber);
    app.add_option("--idle-seconds", options.idle_seconds, "length of the idle window")
        ->check(CLI::PositiveNumber);
    app.add_option("--bursts", options.bursts,
                   "signal-cost: bursts of signals, each then a barrier")
        ->check(CLI::PositiveNumber);
    app.add_option("--signals-per-burst", options.signals_per_burst,
                   "signal-cost: signals per burst");
    app.add_option("--cost-kind", options.cost_kind, "signal-cost: what the signals are")
        ->check(CLI::IsMember({"none", "rssi", "service-data"}));
    CLI11_PARSE(app, argc, argv);

    try {
        return run(options);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_bluez: %s\n", e.what());
        return 1;
    }
}
