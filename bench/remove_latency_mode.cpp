// remove-latency: a keyboard (HID, UUIDs [0x1812]) appears (InterfacesAdded), then becomes
// Paired (PropertiesChanged Paired=true, Bonded=true) as if it had paired around the agent.
// Measured: from just before that signal is sent to the arrival of Adapter1.RemoveDevice for
// it (and of Device1.Disconnect, which btfenced sends first). A fresh device each time.
#include <cstdio>
#include <optional>
#include <stdexcept>

#include "bench_context.hpp"
#include "support/results.hpp"

namespace btfence::bench {
namespace {

constexpr std::uint32_t kFirstKeyboard = 1'000'000;

struct Removal {
    double disconnect_us = 0;
    double remove_us = 0;
};

}  // namespace

int run_remove_latency(BenchContext& context) {
    std::string watched;
    std::optional<Clock::time_point> disconnect_at;
    std::optional<Clock::time_point> remove_at;
    context.bluez.on_disconnect([&](const std::string& path, Clock::time_point when) {
        if (path == watched && !disconnect_at) {
            disconnect_at = when;
        }
    });
    context.bluez.on_remove_device([&](const std::string& path, Clock::time_point when) {
        if (path == watched && !remove_at) {
            remove_at = when;
        }
    });

    PacedEmitter churn = crowd_churn(context, context.options.churn_rate);
    if (context.options.churn_rate > 0) {
        churn.start(Clock::now());
        context.pump.add(churn);
    }

    std::vector<double> removes;
    std::vector<double> disconnects;
    const std::size_t total = context.options.warmup + context.options.samples;
    for (std::size_t i = 0; i < total; ++i) {
        const auto index = kFirstKeyboard + static_cast<std::uint32_t>(i);
        watched = FakeBluezService::device_path(index);
        disconnect_at.reset();
        remove_at.reset();
        context.bluez.add_device(watched,
                                 FakeDevice{FakeBluezService::device_address(index),
                                            "Bench keyboard " + std::to_string(i),
                                            {kHidUuid},
                                            false,
                                            -50},
                                 true);
        // Once the agent answers a Ping sent after InterfacesAdded, it has handled the
        // announcement (and finished writing the previous removal's audit event), so the
        // measurement starts from an idle agent.
        barrier(context);

        const auto paired_at = Clock::now();
        context.bluez.emit_paired(watched, true);
        const auto deadline = paired_at + std::chrono::seconds(5);
        if (!context.pump.run_until([&] { return remove_at.has_value(); }, deadline)) {
            std::fprintf(stderr,
                         "bench_bluez: no RemoveDevice(%s) within 5 s of PropertiesChanged "
                         "Paired=true, Bonded=true for a keyboard (UUIDs [%s]); Disconnect %s\n",
                         watched.c_str(), kHidUuid,
                         disconnect_at ? "was received" : "was not received either");
            put_result("remove.timeouts", static_cast<std::int64_t>(1));
            return 3;
        }
        if (i >= context.options.warmup) {
            removes.push_back(to_us(*remove_at - paired_at));
            disconnects.push_back(disconnect_at ? to_us(*disconnect_at - paired_at) : -1.0);
        }
    }
    churn.stop(Clock::now());
    context.pump.remove(churn);

    put_summary("remove", summarize(removes));
    put_summary("disconnect", summarize(disconnects));
    if (context.options.churn_rate > 0) {
        put_result("remove.churn_achieved_rate", churn.achieved_rate());
    }
    put_result("remove.disconnect_calls",
               static_cast<std::int64_t>(context.bluez.calls().disconnect));
    put_result("remove.remove_calls",
               static_cast<std::int64_t>(context.bluez.calls().remove_device));
    return 0;
}

}  // namespace btfence::bench
