#include "bluez/bluez_watch.hpp"

#include <sdbus-c++/IProxy.h>
#include <sdbus-c++/Message.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bluez/names.hpp"
#include "bluez/property_reader.hpp"
#include "bluez/raw_message.hpp"

namespace btfence::bluez {
namespace {

constexpr std::string_view kDbusService = "org.freedesktop.DBus";

std::string match_rule(std::string_view interface, std::string_view member,
                       std::string_view extra) {
    std::string rule = "type='signal',interface='" + std::string(interface) + "'";
    if (!member.empty()) {
        rule += ",member='" + std::string(member) + "'";
    }
    if (!extra.empty()) {
        rule += "," + std::string(extra);
    }
    return rule;
}

/// The object path an ObjectManager signal is about (its first argument), read again from the
/// start of a body that failed to decode; empty when even that is not an object path.
std::string object_path_argument(sd_bus_message* message) {
    const char* path = nullptr;
    if (sd_bus_message_rewind(message, 1) < 0 ||
        sd_bus_message_read_basic(message, 'o', static_cast<void*>(&path)) <= 0 ||
        path == nullptr) {
        return {};
    }
    return path;
}

}  // namespace

BluezWatch::BluezWatch(sdbus::IConnection& connection, BluezCalls& calls,
                       retry::RetryQueue& retries, BluezMirror& mirror,
                       BluezWatchListener& listener)
    : connection_(connection),
      calls_(calls),
      retries_(retries),
      mirror_(mirror),
      listener_(listener),
      load_backoff_(retries.backoff()),
      name_owner_backoff_(retries.backoff()) {}

BluezWatch::~BluezWatch() = default;

void BluezWatch::start() {
    // The daemon-side rules say sender='org.bluez' so that dbus-daemon does not send us other
    // services' traffic; from_bluez() re-checks the unique name because a local match on a
    // well-known sender cannot be verified by the library.
    const std::string sender = "sender='" + std::string(kService) + "'";
    matches_.push_back(connection_.addMatch(
        match_rule("org.freedesktop.DBus", "NameOwnerChanged",
                   "sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',arg0='org.bluez'"),
        [this](sdbus::Message& m) { on_name_owner_changed(m); }));
    matches_.push_back(
        connection_.addMatch(match_rule(kObjectManagerInterface, "InterfacesAdded", sender),
                             [this](sdbus::Message& m) { on_interfaces_added(m); }));
    matches_.push_back(
        connection_.addMatch(match_rule(kObjectManagerInterface, "InterfacesRemoved", sender),
                             [this](sdbus::Message& m) { on_interfaces_removed(m); }));
    matches_.push_back(
        connection_.addMatch(match_rule(kPropertiesInterface, "PropertiesChanged",
                                        sender + ",path_namespace='/org/bluez'"),
                             [this](sdbus::Message& m) { on_properties_changed(m); }));

    bus_proxy_ =
        sdbus::createProxy(connection_, std::string(kDbusService), "/org/freedesktop/DBus");
    bus_proxy_->finishRegistration();
    ask_name_owner();
}

void BluezWatch::ask_name_owner() {
    // The bus proxy lives as long as this watch: its call always completes.
    bus_proxy_->callMethodAsync("GetNameOwner")
        .onInterface(std::string(kDbusService))
        .withArguments(std::string(kService))
        .uponReplyInvoke([this](const sdbus::Error* error, const std::string& owner) {
            if (!owner_.empty()) {
                return;  // NameOwnerChanged told us first
            }
            if (error == nullptr && !owner.empty()) {
                owner_appeared(owner);
                return;
            }
            // NameHasNoOwner: bluetoothd is not running yet; NameOwnerChanged will tell us.
            // Any other error leaves the question open: ask again, or btfenced would wait
            // for a NameOwnerChanged that a running bluetoothd never sends.
            const bool unanswered =
                error != nullptr && BluezError(error->getName(), error->getMessage()).kind() !=
                                        ErrorKind::ServiceUnknown;
            if (unanswered) {
                name_owner_retry_ = retries_.schedule(name_owner_backoff_.next(), [this] {
                    if (owner_.empty()) {
                        ask_name_owner();
                    }
                });
            }
            if (!absent_reported_) {
                absent_reported_ = true;
                listener_.bluez_absent();
            }
        });
}

bool BluezWatch::from_bluez(sd_bus_message* message) const {
    const char* sender = sd_bus_message_get_sender(message);
    return !owner_.empty() && sender != nullptr && owner_ == sender;
}

void BluezWatch::on_name_owner_changed(sdbus::Message& message) {
    // Only the bus driver speaks for name ownership. The match rule names it as sender, but a
    // signal sent straight to btfenced's unique name skips the bus's match rules, and sd-bus
    // does not check a well-known sender locally: anyone could otherwise announce itself as
    // the new org.bluez, and every forged signal after that would be believed.
    if (message.getSender() != kDbusService) {
        return;
    }
    std::string name;
    std::string old_owner;
    std::string new_owner;
    try {
        message >> name >> old_owner >> new_owner;
    } catch (const sdbus::Error& e) {
        listener_.malformed_signal("NameOwnerChanged: " + e.getMessage(), {});
        return;
    }
    if (name != kService) {
        return;
    }
    if (!owner_.empty()) {
        owner_vanished();
    }
    if (!new_owner.empty()) {
        owner_appeared(new_owner);
    }
}

void BluezWatch::owner_appeared(const std::string& owner) {
    owner_ = owner;
    load_backoff_ = retries_.backoff();
    load(++generation_);
}

void BluezWatch::load(std::uint64_t generation) {
    calls_.get_managed_objects(
        [this, generation](const CallResult& error, const ManagedObjects& objects) {
            if (generation != generation_) {
                return;  // bluetoothd changed again while we were asking
            }
            if (error) {
                // A failed answer is not "no devices": nothing is swept until the objects are in,
                // and the pairing gate refuses meanwhile. Retried until it succeeds; if bluetoothd
                // left, NameOwnerChanged ends this generation.
                const auto delay = load_backoff_.next();
                listener_.bluez_load_failed(owner_, *error, delay, load_backoff_.failures());
                load_retry_ = retries_.schedule(delay, [this, generation] {
                    if (generation == generation_) {
                        load(generation);
                    }
                });
                return;
            }
            listener_.bluez_loading();
            for (const auto& [path, interfaces] : objects) {
                mirror_.interfaces_added(path, interfaces);
            }
            mirror_.set_loaded();
            listener_.bluez_ready(owner_);
        });
}

void BluezWatch::owner_vanished() {
    owner_.clear();
    ++generation_;
    load_retry_.reset();
    mirror_.clear();
    listener_.bluez_lost();
}

void BluezWatch::on_interfaces_added(sdbus::Message& message) {
    sd_bus_message* raw = RawMessage::of(message);
    if (!from_bluez(raw)) {
        return;
    }
    InterfaceMap interfaces;
    std::string path;
    try {
        path = read_interfaces_added(raw, interfaces);
    } catch (const MalformedBody& e) {
        listener_.malformed_signal("InterfacesAdded: " + std::string(e.what()),
                                   object_path_argument(raw));
        return;
    }
    mirror_.interfaces_added(path, interfaces);
}

void BluezWatch::on_interfaces_removed(sdbus::Message& message) {
    sd_bus_message* raw = RawMessage::of(message);
    if (!from_bluez(raw)) {
        return;
    }
    sdbus::ObjectPath path;
    std::vector<std::string> interfaces;
    try {
        message >> path >> interfaces;
    } catch (const sdbus::Error& e) {
        listener_.malformed_signal("InterfacesRemoved: " + e.getMessage(),
                                   object_path_argument(raw));
        return;
    }
    // Only the mirror reacts, and only to the interfaces that went: a device's resources go
    // with its Device1 (BluezMirror::interfaces_removed), not with Battery1 or MediaControl1,
    // which come and go with a connection.
    mirror_.interfaces_removed(path, interfaces);
}

void BluezWatch::on_properties_changed(sdbus::Message& message) {
    sd_bus_message* raw = RawMessage::of(message);
    if (!from_bluez(raw)) {
        return;
    }
    const char* path = sd_bus_message_get_path(raw);
    if (path == nullptr) {
        return;  // sd-bus does not deliver a signal without a path
    }
    PropertyMap changed;
    std::string_view interface;
    try {
        interface = read_properties_changed(raw, changed);
    } catch (const MalformedBody& e) {
        listener_.malformed_signal("PropertiesChanged: " + std::string(e.what()), path);
        return;
    }
    if (changed.empty()) {
        // Only properties btfenced does not read (RSSI, TxPower, ManufacturerData, a GATT
        // value): most signals in a crowded room. btfenced built nothing for it; for a
        // device it is a sign of life for the eviction order (docs/performance.md).
        if (interface == kDeviceInterface) {
            mirror_.heard_from(path);
        }
        return;
    }
    mirror_.properties_changed(path, std::string(interface), changed);
}

}  // namespace btfence::bluez
