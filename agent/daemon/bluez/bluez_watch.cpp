#include "bluez/bluez_watch.hpp"

#include <sdbus-c++/IProxy.h>
#include <sdbus-c++/Message.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bluez/names.hpp"

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

bool BluezWatch::from_bluez(const sdbus::Message& message) const {
    return !owner_.empty() && message.getSender() == owner_;
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
        listener_.malformed_signal("NameOwnerChanged: " + e.getMessage());
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
    if (!from_bluez(message)) {
        return;
    }
    sdbus::ObjectPath path;
    std::map<std::string, PropertyMap> interfaces;
    try {
        message >> path >> interfaces;
    } catch (const sdbus::Error& e) {
        listener_.malformed_signal("InterfacesAdded: " + e.getMessage());
        return;
    }
    mirror_.interfaces_added(path, interfaces);
}

void BluezWatch::on_interfaces_removed(sdbus::Message& message) {
    if (!from_bluez(message)) {
        return;
    }
    sdbus::ObjectPath path;
    std::vector<std::string> interfaces;
    try {
        message >> path >> interfaces;
    } catch (const sdbus::Error& e) {
        listener_.malformed_signal("InterfacesRemoved: " + e.getMessage());
        return;
    }
    // Only the mirror reacts, and only to the interfaces that went: a device's resources go
    // with its Device1 (BluezMirror::interfaces_removed), not with Battery1 or MediaControl1,
    // which come and go with a connection.
    mirror_.interfaces_removed(path, interfaces);
}

namespace {

// Reads a PropertiesChanged body after its interface name and says whether it changes RSSI
// and nothing else — most signals in a crowded room. Such a signal is handled without
// building a PropertyMap (sdbus-c++ allocates a message per Variant), which was most of the
// cost of a flood (docs/performance.md). Throws sdbus::Error on a malformed body.
bool changes_only_rssi(sdbus::Message& message) {
    message.enterContainer("{sv}");
    std::size_t entries = 0;
    while (message.enterDictEntry("sv")) {
        std::string key;
        message >> key;
        std::string type;
        std::string contents;
        message.peekType(type, contents);
        if (++entries > 1 || key != "RSSI" || contents != "n") {
            return false;
        }
        std::int16_t rssi = 0;
        message.enterVariant("n");
        message >> rssi;
        message.exitVariant();
        message.exitDictEntry();
    }
    message.clearFlags();
    message.exitContainer();
    std::vector<std::string> invalidated;
    message >> invalidated;
    return entries == 1 && invalidated.empty();
}

}  // namespace

void BluezWatch::on_properties_changed(sdbus::Message& message) {
    if (!from_bluez(message)) {
        return;
    }
    std::string interface;
    PropertyMap changed;
    try {
        message >> interface;
        if (interface == kDeviceInterface) {
            bool rssi_only = false;
            try {
                rssi_only = changes_only_rssi(message);
            } catch (const sdbus::Error&) {
                // Malformed: the full parse below reports it.
            }
            if (rssi_only) {
                mirror_.heard_from(message.getPath());
                return;
            }
            message.rewind(true);
            message >> interface;
        }
        message >> changed;
    } catch (const sdbus::Error& e) {
        listener_.malformed_signal("PropertiesChanged: " + e.getMessage());
        return;
    }
    mirror_.properties_changed(message.getPath(), interface, changed);
}

}  // namespace btfence::bluez
