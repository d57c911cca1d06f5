#include "fake_bluez_service.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <exception>

namespace btfence::bench {
namespace {

constexpr const char* kService = "org.bluez";
constexpr const char* kBluezPath = "/org/bluez";
constexpr const char* kDeviceInterface = "org.bluez.Device1";
constexpr const char* kAdapterInterface = "org.bluez.Adapter1";
constexpr const char* kAgentManagerInterface = "org.bluez.AgentManager1";
constexpr const char* kObjectManagerInterface = "org.freedesktop.DBus.ObjectManager";
constexpr const char* kPropertiesInterface = "org.freedesktop.DBus.Properties";
constexpr const char* kDoesNotExist = "org.bluez.Error.DoesNotExist";
constexpr const char* kAlreadyExists = "org.bluez.Error.AlreadyExists";
// Exposure Notification (0xFD6F): rotating service data is what a crowded room is full of.
constexpr const char* kRotatingServiceUuid = "0000fd6f-0000-1000-8000-00805f9b34fb";

std::string text_or_empty(const char* text) {
    return text == nullptr ? std::string() : std::string(text);
}

// One {sv} dict entry; `append_value` appends the variant's content of type `signature`.
template <typename AppendValue>
void entry(sd_bus_message* m, const char* key, const char* signature, AppendValue append_value) {
    check(sd_bus_message_open_container(m, 'e', "sv"), "open dict entry");
    check(sd_bus_message_append_basic(m, 's', key), "append key");
    check(sd_bus_message_open_container(m, 'v', signature), "open variant");
    append_value();
    check(sd_bus_message_close_container(m), "close variant");
    check(sd_bus_message_close_container(m), "close dict entry");
}

void string_entry(sd_bus_message* m, const char* key, const char* type, const std::string& value) {
    entry(m, key, type,
          [&] { check(sd_bus_message_append_basic(m, type[0], value.c_str()), "append string"); });
}

void bool_entry(sd_bus_message* m, const char* key, bool value) {
    const int number = value ? 1 : 0;
    entry(m, key, "b", [&] { check(sd_bus_message_append_basic(m, 'b', &number), "append bool"); });
}

void strings_entry(sd_bus_message* m, const char* key, const std::vector<std::string>& values) {
    entry(m, key, "as", [&] {
        check(sd_bus_message_open_container(m, 'a', "s"), "open string array");
        for (const auto& value : values) {
            check(sd_bus_message_append_basic(m, 's', value.c_str()), "append string");
        }
        check(sd_bus_message_close_container(m), "close string array");
    });
}

void append_device_properties(sd_bus_message* m, const FakeDevice& device) {
    check(sd_bus_message_open_container(m, 'a', "{sv}"), "open properties");
    string_entry(m, "Address", "s", device.address);
    string_entry(m, "AddressType", "s", "random");
    string_entry(m, "Name", "s", device.name);
    string_entry(m, "Alias", "s", device.name);
    string_entry(m, "Adapter", "o", kAdapterPath);
    bool_entry(m, "Paired", device.paired);
    bool_entry(m, "Bonded", device.paired);
    bool_entry(m, "Trusted", false);
    bool_entry(m, "Blocked", false);
    bool_entry(m, "LegacyPairing", false);
    bool_entry(m, "Connected", false);
    strings_entry(m, "UUIDs", device.uuids);
    entry(m, "RSSI", "n",
          [&] { check(sd_bus_message_append_basic(m, 'n', &device.rssi), "append RSSI"); });
    check(sd_bus_message_close_container(m), "close properties");
}

void append_adapter_properties(sd_bus_message* m) {
    check(sd_bus_message_open_container(m, 'a', "{sv}"), "open properties");
    string_entry(m, "Address", "s", kAdapterAddress);
    string_entry(m, "AddressType", "s", "public");
    string_entry(m, "Name", "s", "bench");
    string_entry(m, "Alias", "s", "bench");
    bool_entry(m, "Powered", true);
    bool_entry(m, "Discoverable", false);
    bool_entry(m, "Pairable", true);
    bool_entry(m, "Discovering", false);
    strings_entry(m, "UUIDs", {});
    check(sd_bus_message_close_container(m), "close properties");
}

// a{sa{sv}} with the single interface `interface`.
template <typename AppendProperties>
void append_interfaces(sd_bus_message* m, const char* interface, AppendProperties properties) {
    check(sd_bus_message_open_container(m, 'a', "{sa{sv}}"), "open interfaces");
    check(sd_bus_message_open_container(m, 'e', "sa{sv}"), "open interface entry");
    check(sd_bus_message_append_basic(m, 's', interface), "append interface");
    properties();
    check(sd_bus_message_close_container(m), "close interface entry");
    check(sd_bus_message_close_container(m), "close interfaces");
}

MessagePtr new_signal(sd_bus* bus, const char* path, const char* interface, const char* member) {
    sd_bus_message* raw = nullptr;
    check(sd_bus_message_new_signal(bus, &raw, path, interface, member), "new signal");
    return MessagePtr(raw);
}

void send(sd_bus* bus, sd_bus_message* message) {
    check(sd_bus_send(bus, message, nullptr), "sd_bus_send");
}

}  // namespace

FakeBluezService::FakeBluezService(sd_bus* bus) : bus_(bus) {
    sd_bus_slot* slot = nullptr;
    // A fallback on "/" sees every method call to any path of this connection.
    check(sd_bus_add_fallback(bus_, &slot, "/", &FakeBluezService::dispatch, this),
          "sd_bus_add_fallback");
    slot_.reset(slot);
}

void FakeBluezService::acquire_name() {
    check(sd_bus_request_name(bus_, kService, 0), "RequestName org.bluez");
}

std::string FakeBluezService::device_address(std::uint32_t index) {
    char text[18];
    std::snprintf(text, sizeof text, "C0:00:%02X:%02X:%02X:%02X", (index >> 24) & 0xFFU,
                  (index >> 16) & 0xFFU, (index >> 8) & 0xFFU, index & 0xFFU);
    return text;
}

std::string FakeBluezService::device_path(std::uint32_t index) {
    std::string path = std::string(kAdapterPath) + "/dev_" + device_address(index);
    for (auto& c : path) {
        if (c == ':') {
            c = '_';
        }
    }
    return path;
}

void FakeBluezService::add_device(const std::string& path, FakeDevice device, bool announce) {
    const auto& stored = devices_.insert_or_assign(path, std::move(device)).first->second;
    if (!announce) {
        return;
    }
    auto signal = new_signal(bus_, "/", kObjectManagerInterface, "InterfacesAdded");
    check(sd_bus_message_append_basic(signal.get(), 'o', path.c_str()), "append path");
    append_interfaces(signal.get(), kDeviceInterface,
                      [&] { append_device_properties(signal.get(), stored); });
    send(bus_, signal.get());
}

bool FakeBluezService::has_device(const std::string& path) const {
    return devices_.contains(path);
}

void FakeBluezService::emit_rssi(const std::string& path, std::int16_t rssi) {
    if (auto it = devices_.find(path); it != devices_.end()) {
        it->second.rssi = rssi;
    }
    auto signal = new_signal(bus_, path.c_str(), kPropertiesInterface, "PropertiesChanged");
    check(sd_bus_message_append(signal.get(), "sa{sv}as", kDeviceInterface, 1U, "RSSI", "n", rssi,
                                0U),
          "append RSSI change");
    send(bus_, signal.get());
}

void FakeBluezService::emit_service_data(const std::string& path,
                                         const std::vector<std::uint8_t>& bytes) {
    auto signal = new_signal(bus_, path.c_str(), kPropertiesInterface, "PropertiesChanged");
    sd_bus_message* m = signal.get();
    check(sd_bus_message_append_basic(m, 's', kDeviceInterface), "append interface");
    check(sd_bus_message_open_container(m, 'a', "{sv}"), "open changed");
    entry(m, "ServiceData", "a{sv}", [&] {
        check(sd_bus_message_open_container(m, 'a', "{sv}"), "open service data");
        entry(m, kRotatingServiceUuid, "ay", [&] {
            check(sd_bus_message_append_array(m, 'y', bytes.data(), bytes.size()),
                  "append service data bytes");
        });
        check(sd_bus_message_close_container(m), "close service data");
    });
    check(sd_bus_message_close_container(m), "close changed");
    check(sd_bus_message_append(m, "as", 0U), "append invalidated");
    send(bus_, m);
}

void FakeBluezService::emit_paired(const std::string& path, bool paired) {
    if (auto it = devices_.find(path); it != devices_.end()) {
        it->second.paired = paired;
    }
    auto signal = new_signal(bus_, path.c_str(), kPropertiesInterface, "PropertiesChanged");
    check(sd_bus_message_append(signal.get(), "sa{sv}as", kDeviceInterface, 2U, "Paired", "b",
                                paired ? 1 : 0, "Bonded", "b", paired ? 1 : 0, 0U),
          "append Paired change");
    send(bus_, signal.get());
}

void FakeBluezService::emit_interfaces_removed(const std::string& path) {
    auto signal = new_signal(bus_, "/", kObjectManagerInterface, "InterfacesRemoved");
    check(sd_bus_message_append(signal.get(), "oas", path.c_str(), 1U, kDeviceInterface),
          "append InterfacesRemoved");
    send(bus_, signal.get());
}

int FakeBluezService::dispatch(sd_bus_message* message, void* userdata, sd_bus_error* /*error*/) {
    try {
        return static_cast<FakeBluezService*>(userdata)->handle(message);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_bluez: handling %s.%s failed: %s\n",
                     text_or_empty(sd_bus_message_get_interface(message)).c_str(),
                     text_or_empty(sd_bus_message_get_member(message)).c_str(), e.what());
        return -EIO;
    }
}

int FakeBluezService::handle(sd_bus_message* message) {
    if (sd_bus_message_is_method_call(message, nullptr, nullptr) <= 0) {
        return 0;
    }
    const std::string path = text_or_empty(sd_bus_message_get_path(message));
    const std::string interface = text_or_empty(sd_bus_message_get_interface(message));
    const std::string member = text_or_empty(sd_bus_message_get_member(message));

    if (interface == kObjectManagerInterface && member == "GetManagedObjects" && path == "/") {
        return get_managed_objects(message);
    }
    if (interface == kPropertiesInterface && member == "GetAll") {
        return get_all(message, path);
    }
    if (interface == kAgentManagerInterface && path == kBluezPath) {
        return agent_manager(message, member);
    }
    if (interface == kAdapterInterface && member == "RemoveDevice" && path == kAdapterPath) {
        return remove_device(message);
    }
    if (interface == kDeviceInterface && member == "Disconnect") {
        return disconnect(message, path);
    }
    ++calls_.other;
    return 0;  // sd-bus answers UnknownMethod / UnknownObject (and Peer, Introspectable)
}

int FakeBluezService::get_managed_objects(sd_bus_message* message) {
    ++calls_.get_managed_objects;
    sd_bus_message* raw = nullptr;
    check(sd_bus_message_new_method_return(message, &raw), "new method return");
    MessagePtr reply(raw);
    sd_bus_message* m = reply.get();
    check(sd_bus_message_open_container(m, 'a', "{oa{sa{sv}}}"), "open objects");

    check(sd_bus_message_open_container(m, 'e', "oa{sa{sv}}"), "open object");
    check(sd_bus_message_append_basic(m, 'o', kAdapterPath), "append adapter path");
    append_interfaces(m, kAdapterInterface, [&] { append_adapter_properties(m); });
    check(sd_bus_message_close_container(m), "close object");

    for (const auto& [path, device] : devices_) {
        check(sd_bus_message_open_container(m, 'e', "oa{sa{sv}}"), "open object");
        check(sd_bus_message_append_basic(m, 'o', path.c_str()), "append device path");
        append_interfaces(m, kDeviceInterface, [&] { append_device_properties(m, device); });
        check(sd_bus_message_close_container(m), "close object");
    }
    check(sd_bus_message_close_container(m), "close objects");
    send(bus_, m);
    return 1;
}

int FakeBluezService::get_all(sd_bus_message* message, const std::string& path) {
    ++calls_.get_all;
    const char* interface = nullptr;
    check(sd_bus_message_read(message, "s", &interface), "read GetAll interface");
    const std::string wanted = text_or_empty(interface);
    sd_bus_message* raw = nullptr;
    if (path == kAdapterPath && wanted == kAdapterInterface) {
        check(sd_bus_message_new_method_return(message, &raw), "new method return");
        MessagePtr reply(raw);
        append_adapter_properties(reply.get());
        send(bus_, reply.get());
        return 1;
    }
    const auto it = devices_.find(path);
    if (it == devices_.end() || wanted != kDeviceInterface) {
        return sd_bus_reply_method_errorf(message, SD_BUS_ERROR_UNKNOWN_OBJECT, "no %s at %s",
                                          wanted.c_str(), path.c_str());
    }
    check(sd_bus_message_new_method_return(message, &raw), "new method return");
    MessagePtr reply(raw);
    append_device_properties(reply.get(), it->second);
    send(bus_, reply.get());
    return 1;
}

int FakeBluezService::agent_manager(sd_bus_message* message, const std::string& member) {
    const std::string sender = text_or_empty(sd_bus_message_get_sender(message));
    const char* agent_path = nullptr;
    if (member == "RegisterAgent") {
        ++calls_.register_agent;
        const char* capability = nullptr;
        check(sd_bus_message_read(message, "os", &agent_path, &capability), "read RegisterAgent");
        for (const auto& agent : agents_) {
            if (agent.sender == sender) {
                return sd_bus_reply_method_errorf(message, kAlreadyExists, "Already Exists");
            }
        }
        agents_.push_back({sender, text_or_empty(agent_path)});
        return sd_bus_reply_method_return(message, "");
    }
    if (member == "RequestDefaultAgent" || member == "UnregisterAgent") {
        check(sd_bus_message_read(message, "o", &agent_path), "read agent path");
        const std::string wanted = text_or_empty(agent_path);
        auto it = agents_.begin();
        while (it != agents_.end() && !(it->sender == sender && it->path == wanted)) {
            ++it;
        }
        if (it == agents_.end()) {
            return sd_bus_reply_method_errorf(message, kDoesNotExist, "Does Not Exist");
        }
        if (member == "RequestDefaultAgent") {
            ++calls_.request_default_agent;
            default_agent_ = *it;
            const bool known =
                std::any_of(asked_default_.begin(), asked_default_.end(),
                            [&](const AgentRegistration& agent) { return agent.sender == sender; });
            if (!known) {
                asked_default_.push_back(*it);
            }
        } else {
            ++calls_.unregister_agent;
            if (default_agent_ && default_agent_->sender == sender) {
                default_agent_.reset();
            }
            agents_.erase(it);
        }
        return sd_bus_reply_method_return(message, "");
    }
    ++calls_.other;
    return 0;
}

int FakeBluezService::remove_device(sd_bus_message* message) {
    const auto arrived = Clock::now();
    ++calls_.remove_device;
    const char* device_path = nullptr;
    check(sd_bus_message_read(message, "o", &device_path), "read RemoveDevice");
    const std::string path = text_or_empty(device_path);
    if (on_remove_device_) {
        on_remove_device_(path, arrived);
    }
    if (devices_.erase(path) == 0) {
        return sd_bus_reply_method_errorf(message, kDoesNotExist, "Does Not Exist");
    }
    check(sd_bus_reply_method_return(message, ""), "reply RemoveDevice");
    emit_interfaces_removed(path);
    return 1;
}

int FakeBluezService::disconnect(sd_bus_message* message, const std::string& path) {
    const auto arrived = Clock::now();
    ++calls_.disconnect;
    if (on_disconnect_) {
        on_disconnect_(path, arrived);
    }
    return sd_bus_reply_method_return(message, "");
}

}  // namespace btfence::bench
