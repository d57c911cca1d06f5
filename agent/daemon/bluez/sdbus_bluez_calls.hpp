#pragma once
// BluezCalls over sdbus-c++ 1.2.
//
// Why a proxy per call, owned by the call: sdbus-c++ 1.2 keeps an asynchronous call's sd-bus
// slot inside the proxy that sent it, and destroying the proxy unrefs the slot, so the reply
// handler is never called (src/Proxy.h AsyncCalls::clear(), v1.2.0). A proxy cache keyed by
// object path, dropped when the object went away, therefore lost replies. Here each call
// owns its proxy until its reply (or error, or timeout: sd-bus answers a call that outlives
// its timeout with NoReply) arrives, and a registry of pending calls lets cancel_all()
// complete every one of them when bluetoothd leaves. No other path destroys a proxy with a
// call pending, so no callback can be lost. See docs/architecture.md, "Calls on bluetoothd".
#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bluez/bluez_calls.hpp"

namespace btfence::bluez {

class SdbusBluezCalls final : public BluezCalls {
  public:
    /// Runs a task on the next loop iteration (EventLoop::defer): how a call that could not
    /// even be sent completes without running inside the caller.
    using Defer = std::function<void(std::function<void()>)>;

    static constexpr std::chrono::milliseconds kDefaultTimeout{10000};

    SdbusBluezCalls(sdbus::IConnection& connection, Defer defer,
                    std::chrono::milliseconds timeout = kDefaultTimeout)
        : connection_(connection), defer_(std::move(defer)), timeout_(timeout) {}

    void register_agent(const ObjectPath& agent, const std::string& capability, Done done) override;
    void request_default_agent(const ObjectPath& agent, Done done) override;
    void unregister_agent(const ObjectPath& agent, Done done) override;
    void set_blocked(const DevicePath& device, bool blocked, Done done) override;
    void disconnect_device(const DevicePath& device, Done done) override;
    void remove_device(const AdapterPath& adapter, const DevicePath& device, Done done) override;
    void set_service_allowlist(const AdapterPath& adapter, const std::vector<std::string>& uuids,
                               Done done) override;
    void get_managed_objects(ManagedObjectsDone done) override;
    void get_device_properties(const DevicePath& device, PropertiesDone done) override;
    void cancel_all() override;

    /// Destroys the proxies of completed calls. Called by the event loop between dispatches,
    /// never from a reply callback (sdbus-c++ still uses the proxy after the callback).
    void collect_retired();

    [[nodiscard]] std::size_t pending_count() const { return pending_.size(); }

  private:
    /// Reads the reply's results (when `error` is empty) and completes the caller's callback.
    using Finish = std::function<void(const CallResult& error, sdbus::MethodReply* reply)>;
    using WriteArguments = std::function<void(sdbus::MethodCall& call)>;

    /// The one builder of every call: destination org.bluez, `path`, `interface`.`method`,
    /// arguments written by `write`, the call timeout, and completion through the registry.
    void call(const std::string& path, std::string_view interface, std::string_view method,
              const WriteArguments& write, Finish finish);
    void completed(std::uint64_t id, sdbus::MethodReply& reply, const sdbus::Error* error);
    static Finish finish_without_results(Done done);

    struct Pending {
        std::unique_ptr<sdbus::IProxy> proxy;
        Finish finish;
    };

    sdbus::IConnection& connection_;
    Defer defer_;
    std::chrono::milliseconds timeout_;
    std::uint64_t next_id_ = 1;
    std::unordered_map<std::uint64_t, Pending> pending_;
    std::vector<std::unique_ptr<sdbus::IProxy>> retired_;
};

}  // namespace btfence::bluez
