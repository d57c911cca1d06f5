#include "agent_call.hpp"

namespace btfence::bench {

AgentCall::AgentCall(sd_bus* bus, const AgentRegistration& agent, const char* method,
                     const std::string& device_path, std::chrono::microseconds timeout) {
    sd_bus_message* raw = nullptr;
    check(sd_bus_message_new_method_call(bus, &raw, agent.sender.c_str(), agent.path.c_str(),
                                         "org.bluez.Agent1", method),
          "new Agent1 call");
    MessagePtr call(raw);
    check(sd_bus_message_append_basic(call.get(), 'o', device_path.c_str()), "append device");
    sd_bus_slot* slot = nullptr;
    sent_at_ = Clock::now();
    check(sd_bus_call_async(bus, &slot, call.get(), &AgentCall::on_reply, this,
                            static_cast<std::uint64_t>(timeout.count())),
          "sd_bus_call_async");
    slot_.reset(slot);
}

int AgentCall::on_reply(sd_bus_message* reply, void* userdata, sd_bus_error* /*error*/) {
    auto* self = static_cast<AgentCall*>(userdata);
    self->answered_at_ = Clock::now();
    self->finished_ = true;
    if (sd_bus_message_is_method_error(reply, nullptr) > 0) {
        const sd_bus_error* error = sd_bus_message_get_error(reply);
        self->error_ = std::string(error != nullptr && error->name != nullptr ? error->name
                                                                              : "unknown error") +
                       ": " + (error != nullptr && error->message != nullptr ? error->message : "");
    }
    return 1;
}

}  // namespace btfence::bench
