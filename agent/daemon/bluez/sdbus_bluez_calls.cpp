#include "bluez/sdbus_bluez_calls.hpp"

#include "bluez/names.hpp"

namespace btfence::bluez {
namespace {

constexpr std::chrono::seconds kCallTimeout{10};

std::optional<std::string> describe(const sdbus::Error* error) {
    if (error == nullptr) {
        return std::nullopt;
    }
    return error->getName() + ": " + error->getMessage();
}

// Wraps `done` into the reply handler sdbus-c++ expects for a method without results.
auto reply_to(Done done) {
    return [done = std::move(done)](const sdbus::Error* error) {
        if (done) {
            done(describe(error));
        }
    };
}

}  // namespace

sdbus::IProxy& SdbusBluezCalls::proxy(const std::string& path) {
    auto& slot = proxies_[path];
    if (!slot) {
        slot = sdbus::createProxy(connection_, std::string(kService), path);
        slot->finishRegistration();
    }
    return *slot;
}

void SdbusBluezCalls::register_agent(const std::string& agent_path, const std::string& capability,
                                     Done done) {
    proxy(std::string(kBluezPath))
        .callMethodAsync("RegisterAgent")
        .onInterface(std::string(kAgentManagerInterface))
        .withTimeout(kCallTimeout)
        .withArguments(sdbus::ObjectPath(agent_path), capability)
        .uponReplyInvoke(reply_to(std::move(done)));
}

void SdbusBluezCalls::request_default_agent(const std::string& agent_path, Done done) {
    proxy(std::string(kBluezPath))
        .callMethodAsync("RequestDefaultAgent")
        .onInterface(std::string(kAgentManagerInterface))
        .withTimeout(kCallTimeout)
        .withArguments(sdbus::ObjectPath(agent_path))
        .uponReplyInvoke(reply_to(std::move(done)));
}

void SdbusBluezCalls::unregister_agent(const std::string& agent_path, Done done) {
    proxy(std::string(kBluezPath))
        .callMethodAsync("UnregisterAgent")
        .onInterface(std::string(kAgentManagerInterface))
        .withTimeout(kCallTimeout)
        .withArguments(sdbus::ObjectPath(agent_path))
        .uponReplyInvoke(reply_to(std::move(done)));
}

void SdbusBluezCalls::disconnect_device(const std::string& device_path, Done done) {
    proxy(device_path)
        .callMethodAsync("Disconnect")
        .onInterface(std::string(kDeviceInterface))
        .withTimeout(kCallTimeout)
        .uponReplyInvoke(reply_to(std::move(done)));
}

void SdbusBluezCalls::remove_device(const std::string& adapter_path, const std::string& device_path,
                                    Done done) {
    proxy(adapter_path)
        .callMethodAsync("RemoveDevice")
        .onInterface(std::string(kAdapterInterface))
        .withTimeout(kCallTimeout)
        .withArguments(sdbus::ObjectPath(device_path))
        .uponReplyInvoke(reply_to(std::move(done)));
}

void SdbusBluezCalls::set_service_allowlist(const std::string& adapter_path,
                                            const std::vector<std::string>& uuids, Done done) {
    proxy(adapter_path)
        .callMethodAsync("SetServiceAllowList")
        .onInterface(std::string(kAdminPolicySetInterface))
        .withTimeout(kCallTimeout)
        .withArguments(uuids)
        .uponReplyInvoke(reply_to(std::move(done)));
}

void SdbusBluezCalls::get_managed_objects(
    std::function<void(const std::optional<std::string>& error, ManagedObjects objects)> done) {
    proxy(std::string(kRootPath))
        .callMethodAsync("GetManagedObjects")
        .onInterface(std::string(kObjectManagerInterface))
        .withTimeout(kCallTimeout)
        .uponReplyInvoke(
            [done = std::move(done)](
                const sdbus::Error* error,
                const std::map<sdbus::ObjectPath, std::map<std::string, PropertyMap>>& objects) {
                ManagedObjects converted;
                if (error == nullptr) {
                    for (const auto& [path, interfaces] : objects) {
                        converted.emplace(path, interfaces);
                    }
                }
                done(describe(error), std::move(converted));
            });
}

void SdbusBluezCalls::get_device_properties(
    const std::string& device_path,
    std::function<void(const std::optional<std::string>& error, PropertyMap properties)> done) {
    proxy(device_path)
        .callMethodAsync("GetAll")
        .onInterface(std::string(kPropertiesInterface))
        .withTimeout(kCallTimeout)
        .withArguments(std::string(kDeviceInterface))
        .uponReplyInvoke(
            [done = std::move(done)](const sdbus::Error* error, const PropertyMap& properties) {
                done(describe(error), properties);
            });
}

void SdbusBluezCalls::forget(const std::string& path) {
    const auto it = proxies_.find(path);
    if (it != proxies_.end()) {
        retired_.push_back(std::move(it->second));
        proxies_.erase(it);
    }
}

void SdbusBluezCalls::collect_retired() {
    retired_.clear();
}

void SdbusBluezCalls::reset() {
    for (auto& [path, proxy] : proxies_) {
        retired_.push_back(std::move(proxy));
    }
    proxies_.clear();
}

}  // namespace btfence::bluez
