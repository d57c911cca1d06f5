#include "enforce/removal.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace btfence::enforce {
namespace {

const char* step_name(RemovalStep step) {
    switch (step) {
        case RemovalStep::Block:
            return "Blocked=true";
        case RemovalStep::Disconnect:
            return "Disconnect";
        case RemovalStep::RemoveDevice:
            return "RemoveDevice";
    }
    return "?";
}

std::string seconds(retry::Clock::duration delay) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(delay).count();
    return std::to_string(ms / 1000) + "." + std::to_string((ms % 1000) / 100) + " s";
}

}  // namespace

void Remover::start(const bluez::DevicePath& device, RemovalPlan plan, audit::Event event) {
    if (const auto it = removals_.find(device.str()); it != removals_.end()) {
        // Under way; or withdrawn with its RemoveDevice still in flight, and denied again:
        // then it goes on as it was (retried if that RemoveDevice fails).
        it->second.withdrawn = false;
        return;
    }
    Removal removal{.id = next_id_++,
                    .device = device,
                    .steps = {},
                    .step = 0,
                    .remove_sent = false,
                    .in_flight = false,
                    .withdrawn = false,
                    .last_timed_out = false,
                    .backoff = retries_.backoff(),
                    .retry = {},
                    .event = std::move(event),
                    .failure_reported = false};
    if (plan.block_first) {
        removal.steps.push_back(RemovalStep::Block);
    }
    removal.steps.push_back(RemovalStep::Disconnect);
    removal.steps.push_back(RemovalStep::RemoveDevice);
    auto [it, inserted] = removals_.emplace(device.str(), std::move(removal));
    run_step(it->second);
}

void Remover::run_step(Removal& removal) {
    const std::string path = removal.device.str();
    const std::uint64_t id = removal.id;
    auto answered = [this, path, id](const bluez::CallResult& error) {
        step_answered(path, id, error);
    };
    removal.in_flight = true;
    switch (removal.steps[removal.step]) {
        case RemovalStep::Block:
            calls_.set_blocked(removal.device, true, std::move(answered));
            break;
        case RemovalStep::Disconnect:
            calls_.disconnect_device(removal.device, std::move(answered));
            break;
        case RemovalStep::RemoveDevice:
            removal.remove_sent = true;
            calls_.remove_device(bluez::adapter_of(removal.device), removal.device,
                                 std::move(answered));
            break;
    }
}

void Remover::step_answered(const std::string& path, std::uint64_t id,
                            const bluez::CallResult& error) {
    const auto it = removals_.find(path);
    if (it == removals_.end() || it->second.id != id) {
        return;  // this removal ended meanwhile (device gone, withdrawn, bluetoothd left)
    }
    Removal& removal = it->second;
    removal.in_flight = false;
    const RemovalStep step = removal.steps[removal.step];
    if (step == RemovalStep::RemoveDevice) {
        if (!error) {
            finish(path, End::Removed);
        } else if (error->object_gone()) {
            finish(path, End::AlreadyGone, error->describe());
        } else if (removal.withdrawn) {
            removal.last_timed_out = error->kind() == bluez::ErrorKind::NoReply;
            finish(path, End::Withdrawn);
        } else {
            removal.last_timed_out = error->kind() == bluez::ErrorKind::NoReply;
            remove_failed(removal, *error);
        }
        return;
    }
    // Block and Disconnect only prepare the removal: whatever they answer (NotConnected is
    // the usual answer of Disconnect; a timeout must not hold the bond), RemoveDevice follows.
    if (error && error->kind() != bluez::ErrorKind::NotConnected) {
        spdlog::info("{} of {} answered {}; going on with the removal", step_name(step), path,
                     error->describe());
    }
    ++removal.step;
    run_step(removal);
}

void Remover::remove_failed(Removal& removal, const bluez::BluezError& error) {
    const auto delay = removal.backoff.next();
    const std::string path = removal.device.str();
    if (!removal.failure_reported) {
        removal.failure_reported = true;
        audit::Event event = removal.event;
        event.outcome = audit::Outcome::Failure;
        event.reason += "; RemoveDevice failed: " + error.describe() + "; retrying in " +
                        seconds(delay) + " and until it succeeds";
        event.message = "FAILED to remove (retrying): " + event.message;
        emit_(std::move(event));
    } else {
        spdlog::warn("RemoveDevice of {} failed again ({} failures): {}; retrying in {}", path,
                     removal.backoff.failures(), error.describe(), seconds(delay));
    }
    const std::uint64_t id = removal.id;
    removal.retry = retries_.schedule(delay, [this, path, id] {
        const auto it = removals_.find(path);
        if (it != removals_.end() && it->second.id == id) {
            run_step(it->second);
        }
    });
}

void Remover::device_gone(const std::string& device_path) {
    const auto it = removals_.find(device_path);
    if (it == removals_.end()) {
        return;
    }
    // bluetoothd removes the object before it answers RemoveDevice (src/adapter.c
    // btd_adapter_remove_device, then the reply): with RemoveDevice sent, this is its success.
    finish(device_path, it->second.remove_sent ? End::Removed : End::Vanished);
}

void Remover::withdraw(const std::string& device_path) {
    const auto it = removals_.find(device_path);
    if (it == removals_.end()) {
        return;
    }
    Removal& removal = it->second;
    if (removal.in_flight && removal.steps[removal.step] == RemovalStep::RemoveDevice) {
        // bluetoothd has the call and will act on it: say what it did once it answers.
        removal.withdrawn = true;
        return;
    }
    finish(device_path, End::Withdrawn);
}

void Remover::abandon_all() {
    std::vector<std::string> paths;
    paths.reserve(removals_.size());
    for (const auto& [path, removal] : removals_) {
        paths.push_back(path);
    }
    for (const auto& path : paths) {
        finish(path, End::Abandoned);
    }
}

void Remover::finish(const std::string& path, End end, const std::string& detail) {
    const auto it = removals_.find(path);
    if (it == removals_.end()) {
        return;
    }
    Removal removal = std::move(it->second);
    removals_.erase(it);
    removal.retry.reset();
    audit::Event event = std::move(removal.event);
    const unsigned failures = removal.backoff.failures();
    const std::string after =
        failures > 0 ? " after " + std::to_string(failures) + " failed attempt(s)" : "";
    switch (end) {
        case End::Removed:
            event.outcome = audit::Outcome::Success;
            event.reason += after.empty() ? "" : ";" + after;
            if (removal.withdrawn) {
                event.reason +=
                    "; the policy in force allowed it meanwhile, but RemoveDevice had already "
                    "been sent and bluetoothd carried it out";
            }
            break;
        case End::AlreadyGone:
            event.outcome = audit::Outcome::Success;
            event.reason += "; bluetoothd had already removed it (" + detail + ")" + after;
            break;
        case End::Vanished:
            event.outcome = audit::Outcome::Unknown;
            event.reason +=
                "; its Device1 object went away before RemoveDevice was sent (removed by "
                "another client, or its adapter went away); decided again if it reappears";
            event.message = "Device vanished before removal: " + event.message;
            break;
        case End::Withdrawn:
            event.outcome = audit::Outcome::Unknown;
            event.reason += "; removal stopped" + after + ": the policy in force allows it now";
            if (removal.last_timed_out) {
                event.reason +=
                    " (bluetoothd never answered the last RemoveDevice, which may still take "
                    "effect)";
            }
            event.message = "Stopped removing (policy now allows it): " + event.message;
            break;
        case End::Abandoned:
            event.outcome = audit::Outcome::Unknown;
            event.reason += "; bluetoothd left the bus before the removal completed" + after +
                            "; decided again when it returns";
            event.message = "Removal interrupted (bluetoothd left): " + event.message;
            break;
    }
    emit_(std::move(event));
}

}  // namespace btfence::enforce
