// signal-cost: a fixed amount of work for counting the agent's instructions under callgrind
// (run-benchmarks.sh --callgrind), which, unlike CPU time, does not depend on how loaded the
// machine is. --bursts bursts of --signals-per-burst PropertiesChanged of --cost-kind (RSSI,
// or rotating ServiceData the agent must re-classify), each burst followed by a barrier
// (Peer.Ping to every connection of the agent), so that the agent wakes once per burst as it
// does when 20,000 signals/s arrive in 200 µs bursts (4 a burst; 10 at 50,000/s).
//
// The script runs it twice per agent, once with the signals and once with --cost-kind none
// (the same bursts and barriers without signals); the difference in instructions divided by
// the signals sent is the cost of one signal, wake-ups included.
#include <cstdio>

#include "bench_context.hpp"
#include "support/results.hpp"

namespace btfence::bench {

int run_signal_cost(BenchContext& context) {
    const BenchOptions& options = context.options;
    const auto& paths = context.crowd_paths;
    std::uint64_t sequence = 0;
    for (std::size_t burst = 0; burst < options.bursts; ++burst) {
        if (options.cost_kind != "none") {
            for (std::size_t i = 0; i < options.signals_per_burst; ++i, ++sequence) {
                const std::string& path = paths[sequence % paths.size()];
                if (options.cost_kind == "service-data") {
                    std::vector<std::uint8_t> bytes(20);
                    for (std::size_t b = 0; b < bytes.size(); ++b) {
                        bytes[b] = static_cast<std::uint8_t>((sequence >> (b % 8)) + b);
                    }
                    context.bluez.emit_service_data(path, bytes);
                } else {
                    context.bluez.emit_rssi(
                        path, static_cast<std::int16_t>(-40 - static_cast<int>(sequence % 50)));
                }
            }
        }
        barrier(context);
    }
    put_result("cost.kind", options.cost_kind);
    put_result("cost.bursts", static_cast<std::int64_t>(options.bursts));
    put_result("cost.signals", static_cast<std::int64_t>(sequence));
    return 0;
}

}  // namespace btfence::bench
