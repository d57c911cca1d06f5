#include "bench_context.hpp"

#include <stdexcept>

#include "agent_call.hpp"

namespace btfence::bench {

double authorization_round_trip(BenchContext& context, const AgentRegistration& agent,
                                const std::string& device_path) {
    AgentCall call(context.bus, agent, "RequestAuthorization", device_path,
                   std::chrono::seconds(60));
    // Only a guard against a hang (agents run under valgrind for the instruction counts).
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    if (!context.pump.run_until([&] { return call.finished(); }, deadline)) {
        throw std::runtime_error("RequestAuthorization(" + device_path + ") to " + agent.sender +
                                 " was not answered within 60 s");
    }
    if (!call.accepted()) {
        throw std::runtime_error("RequestAuthorization(" + device_path + ") to " + agent.sender +
                                 " for an allowed FIDO key was refused: " + call.error());
    }
    return call.latency_us();
}

void barrier(BenchContext& context, const std::vector<std::string>& connections) {
    std::size_t answered = 0;
    const auto on_reply = [](sd_bus_message* /*reply*/, void* userdata, sd_bus_error* /*error*/) {
        ++*static_cast<std::size_t*>(userdata);
        return 1;
    };
    std::vector<SlotPtr> slots;
    for (const auto& name : connections) {
        sd_bus_slot* raw = nullptr;
        check(
            sd_bus_call_method_async(context.bus, &raw, name.c_str(), "/",
                                     "org.freedesktop.DBus.Peer", "Ping", on_reply, &answered, ""),
            "Peer.Ping");
        slots.emplace_back(raw);
    }
    if (!context.pump.run_until([&] { return answered == connections.size(); },
                                Clock::now() + std::chrono::seconds(60))) {
        throw std::runtime_error("Peer.Ping to the agent's connections not answered within 60 s");
    }
}

PacedEmitter crowd_churn(BenchContext& context, double rate) {
    return PacedEmitter(context.bus, rate, [&context](std::uint64_t sequence) {
        const auto& paths = context.crowd_paths;
        const auto& path = paths[sequence % paths.size()];
        // RSSI wanders between -40 and -89 dBm, as it does for real advertisers.
        context.bluez.emit_rssi(
            path, static_cast<std::int16_t>(-40 - static_cast<int>((sequence / 7) % 50)));
    });
}

}  // namespace btfence::bench
