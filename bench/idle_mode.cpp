// idle: nothing happens on the bus; does the agent wake up anyway? Counted from the kernel's
// context-switch counters of every thread of the agent (a voluntary switch is a wake-up that
// ran and went back to sleep). The fake sends nothing while it watches, and counts the calls
// the agent made to it meanwhile.
//
// Sleeping is the measurement here: the idle window is what is observed.
#include <cstdio>
#include <stdexcept>
#include <thread>

#include "bench_context.hpp"
#include "support/process_stats.hpp"
#include "support/results.hpp"

namespace btfence::bench {
namespace {

ProcessSample require_sample(pid_t pid) {
    auto sample = sample_process(pid);
    if (!sample) {
        throw std::runtime_error("cannot read /proc/" + std::to_string(pid));
    }
    return *sample;
}

// Handles what the agent sent us (queued while we slept); returns how many calls that was.
std::uint64_t drain_incoming(BenchContext& context) {
    const auto before = context.bluez.calls().total();
    while (check(sd_bus_process(context.bus, nullptr), "sd_bus_process") > 0) {
    }
    return context.bluez.calls().total() - before;
}

}  // namespace

int run_idle(BenchContext& context) {
    // Settle: whatever start-up left to do (deferred audit events, ...) is finished once the
    // agent stays asleep for a quarter of a second. Bounded by a deadline; reported if not.
    constexpr auto kQuiet = std::chrono::milliseconds(250);
    const auto settle_deadline = Clock::now() + std::chrono::seconds(10);
    bool settled = false;
    while (!settled && Clock::now() < settle_deadline) {
        drain_incoming(context);
        const auto a = require_sample(context.agent_pid);
        std::this_thread::sleep_for(kQuiet);
        const auto b = require_sample(context.agent_pid);
        settled = a.voluntary_switches == b.voluntary_switches &&
                  a.involuntary_switches == b.involuntary_switches;
    }
    drain_incoming(context);

    const auto before = require_sample(context.agent_pid);
    std::this_thread::sleep_for(std::chrono::duration<double>(context.options.idle_seconds));
    const auto after = require_sample(context.agent_pid);
    const auto calls = drain_incoming(context);

    put_result("idle.settled", static_cast<std::int64_t>(settled ? 1 : 0));
    put_result("idle.seconds", context.options.idle_seconds);
    put_result("idle.voluntary_switches",
               static_cast<std::int64_t>(after.voluntary_switches - before.voluntary_switches));
    put_result("idle.involuntary_switches",
               static_cast<std::int64_t>(after.involuntary_switches - before.involuntary_switches));
    put_result("idle.cpu_ms", (after.cpu_seconds - before.cpu_seconds) * 1000.0);
    put_result("idle.calls_to_bluez", static_cast<std::int64_t>(calls));
    put_result("idle.rss_kib", after.rss_kib);
    put_result("idle.rss_anon_kib", after.anon_kib);
    put_result("idle.rss_file_kib", after.file_kib);
    put_result("idle.hwm_kib", after.hwm_kib);
    put_result("idle.devices_at_start", static_cast<std::int64_t>(context.options.crowd) + 1);
    return 0;
}

}  // namespace btfence::bench
