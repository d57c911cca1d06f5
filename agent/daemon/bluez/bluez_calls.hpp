#pragma once
// The method calls btfenced makes on bluetoothd, behind an interface so that the logic that
// decides to make them is tested without a bus. Every call is asynchronous: the event loop
// never waits on bluetoothd. `Done` receives nullopt on success or "error.Name: message".
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bluez/mirror.hpp"

namespace btfence::bluez {

using ManagedObjects = std::map<std::string, InterfaceMap>;
using Done = std::function<void(const std::optional<std::string>& error)>;

class BluezCalls {
  public:
    virtual ~BluezCalls() = default;
    virtual void register_agent(const std::string& agent_path, const std::string& capability,
                                Done done) = 0;
    virtual void request_default_agent(const std::string& agent_path, Done done) = 0;
    virtual void unregister_agent(const std::string& agent_path, Done done) = 0;
    virtual void disconnect_device(const std::string& device_path, Done done) = 0;
    virtual void remove_device(const std::string& adapter_path, const std::string& device_path,
                               Done done) = 0;
    virtual void set_service_allowlist(const std::string& adapter_path,
                                       const std::vector<std::string>& uuids, Done done) = 0;
    virtual void get_managed_objects(
        std::function<void(const std::optional<std::string>& error, ManagedObjects objects)>
            done) = 0;
    virtual void get_device_properties(
        const std::string& device_path,
        std::function<void(const std::optional<std::string>& error, PropertyMap properties)>
            done) = 0;
    /// Drop per-object resources for a path that no longer exists.
    virtual void forget(const std::string& path) = 0;
};

}  // namespace btfence::bluez
