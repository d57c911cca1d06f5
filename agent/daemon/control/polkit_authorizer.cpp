#include "control/polkit_authorizer.hpp"

#include <systemd/sd-bus.h>

#include <chrono>
#include <cstdlib>
#include <map>

namespace btfence::control {
namespace {

constexpr std::chrono::seconds kBusDriverTimeout{5};
constexpr std::chrono::seconds kPolkitTimeout{25};

using Dict = std::map<std::string, sdbus::Variant>;
using Subject = sdbus::Struct<std::string, Dict>;
using PolkitResult = sdbus::Struct<bool, bool, std::map<std::string, std::string>>;

std::string describe(const sdbus::Error& error) {
    return error.getName() + ": " + error.getMessage();
}

/// "/org/freedesktop/systemd1/unit/sshd_2eservice" -> "sshd.service".
std::string unit_of_path(const std::string& path) {
    char* unit = nullptr;
    if (sd_bus_path_decode(path.c_str(), "/org/freedesktop/systemd1/unit", &unit) <= 0 ||
        unit == nullptr) {
        return {};
    }
    std::string out(unit);
    std::free(unit);  // NOLINT(cppcoreguidelines-no-malloc): sd-bus allocated it
    return out;
}

std::string refusal(ControlAction action, const std::string& why) {
    return "not authorized: " + std::string(polkit_action_id(action)) + " (" + why + ")";
}

}  // namespace

PolkitAuthorizer::PolkitAuthorizer(sdbus::IConnection& connection)
    : bus_driver_(sdbus::createProxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus")),
      systemd_(
          sdbus::createProxy(connection, "org.freedesktop.systemd1", "/org/freedesktop/systemd1")),
      polkit_(sdbus::createProxy(connection, "org.freedesktop.PolicyKit1",
                                 "/org/freedesktop/PolicyKit1/Authority")) {
    bus_driver_->finishRegistration();
    systemd_->finishRegistration();
    polkit_->finishRegistration();
}

void PolkitAuthorizer::authorize(const std::string& sender, ControlAction action, Done done) {
    bus_driver_->callMethodAsync("GetConnectionCredentials")
        .onInterface("org.freedesktop.DBus")
        .withTimeout(kBusDriverTimeout)
        .withArguments(sender)
        .uponReplyInvoke([this, sender, action, done = std::move(done)](const sdbus::Error* error,
                                                                        const Dict& credentials) {
            audit::CallerInfo caller;
            caller.bus_name = sender;
            const auto uid = credentials.find("UnixUserID");
            const auto pid = credentials.find("ProcessID");
            if (error != nullptr || uid == credentials.end() ||
                uid->second.peekValueType() != "u") {
                done(Authorization{
                    false, caller,
                    refusal(action, "cannot identify the caller: " +
                                        (error != nullptr ? describe(*error)
                                                          : std::string("no UnixUserID")))});
                return;
            }
            caller.uid = uid->second.get<std::uint32_t>();
            if (pid != credentials.end() && pid->second.peekValueType() == "u") {
                caller.pid = pid->second.get<std::uint32_t>();
            }
            if (is_mutating(action) && caller.pid != 0) {
                with_unit(std::move(caller), action, done);
            } else {
                decide(caller, action, done);
            }
        });
}

void PolkitAuthorizer::with_unit(audit::CallerInfo caller, ControlAction action, Done done) {
    const std::uint32_t pid = caller.pid;
    systemd_->callMethodAsync("GetUnitByPID")
        .onInterface("org.freedesktop.systemd1.Manager")
        .withTimeout(kBusDriverTimeout)
        .withArguments(pid)
        .uponReplyInvoke([this, caller = std::move(caller), action, done = std::move(done)](
                             const sdbus::Error* error, const sdbus::ObjectPath& unit) {
            // Only for the audit trail: no systemd (a test bus) leaves the unit empty.
            audit::CallerInfo named = caller;
            if (error == nullptr) {
                named.unit = unit_of_path(unit);
            }
            decide(named, action, done);
        });
}

void PolkitAuthorizer::decide(const audit::CallerInfo& caller, ControlAction action, Done done) {
    if (caller.uid == 0) {
        done(Authorization{true, caller, {}});
        return;
    }
    const Subject subject{"system-bus-name", Dict{{"name", sdbus::Variant(caller.bus_name)}}};
    const std::map<std::string, std::string> details;
    constexpr std::uint32_t kNoInteraction = 0;
    polkit_->callMethodAsync("CheckAuthorization")
        .onInterface("org.freedesktop.PolicyKit1.Authority")
        .withTimeout(kPolkitTimeout)
        .withArguments(subject, std::string(polkit_action_id(action)), details, kNoInteraction,
                       std::string())
        .uponReplyInvoke([caller, action, done = std::move(done)](const sdbus::Error* error,
                                                                  const PolkitResult& result) {
            if (error != nullptr) {
                done(Authorization{false, caller,
                                   refusal(action, "polkit could not be asked (" +
                                                       describe(*error) + "); only root may")});
                return;
            }
            const bool authorized = std::get<0>(result);
            const bool challenge = std::get<1>(result);
            if (authorized) {
                done(Authorization{true, caller, {}});
                return;
            }
            done(Authorization{
                false, caller,
                refusal(action, challenge
                                    ? "polkit requires authentication as an administrator: "
                                      "run it as root, e.g. with sudo"
                                    : "polkit says no for uid " + std::to_string(caller.uid))});
        });
}

}  // namespace btfence::control
