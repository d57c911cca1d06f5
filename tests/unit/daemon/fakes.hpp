#pragma once
// Test doubles for the daemon's seams: BlueZ calls recorded and answered later (as bluetoothd
// answers them), a hand-driven retry timer, a fixed clock, and a policy written to a
// temporary file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bluez/bluez_calls.hpp"
#include "btfence/policy/time_format.hpp"
#include "clock.hpp"
#include "policy_store.hpp"
#include "retry/retry_queue.hpp"

namespace btfence::testing {

struct RecordedCall {
    std::string method;
    std::string path;
    std::string argument;
};

/// BluezCalls as bluetoothd would answer them, asynchronously. Every call is recorded and
/// then waits: nothing completes inside the call (the contract of bluez_calls.hpp). A test
/// answers waiting calls one at a time (answer()), or all of them (settle(): what the event
/// loop does between two signals), or lets bluetoothd leave (cancel_all()). Scripted failures
/// (fail_next/fail_always) decide how settle() answers a method; GetAll answers with
/// `device_properties` or UnknownObject, GetManagedObjects with `objects`.
class RecordingBluezCalls final : public bluez::BluezCalls {
  public:
    using Result = bluez::CallResult;

    std::vector<RecordedCall> calls;
    std::map<std::string, bluez::PropertyMap> device_properties;  ///< what GetAll returns
    bluez::ManagedObjects objects;  ///< what GetManagedObjects returns

    static bluez::BluezError error(bluez::ErrorKind kind, const std::string& message = "fake") {
        return {std::string(bluez::dbus_name(kind)), message};
    }
    /// The next `times` calls of `method` that settle() answers fail with `failure`.
    void fail_next(const std::string& method, const bluez::BluezError& failure, int times = 1) {
        for (int i = 0; i < times; ++i) {
            scripted_[method].push_back(failure);
        }
    }
    /// Every call of `method` answered by settle() fails with `failure` (nullopt: succeeds).
    void fail_always(const std::string& method, const Result& failure) {
        if (failure) {
            always_.insert_or_assign(method, *failure);
        } else {
            always_.erase(method);
        }
    }

    void register_agent(const bluez::ObjectPath& agent, const std::string& capability,
                        bluez::Done done) override {
        hold("RegisterAgent", "/org/bluez", agent.str() + " " + capability, plain(std::move(done)));
    }
    void request_default_agent(const bluez::ObjectPath& agent, bluez::Done done) override {
        hold("RequestDefaultAgent", "/org/bluez", agent.str(), plain(std::move(done)));
    }
    void unregister_agent(const bluez::ObjectPath& agent, bluez::Done done) override {
        hold("UnregisterAgent", "/org/bluez", agent.str(), plain(std::move(done)));
    }
    void set_blocked(const bluez::DevicePath& device, bool blocked, bluez::Done done) override {
        hold(blocked ? "Block" : "Unblock", device.str(), "", plain(std::move(done)));
    }
    void disconnect_device(const bluez::DevicePath& device, bluez::Done done) override {
        hold("Disconnect", device.str(), "", plain(std::move(done)));
    }
    void remove_device(const bluez::AdapterPath& adapter, const bluez::DevicePath& device,
                       bluez::Done done) override {
        hold("RemoveDevice", adapter.str(), device.str(), plain(std::move(done)));
    }
    void set_service_allowlist(const bluez::AdapterPath& adapter,
                               const std::vector<std::string>& uuids, bluez::Done done) override {
        std::string joined;
        for (const auto& uuid : uuids) {
            joined += (joined.empty() ? "" : ",") + uuid;
        }
        hold("SetServiceAllowList", adapter.str(), joined, plain(std::move(done)));
    }
    void get_managed_objects(bluez::ManagedObjectsDone done) override {
        hold("GetManagedObjects", "/", "", [this, done = std::move(done)](const Result& result) {
            done(result, result ? bluez::ManagedObjects{} : objects);
        });
    }
    void get_device_properties(const bluez::DevicePath& device,
                               bluez::PropertiesDone done) override {
        const std::string path = device.str();
        hold("GetAll", path, "", [this, path, done = std::move(done)](const Result& result) {
            const auto it = device_properties.find(path);
            if (!result && it == device_properties.end()) {
                done(error(bluez::ErrorKind::UnknownObject, "no such object"), {});
                return;
            }
            done(result, result ? bluez::PropertyMap{} : it->second);
        });
    }
    void cancel_all() override {
        auto waiting = std::move(pending_);
        pending_.clear();
        for (auto& call : waiting) {
            call.complete(bluez::BluezError::cancelled_bluez_left());
        }
    }

    /// Answers the oldest waiting call of `method` with `result` (nullopt: success).
    void answer(const std::string& method, const Result& result = std::nullopt) {
        const auto it = std::find_if(pending_.begin(), pending_.end(),
                                     [&](const Waiting& w) { return w.method == method; });
        ASSERT_NE(it, pending_.end()) << "no " << method << " is waiting for an answer";
        auto complete = std::move(it->complete);
        pending_.erase(it);
        complete(result);
    }
    /// Answers every waiting call, and those their answers start, as scripted.
    void settle() {
        for (int round = 0; round < 10000 && !pending_.empty(); ++round) {
            Waiting call = std::move(pending_.front());
            pending_.erase(pending_.begin());
            call.complete(scripted_result(call.method));
        }
        ASSERT_TRUE(pending_.empty()) << "calls keep starting calls";
    }
    [[nodiscard]] std::size_t waiting(const std::string& method = {}) const {
        return static_cast<std::size_t>(
            std::count_if(pending_.begin(), pending_.end(),
                          [&](const Waiting& w) { return method.empty() || w.method == method; }));
    }
    [[nodiscard]] std::size_t count(const std::string& method) const {
        return static_cast<std::size_t>(std::count_if(
            calls.begin(), calls.end(), [&](const RecordedCall& c) { return c.method == method; }));
    }

  private:
    using Complete = std::function<void(const Result&)>;
    struct Waiting {
        std::string method;
        Complete complete;
    };

    static Complete plain(bluez::Done done) {
        return [done = std::move(done)](const Result& result) { done(result); };
    }
    void hold(std::string method, std::string path, std::string argument, Complete complete) {
        calls.push_back({method, std::move(path), std::move(argument)});
        pending_.push_back({std::move(method), std::move(complete)});
    }
    Result scripted_result(const std::string& method) {
        auto& queue = scripted_[method];
        if (!queue.empty()) {
            bluez::BluezError failure = queue.front();
            queue.erase(queue.begin());
            return failure;
        }
        const auto always = always_.find(method);
        return always == always_.end() ? Result{} : Result{always->second};
    }

    std::vector<Waiting> pending_;
    std::map<std::string, std::vector<bluez::BluezError>> scripted_;
    std::map<std::string, bluez::BluezError> always_;
};

/// The retry timer, driven by hand: advance() moves the monotonic clock and fires what is due.
class FakeWakeupTimer final : public retry::WakeupTimer {
  public:
    [[nodiscard]] retry::Clock::time_point now() const override { return now_; }
    void on_due(std::function<void()> due) override { due_ = std::move(due); }
    void wake_at(std::optional<retry::Clock::time_point> when) override { armed_ = when; }

    void advance(retry::Clock::duration by) {
        now_ += by;
        while (armed_ && *armed_ <= now_ && due_) {
            armed_.reset();
            due_();
        }
    }
    /// Armed: a retry is due at some point. Disarmed when nothing is waiting.
    [[nodiscard]] std::optional<retry::Clock::time_point> armed() const { return armed_; }

  private:
    retry::Clock::time_point now_{std::chrono::hours(1)};
    std::optional<retry::Clock::time_point> armed_;
    std::function<void()> due_;
};

class FixedClock final : public DecisionClock {
  public:
    explicit FixedClock(std::string_view rfc3339) : now_(*policy::parse_rfc3339(rfc3339)) {}
    [[nodiscard]] policy::TimePoint now() const override { return now_; }
    void set(std::string_view rfc3339) { now_ = *policy::parse_rfc3339(rfc3339); }

  private:
    policy::TimePoint now_;
};

/// A policy file in a fresh temporary directory, loaded into a PolicyStore.
class TempPolicy {
  public:
    explicit TempPolicy(const std::string& toml)
        : dir_(std::filesystem::temp_directory_path() /
               ("btfence-test-" + std::to_string(getpid()) + "-" + std::to_string(counter_++))),
          store_((dir_ / "policy.toml").string(), false) {
        std::filesystem::create_directories(dir_);
        write(toml);
        const auto errors = store_.load();
        if (errors) {
            ADD_FAILURE() << "test policy invalid: " << errors->front().to_string();
        }
    }
    ~TempPolicy() { std::filesystem::remove_all(dir_); }
    TempPolicy(const TempPolicy&) = delete;
    TempPolicy& operator=(const TempPolicy&) = delete;

    void write(const std::string& toml) { std::ofstream(dir_ / "policy.toml") << toml; }
    /// The temporary directory, removed with the object: a state directory for the test.
    [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
    PolicyStore& store() { return store_; }

  private:
    static inline int counter_ = 0;
    std::filesystem::path dir_;
    PolicyStore store_;
};

inline const char* kPasskeyOnlyPolicy = R"(
[policy]
version = 1
mode = "enforce"
default = "deny"
[[rule]]
id = "fido-keys"
verdict = "allow"
class = ["fido-ble"]
)";

}  // namespace btfence::testing
