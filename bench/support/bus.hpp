#pragma once
// RAII and error helpers over sd-bus for the benchmark tools. The tools use sd-bus directly
// (not sdbus-c++) so that their own overhead stays close to the floor being measured.
#include <systemd/sd-bus.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

namespace btfence::bench {

using Clock = std::chrono::steady_clock;

struct BusUnref {
    void operator()(sd_bus* bus) const { sd_bus_flush_close_unref(bus); }
};
struct MessageUnref {
    void operator()(sd_bus_message* message) const { sd_bus_message_unref(message); }
};
struct SlotUnref {
    void operator()(sd_bus_slot* slot) const { sd_bus_slot_unref(slot); }
};
struct CredsUnref {
    void operator()(sd_bus_creds* creds) const { sd_bus_creds_unref(creds); }
};
using BusPtr = std::unique_ptr<sd_bus, BusUnref>;
using MessagePtr = std::unique_ptr<sd_bus_message, MessageUnref>;
using SlotPtr = std::unique_ptr<sd_bus_slot, SlotUnref>;
using CredsPtr = std::unique_ptr<sd_bus_creds, CredsUnref>;

/// sd-bus returns -errno on failure; the benches treat any failure as fatal.
inline int check(int result, const char* what) {
    if (result < 0) {
        throw std::system_error(-result, std::generic_category(), what);
    }
    return result;
}

/// The system bus; DBUS_SYSTEM_BUS_ADDRESS points it at the benchmark's private dbus-daemon.
inline BusPtr open_system_bus() {
    sd_bus* bus = nullptr;
    check(sd_bus_open_system(&bus), "sd_bus_open_system");
    return BusPtr(bus);
}

inline double to_us(Clock::duration duration) {
    return std::chrono::duration<double, std::micro>(duration).count();
}

inline double to_ms(Clock::duration duration) {
    return std::chrono::duration<double, std::milli>(duration).count();
}

inline double to_s(Clock::duration duration) {
    return std::chrono::duration<double>(duration).count();
}

/// Microseconds from `now` until `deadline`, 0 when it has passed (sd_bus_wait's unit).
inline std::uint64_t usec_until(Clock::time_point now, Clock::time_point deadline) {
    if (deadline <= now) {
        return 0;
    }
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(deadline - now).count());
}

}  // namespace btfence::bench
