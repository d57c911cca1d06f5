#include "enforce/block_setter.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <vector>

namespace btfence::enforce {
namespace {

std::string value_of(bool blocked) {
    return blocked ? "Blocked = true" : "Blocked = false";
}

std::string seconds(retry::Clock::duration delay) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(delay).count();
    return std::to_string(ms / 1000) + "." + std::to_string((ms % 1000) / 100) + " s";
}

}  // namespace

void BlockSetter::start(const bluez::DevicePath& device, bool blocked, audit::Event event) {
    const auto it = operations_.find(device.str());
    if (it != operations_.end()) {
        if (it->second.blocked == blocked) {
            return;
        }
        finish(device.str(), End::Superseded);
    }
    Operation operation{.id = next_id_++,
                        .device = device,
                        .blocked = blocked,
                        .backoff = retries_.backoff(),
                        .retry = {},
                        .event = std::move(event),
                        .failure_reported = false};
    auto [inserted, ok] = operations_.emplace(device.str(), std::move(operation));
    send(inserted->second);
}

void BlockSetter::send(Operation& operation) {
    const std::string path = operation.device.str();
    const std::uint64_t id = operation.id;
    calls_.set_blocked(
        operation.device, operation.blocked,
        [this, path, id](const bluez::CallResult& error) { answered(path, id, error); });
}

void BlockSetter::answered(const std::string& path, std::uint64_t id,
                           const bluez::CallResult& error) {
    const auto it = operations_.find(path);
    if (it == operations_.end() || it->second.id != id) {
        return;  // ended meanwhile (device gone, superseded, bluetoothd left)
    }
    if (!error) {
        finish(path, End::Done);
        return;
    }
    if (error->object_gone()) {
        finish(path, End::Gone, error->describe());
        return;
    }
    if (error->bluez_gone()) {
        finish(path, End::Abandoned);  // its return sweeps, which decides again
        return;
    }
    Operation& operation = it->second;
    const auto delay = operation.backoff.next();
    if (!operation.failure_reported) {
        operation.failure_reported = true;
        audit::Event event = operation.event;
        event.outcome = audit::Outcome::Failure;
        event.reason += "; " + value_of(operation.blocked) + " failed: " + error->describe() +
                        "; retrying in " + seconds(delay) + " and until it succeeds";
        event.message = "FAILED (retrying): " + event.message;
        emit_(std::move(event));
    } else {
        spdlog::warn("{} on {} failed again ({} failures): {}; retrying in {}",
                     value_of(operation.blocked), path, operation.backoff.failures(),
                     error->describe(), seconds(delay));
    }
    operation.retry = retries_.schedule(delay, [this, path, id] {
        const auto found = operations_.find(path);
        if (found != operations_.end() && found->second.id == id) {
            send(found->second);
        }
    });
}

void BlockSetter::device_gone(const std::string& device_path) {
    finish(device_path, End::Vanished);
}

void BlockSetter::abandon_all() {
    std::vector<std::string> paths;
    paths.reserve(operations_.size());
    for (const auto& [path, operation] : operations_) {
        paths.push_back(path);
    }
    for (const auto& path : paths) {
        finish(path, End::Abandoned);
    }
}

void BlockSetter::finish(const std::string& path, End end, const std::string& detail) {
    const auto it = operations_.find(path);
    if (it == operations_.end()) {
        return;
    }
    Operation operation = std::move(it->second);
    operations_.erase(it);
    operation.retry.reset();
    audit::Event event = std::move(operation.event);
    const unsigned failures = operation.backoff.failures();
    const std::string after =
        failures > 0 ? " after " + std::to_string(failures) + " failed attempt(s)" : "";
    const std::string what = value_of(operation.blocked);
    switch (end) {
        case End::Done:
            event.outcome = audit::Outcome::Success;
            event.reason += after.empty() ? "" : ";" + after;
            break;
        case End::Gone:
            event.outcome = audit::Outcome::Unknown;
            event.reason += "; bluetoothd no longer has the device (" + detail + ")" + after;
            break;
        case End::Vanished:
            event.outcome = audit::Outcome::Unknown;
            event.reason += "; its Device1 object went away before " + what + " was accepted" +
                            after + "; decided again if it reappears";
            break;
        case End::Superseded:
            event.outcome = audit::Outcome::Unknown;
            event.reason += "; superseded" + after + ": the opposite value was asked for since";
            break;
        case End::Abandoned:
            event.outcome = audit::Outcome::Unknown;
            event.reason += "; bluetoothd left the bus before " + what + " was accepted" + after +
                            "; decided again when it returns";
            break;
    }
    emit_(std::move(event));
}

}  // namespace btfence::enforce
