#pragma once
// Builds BlueZ Device1 property dictionaries the way bluetoothd sends them.

#include <string>
#include <vector>

#include "bluez/mirror.hpp"

namespace btfence::testing {

inline std::string device_path(const std::string& adapter, const std::string& address) {
    std::string path = "/org/bluez/" + adapter + "/dev_" + address;
    for (auto& c : path) {
        c = c == ':' ? '_' : c;
    }
    return path;
}

struct DeviceBuilder {
    std::string adapter = "hci0";
    std::string address = "AA:BB:CC:DD:EE:01";
    bluez::PropertyMap properties;

    DeviceBuilder& named(const std::string& name) {
        properties["Name"] = bluez::PropertyValue(name);
        return *this;
    }
    DeviceBuilder& at(const std::string& addr) {
        address = addr;
        return *this;
    }
    DeviceBuilder& on(const std::string& adapter_name) {
        adapter = adapter_name;
        return *this;
    }
    DeviceBuilder& uuids(const std::vector<std::string>& list) {
        properties["UUIDs"] = bluez::PropertyValue(list);
        return *this;
    }
    DeviceBuilder& flag(const std::string& name, bool value = true) {
        properties[name] = bluez::PropertyValue(value);
        return *this;
    }
    [[nodiscard]] std::string path() const { return device_path(adapter, address); }
    [[nodiscard]] bluez::InterfaceMap interfaces() const {
        bluez::PropertyMap props = properties;
        props["Address"] = bluez::PropertyValue(address);
        props["AddressType"] = bluez::PropertyValue(std::string("public"));
        props["Adapter"] = bluez::ObjectPathValue{"/org/bluez/" + adapter};
        return {{"org.bluez.Device1", props}};
    }
    void add_to(bluez::BluezMirror& mirror) const { mirror.interfaces_added(path(), interfaces()); }
};

inline const std::vector<std::string> kFidoUuids = {"0000fffd-0000-1000-8000-00805f9b34fb"};
inline const std::vector<std::string> kKeyboardUuids = {"00001812-0000-1000-8000-00805f9b34fb"};

inline void add_adapter(bluez::BluezMirror& mirror, const std::string& name,
                        const std::string& address) {
    mirror.interfaces_added("/org/bluez/" + name,
                            {{"org.bluez.Adapter1", {{"Address", bluez::PropertyValue(address)}}}});
}

}  // namespace btfence::testing
