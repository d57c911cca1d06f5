// flood: a crowded room. PropertiesChanged at --flood-rate (default 50,000/s) for
// --flood-seconds, while --flood-devices distinct devices (default 100,000) are announced
// with InterfacesAdded at an even pace over the run; the changes go to the most recently
// announced --flood-window devices (RSSI, or rotating ServiceData for
// --service-data-percent of them).
//
// Whether the agent keeps up is read from Agent1 calls, which queue behind the signals sent
// before them: probes every --probe-interval-ms during the flood (a growing backlog shows as
// growing probe latency) and one probe sent the moment the flood stops (how long the backlog
// takes to drain). Memory and CPU come from /proc/PID of the agent.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>

#include "agent_call.hpp"
#include "bench_context.hpp"
#include "support/process_stats.hpp"
#include "support/results.hpp"

namespace btfence::bench {
namespace {

constexpr std::uint32_t kFirstFloodDevice = 2'000'000;

struct ProbeSample {
    double offset_s = 0;  ///< when it was sent, from the start of the flood
    double latency_us = 0;
};

struct RssSample {
    double offset_s = 0;
    std::uint32_t devices_announced = 0;
    std::int64_t rss_kib = 0;
};

double median_latency(const std::vector<ProbeSample>& probes, std::size_t from, std::size_t to) {
    std::vector<double> values;
    for (std::size_t i = from; i < to && i < probes.size(); ++i) {
        values.push_back(probes[i].latency_us);
    }
    return summarize(values).p50_us;
}

ProcessSample require_sample(pid_t pid, const char* what) {
    auto sample = sample_process(pid);
    if (!sample) {
        throw std::runtime_error(std::string("cannot read /proc/") + std::to_string(pid) + " (" +
                                 what + "): did the process exit?");
    }
    return *sample;
}

}  // namespace

int run_flood(BenchContext& context) {
    const BenchOptions& options = context.options;
    FakeBluezService& bluez = context.bluez;

    std::vector<std::string> flood_paths;
    flood_paths.reserve(options.flood_devices);
    const auto announce_next = [&] {
        const auto number = static_cast<std::uint32_t>(flood_paths.size());
        const auto index = kFirstFloodDevice + number;
        flood_paths.push_back(FakeBluezService::device_path(index));
        bluez.add_device(flood_paths.back(),
                         FakeDevice{FakeBluezService::device_address(index),
                                    "Crowd " + std::to_string(number),
                                    {},
                                    false,
                                    -70},
                         true);
    };
    // Announcements are never skipped (every device must be seen); only the change stream is
    // paced by what the bus takes.
    PacedEmitter announcer(
        context.bus, static_cast<double>(options.flood_devices) / options.flood_seconds,
        [&](std::uint64_t) {
            if (flood_paths.size() < options.flood_devices) {
                announce_next();
            }
        },
        std::chrono::hours(1));

    std::uint64_t service_data_changes = 0;
    PacedEmitter changes(context.bus, options.flood_rate, [&](std::uint64_t sequence) {
        const std::size_t window = std::min<std::size_t>(options.flood_window, flood_paths.size());
        const std::string& path = window >= options.flood_window
                                      ? flood_paths[flood_paths.size() - 1 - sequence % window]
                                      : context.crowd_paths[sequence % context.crowd_paths.size()];
        if (sequence % 100 < options.service_data_percent) {
            std::vector<std::uint8_t> bytes(20);
            for (std::size_t i = 0; i < bytes.size(); ++i) {
                bytes[i] = static_cast<std::uint8_t>((sequence >> (i % 8)) + i);
            }
            bluez.emit_service_data(path, bytes);
            ++service_data_changes;
        } else {
            bluez.emit_rssi(path,
                            static_cast<std::int16_t>(-40 - static_cast<int>((sequence / 7) % 50)));
        }
    });

    std::vector<ProbeSample> probes;
    std::size_t probe_errors = 0;
    std::size_t first_refusal_devices = 0;  ///< devices announced when a probe was first refused
    std::string last_probe_error;
    std::unique_ptr<AgentCall> probe;
    Clock::time_point flood_start{};
    const auto collect_probe = [&] {
        if (probe && probe->finished()) {
            // A refusal is still an answer, queued behind the same signals: it measures the
            // backlog just as well. Refusals are counted and reported (the key is allowed).
            probes.push_back({to_s(probe->sent_at() - flood_start), probe->latency_us()});
            if (!probe->accepted()) {
                if (probe_errors++ == 0) {
                    first_refusal_devices = flood_paths.size();
                }
                last_probe_error = probe->error();
            }
            probe.reset();
        }
    };
    PeriodicTask prober(
        std::chrono::microseconds(static_cast<std::int64_t>(options.probe_interval_ms * 1000)),
        [&](Clock::time_point) {
            collect_probe();
            if (!probe) {
                probe =
                    std::make_unique<AgentCall>(context.bus, context.agent, "RequestAuthorization",
                                                context.fido_path, std::chrono::seconds(60));
            }
        });

    std::vector<RssSample> rss_timeline;
    PeriodicTask rss_sampler(std::chrono::seconds(1), [&](Clock::time_point now) {
        if (auto sample = sample_process(context.agent_pid)) {
            rss_timeline.push_back({to_s(now - flood_start),
                                    static_cast<std::uint32_t>(flood_paths.size()),
                                    sample->rss_kib});
        }
    });

    const auto agent_before = require_sample(context.agent_pid, "agent before the flood");
    const std::optional<ProcessSample> bus_before =
        options.bus_pid > 0 ? sample_process(options.bus_pid) : std::nullopt;
    const double own_before = own_cpu_seconds();

    flood_start = Clock::now();
    const auto flood_end = flood_start + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(options.flood_seconds));
    announcer.start(flood_start);
    changes.start(flood_start);
    for (Ticker* ticker :
         std::initializer_list<Ticker*>{&announcer, &changes, &prober, &rss_sampler}) {
        context.pump.add(*ticker);
    }
    context.pump.run_until([] { return false; }, flood_end);
    const auto stopped = Clock::now();
    changes.stop(stopped);
    announcer.stop(stopped);
    for (Ticker* ticker :
         std::initializer_list<Ticker*>{&announcer, &changes, &prober, &rss_sampler}) {
        context.pump.remove(*ticker);
    }
    const std::size_t announced_in_time = flood_paths.size();
    while (flood_paths.size() < options.flood_devices) {
        announce_next();  // whatever the pacing left over, so that every device is seen
    }

    // The drain probe queues behind every signal still in our write queue, in dbus-daemon
    // and in the agent's socket: its answer means the backlog is gone.
    AgentCall drain(context.bus, context.agent, "RequestAuthorization", context.fido_path,
                    std::chrono::seconds(120));
    if (!context.pump.run_until([&] { return drain.finished() && (!probe || probe->finished()); },
                                Clock::now() + std::chrono::seconds(120))) {
        std::fprintf(stderr, "bench_bluez: the agent did not answer within 120 s of the flood\n");
        put_result("flood.drain_timeout", static_cast<std::int64_t>(1));
        return 3;
    }
    collect_probe();
    if (!drain.accepted()) {
        std::fprintf(stderr,
                     "bench_bluez: after the flood, RequestAuthorization(%s) for the allowed "
                     "FIDO key (UUIDs [%s], announced before the flood) was refused: %s\n",
                     context.fido_path.c_str(), kFidoUuid, drain.error().c_str());
        put_result("flood.drain_refused", drain.error());
    }
    const auto agent_after = require_sample(context.agent_pid, "agent after the flood");
    const std::optional<ProcessSample> bus_after =
        options.bus_pid > 0 ? sample_process(options.bus_pid) : std::nullopt;
    const double own_after = own_cpu_seconds();

    const double seconds = changes.elapsed_seconds();
    const auto signals = static_cast<double>(changes.sent() + flood_paths.size());
    put_result("flood.seconds", seconds);
    put_result("flood.target_rate", options.flood_rate);
    put_result("flood.changes_sent", static_cast<std::int64_t>(changes.sent()));
    put_result("flood.service_data_changes", static_cast<std::int64_t>(service_data_changes));
    put_result("flood.changes_skipped", static_cast<std::int64_t>(changes.skipped()));
    put_result("flood.changes_per_s", changes.achieved_rate());
    put_result("flood.devices_announced", static_cast<std::int64_t>(flood_paths.size()));
    put_result("flood.devices_announced_in_time", static_cast<std::int64_t>(announced_in_time));
    put_result("flood.signals_per_s", signals / seconds);
    put_result("flood.drain_ms", to_ms(drain.answered_at() - drain.sent_at()));

    const auto summary = [&] {
        std::vector<double> values;
        for (const auto& p : probes) {
            values.push_back(p.latency_us);
        }
        return summarize(values);
    }();
    put_summary("flood.probe", summary);
    const std::size_t third = probes.size() / 3;
    put_result("flood.probe_first_third_p50_us", median_latency(probes, 0, third));
    put_result("flood.probe_last_third_p50_us",
               median_latency(probes, probes.size() - third, probes.size()));
    put_result("flood.probes_refused", static_cast<std::int64_t>(probe_errors));
    if (!last_probe_error.empty()) {
        put_result("flood.probe_last_refusal", last_probe_error);
        put_result("flood.probe_first_refusal_devices",
                   static_cast<std::int64_t>(first_refusal_devices));
    }

    const double agent_cpu = agent_after.cpu_seconds - agent_before.cpu_seconds;
    put_result("agent.rss_kib_before", agent_before.rss_kib);
    put_result("agent.rss_kib_after", agent_after.rss_kib);
    put_result("agent.hwm_kib", agent_after.hwm_kib);
    put_result("agent.rss_anon_kib_after", agent_after.anon_kib);
    put_result("agent.rss_file_kib_after", agent_after.file_kib);
    for (const auto& sample : rss_timeline) {
        std::printf("rss %.1f s %u devices %lld KiB\n", sample.offset_s, sample.devices_announced,
                    static_cast<long long>(sample.rss_kib));
    }
    if (!rss_timeline.empty()) {
        put_result("agent.rss_kib_mid", rss_timeline[rss_timeline.size() / 2].rss_kib);
        put_result(
            "agent.rss_kib_mid_devices",
            static_cast<std::int64_t>(rss_timeline[rss_timeline.size() / 2].devices_announced));
    }
    put_result("agent.cpu_s", agent_cpu);
    put_result("agent.cpu_share", agent_cpu / seconds);
    put_result("agent.cpu_ms_per_1000_signals", agent_cpu * 1000.0 / (signals / 1000.0));
    // The quality bar counts per PropertiesChanged (docs/performance.md): the announcements'
    // cost is included in the CPU time (the CPU runs announce few devices, so it is a small
    // overestimate).
    if (changes.sent() > 0) {
        put_result("agent.cpu_us_per_change",
                   agent_cpu * 1e6 / static_cast<double>(changes.sent()));
    }
    if (bus_before && bus_after) {
        put_result("bus.cpu_share", (bus_after->cpu_seconds - bus_before->cpu_seconds) / seconds);
    }
    put_result("fake.cpu_share", (own_after - own_before) / seconds);
    put_result("fake.get_all_calls", static_cast<std::int64_t>(bluez.calls().get_all));
    put_result("fake.remove_calls", static_cast<std::int64_t>(bluez.calls().remove_device));
    return 0;
}

}  // namespace btfence::bench
