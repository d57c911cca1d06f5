#pragma once
// What every bench_bluez mode works with: the options, the fake org.bluez, the pump, the
// agent under test, and the devices the fake starts with.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "fake_bluez_service.hpp"
#include "paced_emitter.hpp"
#include "support/pump.hpp"

namespace btfence::bench {

struct BenchOptions {
    std::string mode;
    std::size_t samples = 2000;  ///< measured agent calls / removals per phase
    std::size_t warmup = 200;    ///< calls made and discarded before measuring
    std::uint32_t crowd = 1000;  ///< advertisers present before the agent starts
    double churn_rate = 0;       ///< PropertiesChanged/s during the "churn" phase; 0 = none
    double call_gap_ms = 0;      ///< > 0: agent-latency also measures calls spaced this far apart
    std::size_t agents = 1;      ///< agent-latency: agents registered at once, called in turn
    double agent_timeout_s = 30;
    pid_t pid = 0;      ///< the agent's pid; 0 = ask the bus
    pid_t bus_pid = 0;  ///< dbus-daemon's pid, for its CPU time in the flood; 0 = not reported
    double flood_rate = 50000;
    double flood_seconds = 20;
    std::uint32_t flood_devices = 100000;
    std::uint32_t flood_window = 1000;
    unsigned service_data_percent = 0;
    double probe_interval_ms = 100;
    double idle_seconds = 5;
    // signal-cost (instruction counts under callgrind): `bursts` bursts of
    // `signals_per_burst` signals of `cost_kind` (none, rssi, service-data), each followed by
    // a barrier.
    std::size_t bursts = 2500;
    std::size_t signals_per_burst = 4;
    std::string cost_kind = "rssi";
};

/// An agent being measured. `label` is its BTFENCE_BENCH_LABEL environment variable (set
/// by the script), else its command name. `connections`: the unique names of every bus
/// connection the agent's process holds (btfenced answers Agent1 on a connection of its own
/// and watches org.bluez's signals on another), for barrier().
struct AgentUnderTest {
    AgentRegistration registration;
    pid_t pid = 0;
    std::string label;
    std::vector<std::string> connections;
};

struct BenchContext {
    const BenchOptions& options;
    sd_bus* bus;
    FakeBluezService& bluez;
    Pump& pump;
    AgentRegistration agent;  ///< the agent measured by the single-agent modes (the first)
    pid_t agent_pid = 0;
    std::vector<std::string> agent_connections;  ///< every bus connection of that agent
    std::vector<AgentUnderTest> agents;          ///< all of them, in the order they registered
    std::string fido_path;                       ///< an allowed FIDO key (UUIDs [0xFFFD])
    std::vector<std::string> crowd_paths;        ///< advertisers: no UUIDs, never paired
};

/// One Agent1.RequestAuthorization(device) round trip in microseconds, waited for with a
/// deadline. Throws when it times out or the agent refuses.
double authorization_round_trip(BenchContext& context, const AgentRegistration& agent,
                                const std::string& device_path);
/// The same, to the first agent.
inline double authorization_round_trip(BenchContext& context, const std::string& device_path) {
    return authorization_round_trip(context, context.agent, device_path);
}

/// Waits (with a deadline) until the agent has handled everything the fake sent it before:
/// org.freedesktop.DBus.Peer.Ping to each of its connections (`connections`), answered by
/// sd-bus itself in message order, with no side effect in the agent (no audit event, no disk
/// write).
void barrier(BenchContext& context, const std::vector<std::string>& connections);
/// The same for the first agent.
inline void barrier(BenchContext& context) {
    barrier(context, context.agent_connections);
}

/// RSSI churn: `rate` PropertiesChanged/s spread over the crowd, once started and added to
/// the pump.
PacedEmitter crowd_churn(BenchContext& context, double rate);

int run_agent_latency(BenchContext& context);
int run_remove_latency(BenchContext& context);
int run_flood(BenchContext& context);
int run_idle(BenchContext& context);
int run_signal_cost(BenchContext& context);

}  // namespace btfence::bench
