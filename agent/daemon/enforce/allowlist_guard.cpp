#include "enforce/allowlist_guard.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "decision_events.hpp"

namespace btfence::enforce {
namespace {

std::string join(const std::vector<std::string>& list) {
    std::string out;
    for (const auto& item : list) {
        out += (out.empty() ? "" : ",") + item;
    }
    return out;
}

}  // namespace

bool AllowlistGuard::wanted_on(const bluez::AdapterState& adapter) const {
    const policy::Policy& policy = policies_.current();
    return policy.bluez.service_allowlist == policy::ServiceAllowlistMode::Auto &&
           policy.manages_adapter(adapter.name, adapter.address);
}

void AllowlistGuard::adapter_added(const bluez::AdapterState& adapter) {
    if (!wanted_on(adapter)) {
        return;
    }
    if (!adapter.has_admin_policy) {
        if (unavailable_reported_.insert(adapter.path).second) {
            audit::Event event =
                policy_event(audit::Action::ServiceAllowlistUnavailable, &policies_.current(),
                             "Adapter " + adapter.name +
                                 " has no org.bluez.AdminPolicySet1 (bluetoothd built without the "
                                 "admin plugin); profile lockdown is not available, pairing "
                                 "enforcement is unaffected");
            event.outcome = audit::Outcome::Success;
            event.reason = "AdminPolicySet1 absent on " + adapter.path;
            emit_(std::move(event));
        }
        return;
    }
    apply(adapter, "adapter-added");
}

void AllowlistGuard::allowlist_changed(const bluez::AdapterState& adapter) {
    if (!wanted_on(adapter) || !adapter.has_admin_policy) {
        return;
    }
    if (!adapter.service_allowlist) {
        apply(adapter, "admin-interface-added");
        return;
    }
    const auto expected = policies_.current().service_allowlist();
    if (*adapter.service_allowlist == expected || applying_.contains(adapter.path)) {
        return;
    }
    if (policies_.current().mode == policy::Mode::Audit) {
        return;  // nothing is changed in audit mode, so nothing can be tampered with
    }
    audit::Event event = policy_event(audit::Action::TamperDetected, &policies_.current(),
                                      "The service allowlist of " + adapter.name +
                                          " was changed behind btfenced's back; restoring it");
    event.outcome = audit::Outcome::Success;
    event.reason =
        "found [" + join(*adapter.service_allowlist) + "], policy wants [" + join(expected) + "]";
    event.trigger = "AdminPolicyStatus1.ServiceAllowList";
    emit_(std::move(event));
    apply(adapter, "tamper-restore");
}

void AllowlistGuard::adapter_removed(const std::string& path) {
    unavailable_reported_.erase(path);
    applying_.erase(path);
}

void AllowlistGuard::apply_all(const bluez::BluezMirror& mirror) {
    for (const auto& [path, adapter] : mirror.adapters()) {
        adapter_added(adapter);
    }
}

void AllowlistGuard::reset() {
    unavailable_reported_.clear();
    applying_.clear();
}

void AllowlistGuard::apply(const bluez::AdapterState& adapter, const char* why) {
    const policy::Policy& policy = policies_.current();
    if (policy.mode == policy::Mode::Audit) {
        audit::Event event =
            policy_event(audit::Action::ServiceAllowlistApplied, &policy,
                         "Audit mode: would set the service allowlist of " + adapter.name);
        event.outcome = audit::Outcome::Unknown;
        event.reason = "[" + join(policy.service_allowlist()) + "]";
        event.trigger = why;
        emit_(std::move(event));
        return;
    }
    // A newer reason to apply replaces a call in flight or a retry: the answer of the old
    // call is ignored (its id no longer matches), the list is read from the policy again.
    const std::uint64_t id = next_id_++;
    applying_.insert_or_assign(adapter.path, Applying{.id = id,
                                                      .adapter = adapter,
                                                      .why = why,
                                                      .backoff = retries_.backoff(),
                                                      .retry = {},
                                                      .failure_reported = false});
    send(adapter.path, id);
}

void AllowlistGuard::send(const std::string& path, std::uint64_t id) {
    const auto list = policies_.current().service_allowlist();
    calls_.set_service_allowlist(bluez::AdapterPath(path), list,
                                 [this, path, id, list](const bluez::CallResult& error) {
                                     answered(path, id, list, error);
                                 });
}

void AllowlistGuard::answered(const std::string& path, std::uint64_t id,
                              const std::vector<std::string>& list,
                              const bluez::CallResult& error) {
    const auto it = applying_.find(path);
    if (it == applying_.end() || it->second.id != id) {
        return;  // replaced by a newer apply, or the adapter (or bluetoothd) went away
    }
    Applying& applying = it->second;
    const bool retry = error && !error->object_gone() && !error->bluez_gone();
    if (retry && applying.failure_reported) {
        const auto delay = applying.backoff.next();
        spdlog::warn("SetServiceAllowList on {} failed again: {}; retrying in {} ms", path,
                     error->describe(),
                     std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
        applying.retry = retries_.schedule(delay, [this, path, id] { send(path, id); });
        return;
    }
    audit::Event event =
        policy_event(audit::Action::ServiceAllowlistApplied, &policies_.current(),
                     (error ? "FAILED to set" : "Set") + std::string(" the service allowlist of ") +
                         applying.adapter.name + (retry ? " (retrying)" : ""));
    event.outcome = error ? audit::Outcome::Failure : audit::Outcome::Success;
    event.reason = "[" + join(list) + "]" + (error ? "; " + error->describe() : std::string());
    event.trigger = applying.why;
    if (retry) {
        applying.failure_reported = true;
        const auto delay = applying.backoff.next();
        event.reason +=
            "; retrying in " +
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(delay).count()) +
            " ms and until it succeeds";
        applying.retry = retries_.schedule(delay, [this, path, id] { send(path, id); });
    } else {
        applying_.erase(it);
    }
    emit_(std::move(event));
}

}  // namespace btfence::enforce
