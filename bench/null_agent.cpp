// null_agent: the baseline of the agent benchmarks. A do-nothing Agent1 on sd-bus that
// registers with org.bluez exactly as btfenced does (RegisterAgent + RequestDefaultAgent,
// object /org/btfence/agent, capability NoInputNoOutput) and answers every Agent1 method at
// once with an empty (accepting) reply. What bench_bluez measures against it is the floor:
// the bus, the kernel and the measuring tool, with no decision in between.
//
// --subscribe adds btfenced's match rules for org.bluez's signals with a handler that ignores
// them, so that dbus-daemon does the same routing work for the baseline as for btfenced.
#include <signal.h>
#include <systemd/sd-bus.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace {

constexpr const char* kAgentPath = "/org/btfence/agent";

int reply_empty(sd_bus_message* m, void* /*userdata*/, sd_bus_error* /*error*/) {
    return sd_bus_reply_method_return(m, "");
}

int reply_passkey(sd_bus_message* m, void* /*userdata*/, sd_bus_error* /*error*/) {
    return sd_bus_reply_method_return(m, "u", 0U);
}

int reply_pin_code(sd_bus_message* m, void* /*userdata*/, sd_bus_error* /*error*/) {
    return sd_bus_reply_method_return(m, "s", "0000");
}

int ignore(sd_bus_message* /*m*/, void* /*userdata*/, sd_bus_error* /*error*/) {
    return 0;
}

const sd_bus_vtable kAgentVtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD("Release", "", "", reply_empty, 0),
    SD_BUS_METHOD("RequestPinCode", "o", "s", reply_pin_code, 0),
    SD_BUS_METHOD("DisplayPinCode", "os", "", reply_empty, 0),
    SD_BUS_METHOD("RequestPasskey", "o", "u", reply_passkey, 0),
    SD_BUS_METHOD("DisplayPasskey", "ouq", "", reply_empty, 0),
    SD_BUS_METHOD("RequestConfirmation", "ou", "", reply_empty, 0),
    SD_BUS_METHOD("RequestAuthorization", "o", "", reply_empty, 0),
    SD_BUS_METHOD("AuthorizeService", "os", "", reply_empty, 0),
    SD_BUS_METHOD("Cancel", "", "", reply_empty, 0),
    SD_BUS_VTABLE_END,
};

// The rules btfenced adds (agent/daemon/bluez/bluez_watch.cpp).
const char* const kMatches[] = {
    "type='signal',interface='org.freedesktop.DBus.ObjectManager',member='InterfacesAdded',"
    "sender='org.bluez'",
    "type='signal',interface='org.freedesktop.DBus.ObjectManager',member='InterfacesRemoved',"
    "sender='org.bluez'",
    "type='signal',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
    "sender='org.bluez',path_namespace='/org/bluez'",
};

int fail(const char* what, int result) {
    std::fprintf(stderr, "null_agent: %s: %s\n", what, std::strerror(-result));
    return 1;
}

int call_agent_manager(sd_bus* bus, const char* method, const char* types, const char* arg1,
                       const char* arg2) {
    sd_bus_error error = SD_BUS_ERROR_NULL;
    const int result =
        types[1] == 's'
            ? sd_bus_call_method(bus, "org.bluez", "/org/bluez", "org.bluez.AgentManager1", method,
                                 &error, nullptr, types, arg1, arg2)
            : sd_bus_call_method(bus, "org.bluez", "/org/bluez", "org.bluez.AgentManager1", method,
                                 &error, nullptr, types, arg1);
    if (result < 0) {
        std::fprintf(stderr, "null_agent: %s failed: %s: %s\n", method,
                     error.name != nullptr ? error.name : "",
                     error.message != nullptr ? error.message : "");
    }
    sd_bus_error_free(&error);
    return result;
}

volatile std::sig_atomic_t stop_requested = 0;

void request_stop(int /*signal*/) {
    stop_requested = 1;
}

}  // namespace

int main(int argc, char** argv) {
    bool subscribe = false;
    for (int i = 1; i < argc; ++i) {
        if (std::string_view(argv[i]) == "--subscribe") {
            subscribe = true;
        } else {
            std::fprintf(stderr, "usage: null_agent [--subscribe]\n");
            return 2;
        }
    }

    // SIGTERM/SIGINT interrupt sd_bus_wait (no SA_RESTART) and end the loop cleanly.
    struct sigaction action {};
    action.sa_handler = request_stop;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);

    sd_bus* bus = nullptr;
    int result = sd_bus_open_system(&bus);
    if (result < 0) {
        return fail("sd_bus_open_system", result);
    }
    if ((result = sd_bus_add_object_vtable(bus, nullptr, kAgentPath, "org.bluez.Agent1",
                                           kAgentVtable, nullptr)) < 0) {
        return fail("sd_bus_add_object_vtable", result);
    }
    if (subscribe) {
        for (const char* rule : kMatches) {
            if ((result = sd_bus_add_match(bus, nullptr, rule, ignore, nullptr)) < 0) {
                return fail("sd_bus_add_match", result);
            }
        }
    }
    if (call_agent_manager(bus, "RegisterAgent", "os", kAgentPath, "NoInputNoOutput") < 0 ||
        call_agent_manager(bus, "RequestDefaultAgent", "o", kAgentPath, nullptr) < 0) {
        return 1;
    }
    std::printf("ready\n");
    std::fflush(stdout);

    // The plainest loop sd-bus allows: handle every queued message, then sleep until the
    // socket has more. No timers: when nothing arrives, nothing runs.
    while (stop_requested == 0) {
        result = sd_bus_process(bus, nullptr);
        if (result < 0) {
            return fail("sd_bus_process", result);
        }
        if (result > 0) {
            continue;
        }
        result = sd_bus_wait(bus, UINT64_MAX);
        if (result < 0 && result != -EINTR) {
            return fail("sd_bus_wait", result);
        }
    }
    sd_bus_flush_close_unref(bus);
    return 0;
}
