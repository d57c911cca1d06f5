#pragma once
// Test doubles for the daemon's seams: BlueZ calls recorded instead of sent, a fixed clock,
// and a policy written to a temporary file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "bluez/bluez_calls.hpp"
#include "btfence/policy/time_format.hpp"
#include "clock.hpp"
#include "policy_store.hpp"

namespace btfence::testing {

struct RecordedCall {
    std::string method;
    std::string path;
    std::string argument;
};

class RecordingBluezCalls final : public bluez::BluezCalls {
  public:
    std::vector<RecordedCall> calls;
    std::optional<std::string> fail_with;  ///< error every call answers with

    void register_agent(const std::string& agent_path, const std::string& capability,
                        bluez::Done done) override {
        record("RegisterAgent", "/org/bluez", agent_path + " " + capability, done);
    }
    void request_default_agent(const std::string& agent_path, bluez::Done done) override {
        record("RequestDefaultAgent", "/org/bluez", agent_path, done);
    }
    void unregister_agent(const std::string& agent_path, bluez::Done done) override {
        record("UnregisterAgent", "/org/bluez", agent_path, done);
    }
    void disconnect_device(const std::string& device_path, bluez::Done done) override {
        record("Disconnect", device_path, "", done);
    }
    void remove_device(const std::string& adapter_path, const std::string& device_path,
                       bluez::Done done) override {
        record("RemoveDevice", adapter_path, device_path, done);
    }
    void set_service_allowlist(const std::string& adapter_path,
                               const std::vector<std::string>& uuids, bluez::Done done) override {
        std::string joined;
        for (const auto& uuid : uuids) {
            joined += (joined.empty() ? "" : ",") + uuid;
        }
        record("SetServiceAllowList", adapter_path, joined, done);
    }
    void get_managed_objects(
        std::function<void(const std::optional<std::string>&, bluez::ManagedObjects)> done)
        override {
        calls.push_back({"GetManagedObjects", "/", ""});
        done(fail_with, {});
    }
    using GetAllDone = std::function<void(const std::optional<std::string>&, bluez::PropertyMap)>;
    /// With defer_get_all, GetAll replies wait here until the test sends them.
    bool defer_get_all = false;
    std::vector<std::pair<std::string, GetAllDone>> pending_get_all;

    void get_device_properties(const std::string& device_path, GetAllDone done) override {
        calls.push_back({"GetAll", device_path, ""});
        if (defer_get_all) {
            pending_get_all.emplace_back(device_path, std::move(done));
        } else {
            done(fail_with, {});
        }
    }
    /// Answers the oldest deferred GetAll with these properties, or with an error.
    void answer_get_all(const bluez::PropertyMap& properties,
                        const std::optional<std::string>& error = std::nullopt) {
        ASSERT_FALSE(pending_get_all.empty()) << "no GetAll is waiting for an answer";
        auto done = std::move(pending_get_all.front().second);
        pending_get_all.erase(pending_get_all.begin());
        done(error, properties);
    }
    void forget(const std::string& /*path*/) override {}

    [[nodiscard]] std::size_t count(const std::string& method) const {
        std::size_t n = 0;
        for (const auto& call : calls) {
            n += call.method == method ? 1U : 0U;
        }
        return n;
    }

  private:
    void record(std::string method, std::string path, std::string argument,
                const bluez::Done& done) {
        calls.push_back({std::move(method), std::move(path), std::move(argument)});
        if (done) {
            done(fail_with);
        }
    }
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
