#pragma once
// BluezCalls over sdbus-c++: one proxy per BlueZ object path, created on first use.
#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>

#include <memory>
#include <unordered_map>
#include <vector>

#include "bluez/bluez_calls.hpp"

namespace btfence::bluez {

class SdbusBluezCalls final : public BluezCalls {
  public:
    explicit SdbusBluezCalls(sdbus::IConnection& connection) : connection_(connection) {}

    void register_agent(const std::string& agent_path, const std::string& capability,
                        Done done) override;
    void request_default_agent(const std::string& agent_path, Done done) override;
    void unregister_agent(const std::string& agent_path, Done done) override;
    void disconnect_device(const std::string& device_path, Done done) override;
    void remove_device(const std::string& adapter_path, const std::string& device_path,
                       Done done) override;
    void set_service_allowlist(const std::string& adapter_path,
                               const std::vector<std::string>& uuids, Done done) override;
    void get_managed_objects(
        std::function<void(const std::optional<std::string>& error, ManagedObjects objects)> done)
        override;
    void get_device_properties(
        const std::string& device_path,
        std::function<void(const std::optional<std::string>& error, PropertyMap properties)> done)
        override;
    void forget(const std::string& path) override;

    /// Destroys retired proxies. Called by the event loop between dispatches, never from a
    /// reply callback.
    void collect_retired();

    /// Drops every proxy (org.bluez went away). Safe to call outside of reply callbacks only.
    void reset();

  private:
    sdbus::IProxy& proxy(const std::string& path);

    sdbus::IConnection& connection_;
    std::unordered_map<std::string, std::unique_ptr<sdbus::IProxy>> proxies_;
    // Proxies of vanished objects wait here until collect_retired(): a proxy must not be
    // destroyed from inside its own reply callback.
    std::vector<std::unique_ptr<sdbus::IProxy>> retired_;
};

}  // namespace btfence::bluez
