#include "service_notifier.hpp"

#include <systemd/sd-daemon.h>

#include <ctime>

namespace btfence {
namespace {

void notify(const std::string& state) {
    sd_notify(0, state.c_str());
}

std::string monotonic_usec() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return std::to_string(static_cast<long long>(now.tv_sec) * 1000000LL + now.tv_nsec / 1000);
}

}  // namespace

void SdNotifier::ready(const std::string& status) {
    notify("READY=1\nSTATUS=" + status);
}
// systemd 253+ wants MONOTONIC_USEC with RELOADING=1 for Type=notify-reload; harmless on 252.
void SdNotifier::reloading() {
    notify("RELOADING=1\nMONOTONIC_USEC=" + monotonic_usec() + "\nSTATUS=Reloading policy");
}
void SdNotifier::stopping() {
    notify("STOPPING=1\nSTATUS=Stopping");
}
void SdNotifier::status(const std::string& status) {
    notify("STATUS=" + status);
}

}  // namespace btfence
