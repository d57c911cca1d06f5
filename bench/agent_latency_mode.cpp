// agent-latency: Agent1.RequestAuthorization round trips for an allowed FIDO key — on a
// quiet bus ("idle"), then (with --churn-rate) while RSSI PropertiesChanged stream in from
// the same org.bluez connection ("churn"), as they would from bluetoothd in a crowded room.
//
// With --agents N, N agents are registered at once (the script runs null_agent next to
// btfenced) and the calls go to each in turn, one at a time, the order rotating: paired
// samples taken at the same moments, so that a noisy machine slows both sides alike.
//
// Each phase runs twice when --call-gap-ms is given: back to back (the next call leaves the
// moment the previous reply arrives, so it also waits for whatever the agent does after
// replying, e.g. writing the audit event) and spaced ("-spaced": calls --call-gap-ms apart,
// as real pairing requests are; the pure call-to-reply time).
#include <cstdio>
#include <optional>
#include <string>

#include "bench_context.hpp"
#include "support/process_stats.hpp"
#include "support/results.hpp"

namespace btfence::bench {
namespace {

// samples[a] = the round trips of agent a.
std::vector<std::vector<double>> measure_round_trips(BenchContext& context, Clock::duration gap) {
    const std::size_t n = context.agents.size();
    const auto pause = [&] {
        if (gap > Clock::duration::zero()) {
            // The pump keeps running: churn continues and the agents' calls are served.
            context.pump.run_until([] { return false; }, Clock::now() + gap);
        }
    };
    const auto one_turn = [&](std::size_t turn, std::vector<std::vector<double>>* samples) {
        for (std::size_t k = 0; k < n; ++k) {
            const std::size_t a = (turn + k) % n;
            const double latency = authorization_round_trip(context, context.agents[a].registration,
                                                            context.fido_path);
            if (samples != nullptr) {
                (*samples)[a].push_back(latency);
            }
            pause();
        }
    };
    for (std::size_t turn = 0; turn < context.options.warmup; ++turn) {
        one_turn(turn, nullptr);
    }
    std::vector<std::vector<double>> samples(n);
    for (auto& list : samples) {
        list.reserve(context.options.samples);
    }
    for (std::size_t turn = 0; turn < context.options.samples; ++turn) {
        one_turn(turn, &samples);
    }
    return samples;
}

void measure_phase(BenchContext& context, const std::string& phase, double churn_rate,
                   Clock::duration gap) {
    PacedEmitter churn = crowd_churn(context, churn_rate);
    std::vector<std::optional<ProcessSample>> before;
    for (const auto& agent : context.agents) {
        before.push_back(sample_process(agent.pid));
    }
    if (churn_rate > 0) {
        churn.start(Clock::now());
        context.pump.add(churn);
        // Let the stream reach its rate before the first measured call.
        context.pump.run_until([] { return false; }, Clock::now() + std::chrono::milliseconds(500));
    }
    const auto samples = measure_round_trips(context, gap);
    churn.stop(Clock::now());
    context.pump.remove(churn);

    for (std::size_t a = 0; a < context.agents.size(); ++a) {
        const auto& agent = context.agents[a];
        const std::string prefix = agent.label + "." + phase;
        put_summary(prefix, summarize(samples[a]));
        const auto after = sample_process(agent.pid);
        if (churn_rate > 0 && before[a] && after) {
            // Share of one core the agent used while the churn ran.
            put_result(prefix + ".cpu_share",
                       (after->cpu_seconds - before[a]->cpu_seconds) / churn.elapsed_seconds());
        }
    }
    if (churn_rate > 0) {
        put_result(phase + ".churn_target_rate", churn_rate);
        put_result(phase + ".churn_achieved_rate", churn.achieved_rate());
        put_result(phase + ".churn_skipped", static_cast<std::int64_t>(churn.skipped()));
    }
}

}  // namespace

int run_agent_latency(BenchContext& context) {
    const auto gap = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double, std::milli>(context.options.call_gap_ms));
    const bool spaced = context.options.call_gap_ms > 0;
    const double churn = context.options.churn_rate;

    measure_phase(context, "idle", 0, Clock::duration::zero());
    if (spaced) {
        measure_phase(context, "idle-spaced", 0, gap);
    }
    if (churn > 0) {
        measure_phase(context, "churn", churn, Clock::duration::zero());
        if (spaced) {
            measure_phase(context, "churn-spaced", churn, gap);
        }
    }
    return 0;
}

}  // namespace btfence::bench
