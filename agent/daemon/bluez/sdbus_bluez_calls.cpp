#include "bluez/sdbus_bluez_calls.hpp"

#include <sdbus-c++/Error.h>
#include <sdbus-c++/Message.h>

#include <utility>

#include "bluez/names.hpp"
#include "bluez/property_reader.hpp"
#include "bluez/raw_message.hpp"

namespace btfence::bluez {
namespace {

BluezError from_sdbus(const sdbus::Error& error) {
    return {error.getName(), error.getMessage()};
}

// A reply whose body is not what the method returns: a failed call (retried like any other).
BluezError malformed_reply(const MalformedBody& error) {
    return {"org.freedesktop.DBus.Error.InconsistentMessage", error.what()};
}

}  // namespace

SdbusBluezCalls::Finish SdbusBluezCalls::finish_without_results(Done done) {
    return [done = std::move(done)](const CallResult& error, sdbus::MethodReply* /*reply*/) {
        done(error);
    };
}

void SdbusBluezCalls::call(const std::string& path, std::string_view interface,
                           std::string_view method, const WriteArguments& write, Finish finish) {
    const std::uint64_t id = next_id_++;
    std::unique_ptr<sdbus::IProxy> proxy;
    try {
        proxy = sdbus::createProxy(connection_, std::string(kService), path);
        auto message = proxy->createMethodCall(std::string(interface), std::string(method));
        if (write) {
            write(message);
        }
        proxy->callMethod(
            message,
            [this, id](sdbus::MethodReply& reply, const sdbus::Error* error) {
                completed(id, reply, error);
            },
            timeout_);
    } catch (const sdbus::Error& error) {
        // Not sent (an invalid path, or the bus connection is gone): it still completes, once,
        // on the next loop iteration.
        if (proxy) {
            retired_.push_back(std::move(proxy));
        }
        defer_([finish = std::move(finish), failure = from_sdbus(error)] {
            finish(failure, nullptr);
        });
        return;
    }
    pending_.emplace(id, Pending{std::move(proxy), std::move(finish)});
}

void SdbusBluezCalls::completed(std::uint64_t id, sdbus::MethodReply& reply,
                                const sdbus::Error* error) {
    const auto it = pending_.find(id);
    if (it == pending_.end()) {
        return;  // completed already by cancel_all(): bluetoothd left before this answer
    }
    Pending pending = std::move(it->second);
    pending_.erase(it);
    // sdbus-c++ still uses the proxy once this handler returns: destroyed in collect_retired().
    retired_.push_back(std::move(pending.proxy));
    if (error != nullptr) {
        pending.finish(from_sdbus(*error), nullptr);
    } else {
        pending.finish(std::nullopt, &reply);
    }
}

void SdbusBluezCalls::cancel_all() {
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& [id, call] : pending) {
        retired_.push_back(std::move(call.proxy));
    }
    const CallResult cancelled = BluezError::cancelled_bluez_left();
    for (auto& [id, call] : pending) {
        call.finish(cancelled, nullptr);
    }
}

void SdbusBluezCalls::collect_retired() {
    retired_.clear();
}

void SdbusBluezCalls::register_agent(const ObjectPath& agent, const std::string& capability,
                                     Done done) {
    call(
        std::string(kBluezPath), kAgentManagerInterface, "RegisterAgent",
        [&](sdbus::MethodCall& m) { m << sdbus::ObjectPath(agent.str()) << capability; },
        finish_without_results(std::move(done)));
}

void SdbusBluezCalls::request_default_agent(const ObjectPath& agent, Done done) {
    call(
        std::string(kBluezPath), kAgentManagerInterface, "RequestDefaultAgent",
        [&](sdbus::MethodCall& m) { m << sdbus::ObjectPath(agent.str()); },
        finish_without_results(std::move(done)));
}

void SdbusBluezCalls::unregister_agent(const ObjectPath& agent, Done done) {
    call(
        std::string(kBluezPath), kAgentManagerInterface, "UnregisterAgent",
        [&](sdbus::MethodCall& m) { m << sdbus::ObjectPath(agent.str()); },
        finish_without_results(std::move(done)));
}

void SdbusBluezCalls::set_blocked(const DevicePath& device, bool blocked, Done done) {
    call(
        device.str(), kPropertiesInterface, "Set",
        [blocked](sdbus::MethodCall& m) {
            m << std::string(kDeviceInterface) << std::string("Blocked") << sdbus::Variant(blocked);
        },
        finish_without_results(std::move(done)));
}

void SdbusBluezCalls::disconnect_device(const DevicePath& device, Done done) {
    call(device.str(), kDeviceInterface, "Disconnect", {}, finish_without_results(std::move(done)));
}

void SdbusBluezCalls::remove_device(const AdapterPath& adapter, const DevicePath& device,
                                    Done done) {
    call(
        adapter.str(), kAdapterInterface, "RemoveDevice",
        [&](sdbus::MethodCall& m) { m << sdbus::ObjectPath(device.str()); },
        finish_without_results(std::move(done)));
}

void SdbusBluezCalls::set_service_allowlist(const AdapterPath& adapter,
                                            const std::vector<std::string>& uuids, Done done) {
    call(
        adapter.str(), kAdminPolicySetInterface, "SetServiceAllowList",
        [&](sdbus::MethodCall& m) { m << uuids; }, finish_without_results(std::move(done)));
}

void SdbusBluezCalls::get_managed_objects(ManagedObjectsDone done) {
    call(std::string(kRootPath), kObjectManagerInterface, "GetManagedObjects", {},
         [done = std::move(done)](const CallResult& error, sdbus::MethodReply* reply) {
             if (error) {
                 done(error, {});
                 return;
             }
             ManagedObjects objects;
             try {
                 objects = read_managed_objects(RawMessage::of(*reply));
             } catch (const MalformedBody& e) {
                 done(malformed_reply(e), {});
                 return;
             }
             done(std::nullopt, std::move(objects));
         });
}

void SdbusBluezCalls::get_device_properties(const DevicePath& device, PropertiesDone done) {
    call(
        device.str(), kPropertiesInterface, "GetAll",
        [](sdbus::MethodCall& m) { m << std::string(kDeviceInterface); },
        [done = std::move(done)](const CallResult& error, sdbus::MethodReply* reply) {
            if (error) {
                done(error, {});
                return;
            }
            PropertyMap properties;
            try {
                properties = read_all_properties(RawMessage::of(*reply));
            } catch (const MalformedBody& e) {
                done(malformed_reply(e), {});
                return;
            }
            done(std::nullopt, std::move(properties));
        });
}

}  // namespace btfence::bluez
