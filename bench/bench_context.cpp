#include "bench_context.hpp"

#include <stdexcept>

#include "agent_call.hpp"

namespace btfence::bench {

double authorization_round_trip(BenchContext& context, const AgentRegistration& agent,
                                const std::string& device_path) {
    AgentCall call(context.bus, agent, "RequestAuthorization", device_path);
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    if (!context.pump.run_until([&] { return call.finished(); }, deadline)) {
        throw std::runtime_error("RequestAuthorization(" + device_path + ") to " + agent.sender +
                                 " was not answered within 10 s");
    }
    if (!call.accepted()) {
        throw std::runtime_error("RequestAuthorization(" + device_path + ") to " + agent.sender +
                                 " for an allowed FIDO key was refused: " + call.error());
    }
    return call.latency_us();
}

void barrier(BenchContext& context, const AgentRegistration& agent) {
    bool answered = false;
    const auto on_reply = [](sd_bus_message* /*reply*/, void* userdata, sd_bus_error* /*error*/) {
        *static_cast<bool*>(userdata) = true;
        return 1;
    };
    sd_bus_slot* raw = nullptr;
    check(sd_bus_call_method_async(context.bus, &raw, agent.sender.c_str(), "/",
                                   "org.freedesktop.DBus.Peer", "Ping", on_reply, &answered, ""),
          "Peer.Ping");
    const SlotPtr slot(raw);
    if (!context.pump.run_until([&] { return answered; },
                                Clock::now() + std::chrono::seconds(10))) {
        throw std::runtime_error("Peer.Ping to " + agent.sender + " not answered within 10 s");
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
