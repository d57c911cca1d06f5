#include "gatt_client.hpp"

#include <poll.h>

#include <algorithm>
#include <cctype>
#include <cerrno>

#include "ble_framing.hpp"
#include "bluez_error.hpp"
#include "probe_error.hpp"

namespace btfence::fido {
namespace {

constexpr const char* kBluez = "org.bluez";
constexpr const char* kDevice1 = "org.bluez.Device1";
constexpr const char* kGattService1 = "org.bluez.GattService1";
constexpr const char* kGattCharacteristic1 = "org.bluez.GattCharacteristic1";
constexpr const char* kProperties = "org.freedesktop.DBus.Properties";
constexpr const char* kObjectManager = "org.freedesktop.DBus.ObjectManager";

using Properties = std::map<std::string, sdbus::Variant>;

std::string lowercase(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

template <typename T>
std::optional<T> property(const Properties& properties, const std::string& name) {
    const auto it = properties.find(name);
    if (it == properties.end() || !it->second.containsValueOfType<T>()) {
        return std::nullopt;
    }
    return it->second.get<T>();
}

std::string hex(std::uint8_t byte) {
    static constexpr char kDigits[] = "0123456789abcdef";
    return std::string("0x") + kDigits[byte >> 4U] + kDigits[byte & 0x0FU];
}

// sdbus-c++ reads a zero timeout as "the library default" (25 s): never pass one.
std::chrono::microseconds call_timeout(Deadline deadline, const char* what) {
    const auto left = deadline.remaining();
    if (left.count() <= 0) {
        throw ProbeError(std::string("the deadline passed before ") + what,
                         ProbeError::Kind::Interrupted);
    }
    return std::chrono::duration_cast<std::chrono::microseconds>(left);
}

}  // namespace

ProbeError gatt_call_failed(const char* what, const sdbus::Error& error) {
    // A call that failed because the link or the object went away says nothing about what
    // the device is; any other failure does. Read as btfenced reads bluetoothd's errors.
    const bluez::BluezError bluez_error(error.getName(), error.getMessage());
    return ProbeError(
        std::string(what) + " failed: " + bluez_error.describe(),
        bluez_error.link_lost() ? ProbeError::Kind::Interrupted : ProbeError::Kind::Failure);
}

std::string describe_revisions(std::uint8_t bits) {
    std::string out;
    const auto add = [&out](const char* name) {
        out += out.empty() ? "" : ", ";
        out += name;
    };
    if ((bits & kRevisionU2f11) != 0) {
        add("U2F 1.1");
    }
    if ((bits & kRevisionU2f12) != 0) {
        add("U2F 1.2");
    }
    if ((bits & kRevisionFido2) != 0) {
        add("FIDO2");
    }
    return out.empty() ? "nothing known" : out;
}

FidoCharacteristics find_fido_characteristics(const ManagedObjects& objects,
                                              const std::string& device_path) {
    const std::string prefix = device_path + "/";
    FidoCharacteristics found;
    for (const auto& [path, interfaces] : objects) {
        if (!path.starts_with(prefix)) {
            continue;
        }
        const auto service = interfaces.find(kGattService1);
        if (service == interfaces.end()) {
            continue;
        }
        if (lowercase(property<std::string>(service->second, "UUID").value_or("")) ==
            kFidoServiceUuid) {
            found.service = path;
            break;  // one FIDO service per device; the first is the one we talk to
        }
    }
    if (found.service.empty()) {
        throw ProbeError("the device serves no FIDO GATT service (0xFFFD)");
    }
    for (const auto& [path, interfaces] : objects) {
        const auto characteristic = interfaces.find(kGattCharacteristic1);
        if (characteristic == interfaces.end() ||
            property<sdbus::ObjectPath>(characteristic->second, "Service").value_or("") !=
                found.service) {
            continue;
        }
        const std::string uuid =
            lowercase(property<std::string>(characteristic->second, "UUID").value_or(""));
        if (uuid == kFidoControlPointUuid) {
            found.control_point = path;
            found.control_point_flags =
                property<std::vector<std::string>>(characteristic->second, "Flags")
                    .value_or(std::vector<std::string>{});
        } else if (uuid == kFidoStatusUuid) {
            found.status = path;
        } else if (uuid == kFidoControlPointLengthUuid) {
            found.control_point_length = path;
        } else if (uuid == kFidoServiceRevisionBitfieldUuid) {
            found.revision_bitfield = path;
        }
    }
    std::string missing;
    const auto require = [&missing](const std::string& path, const char* name) {
        if (path.empty()) {
            missing += missing.empty() ? "" : ", ";
            missing += name;
        }
    };
    require(found.control_point, "fidoControlPoint");
    require(found.status, "fidoStatus");
    require(found.control_point_length, "fidoControlPointLength");
    if (!missing.empty()) {
        throw ProbeError("the FIDO GATT service lacks " + missing);
    }
    return found;
}

BluezFidoGattClient::BluezFidoGattClient(std::string device_path, Log log)
    : device_path_(std::move(device_path)), log_(std::move(log)) {}

// No StopNotify: bluetoothd ends a client's notification session when the client leaves the
// bus (src/gatt-client.c, the disconnect watch of each notify client), and the probe exits
// right after; a call here would only add time after the deadline.
BluezFidoGattClient::~BluezFidoGattClient() = default;

std::unique_ptr<BluezFidoGattClient> BluezFidoGattClient::open(const std::string& device_path,
                                                               Deadline deadline, Log log) {
    std::unique_ptr<BluezFidoGattClient> client(
        new BluezFidoGattClient(device_path, std::move(log)));
    try {
        client->set_up(deadline);
    } catch (const sdbus::Error& e) {
        throw gatt_call_failed("setting up the FIDO GATT service", e);
    }
    return client;
}

void BluezFidoGattClient::set_up(Deadline deadline) {
    try {
        connection_ = sdbus::createSystemBusConnection();
    } catch (const sdbus::Error& e) {
        throw gatt_call_failed("connecting to the system bus", e);
    }
    resolve_bluez_owner(deadline);
    device_ = sdbus::createProxy(*connection_, kBluez, device_path_);
    // Subscribed before the first read, so that no change between the read and the
    // subscription is missed.
    device_->uponSignal("PropertiesChanged")
        .onInterface(kProperties)
        .call([this](const std::string& interface, const Properties& changed,
                     const std::vector<std::string>& /*invalidated*/) {
            if (interface != kDevice1 || !from_bluez(*device_)) {
                return;
            }
            if (const auto connected = property<bool>(changed, "Connected")) {
                connected_ = *connected;
            }
            if (const auto resolved = property<bool>(changed, "ServicesResolved")) {
                services_resolved_ = *resolved;
            }
        });
    device_->finishRegistration();

    wait_for_services(deadline);

    ManagedObjects objects;
    auto root = sdbus::createProxy(*connection_, kBluez, "/");
    try {
        root->callMethod("GetManagedObjects")
            .onInterface(kObjectManager)
            .withTimeout(call_timeout(deadline, "GetManagedObjects"))
            .storeResultsTo(objects);
    } catch (const sdbus::Error& e) {
        throw gatt_call_failed("GetManagedObjects on org.bluez", e);
    }
    characteristics_ = find_fido_characteristics(objects, device_path_);
    note("FIDO service " + characteristics_.service);

    const auto& flags = characteristics_.control_point_flags;
    const auto has_flag = [&flags](const char* flag) {
        return std::find(flags.begin(), flags.end(), flag) != flags.end();
    };
    // fidoControlPoint is "write" (with response) in CTAP 2.2 §11.4.1; a device that only
    // offers write-without-response gets that instead.
    write_type_ =
        (!has_flag("write") && has_flag("write-without-response")) ? "command" : "request";

    control_point_length_ = read_control_point_length(deadline);
    select_fido2(deadline);
    subscribe_status(deadline);
    control_point_ = sdbus::createProxy(*connection_, kBluez, characteristics_.control_point);
}

void BluezFidoGattClient::resolve_bluez_owner(Deadline deadline) {
    // Method replies need no such check: the bus delivers only replies to calls we made, from
    // the name we called. Signals are different (see from_bluez), so they are checked against
    // the unique name that owns org.bluez now. If bluetoothd restarts during the probe, its
    // new signals are ignored and the probe ends at its deadline, inconclusive.
    auto bus = sdbus::createProxy(*connection_, "org.freedesktop.DBus", "/org/freedesktop/DBus");
    try {
        bus->callMethod("GetNameOwner")
            .onInterface("org.freedesktop.DBus")
            .withTimeout(call_timeout(deadline, "looking up org.bluez"))
            .withArguments(std::string(kBluez))
            .storeResultsTo(bluez_owner_);
    } catch (const sdbus::Error& e) {
        // NameHasNoOwner: bluetoothd is not running, so it knows no device.
        throw ProbeError(
            "BlueZ does not know the device " + device_path_ + " (org.bluez: " + e.getName() + ")",
            ProbeError::Kind::Interrupted);
    }
}

bool BluezFidoGattClient::from_bluez(const sdbus::IProxy& proxy) const {
    const sdbus::Message* message = proxy.getCurrentlyProcessedMessage();
    return message != nullptr && !bluez_owner_.empty() && message->getSender() == bluez_owner_;
}

void BluezFidoGattClient::wait_for_services(Deadline deadline) {
    Properties properties;
    try {
        device_->callMethod("GetAll")
            .onInterface(kProperties)
            .withTimeout(call_timeout(deadline, "reading the device"))
            .withArguments(std::string(kDevice1))
            .storeResultsTo(properties);
    } catch (const sdbus::Error& e) {
        throw ProbeError(
            "BlueZ does not know the device " + device_path_ + " (" + e.getName() + ")",
            ProbeError::Kind::Interrupted);
    }
    connected_ = property<bool>(properties, "Connected").value_or(false);
    services_resolved_ = property<bool>(properties, "ServicesResolved").value_or(false);
    if (!connected_) {
        throw ProbeError("the device is not connected", ProbeError::Kind::Interrupted);
    }
    if (!services_resolved_) {
        note("waiting for ServicesResolved");
        if (!pump_until(deadline, [this] { return services_resolved_ || !connected_; })) {
            throw ProbeError("the device's GATT services were not resolved before the deadline",
                             ProbeError::Kind::Interrupted);
        }
        check_connected();
    }
}

std::uint16_t BluezFidoGattClient::read_control_point_length(Deadline deadline) {
    auto characteristic =
        sdbus::createProxy(*connection_, kBluez, characteristics_.control_point_length);
    const auto value = read_value(*characteristic, "reading fidoControlPointLength", deadline);
    if (value.size() != 2) {
        throw ProbeError("fidoControlPointLength has " + std::to_string(value.size()) +
                         " bytes instead of 2");
    }
    const auto length = static_cast<std::uint16_t>((value[0] << 8U) | value[1]);
    if (length < kMinControlPointLength || length > kMaxControlPointLength) {
        throw ProbeError("fidoControlPointLength " + std::to_string(length) +
                         " is outside [20, 512]");
    }
    note("fidoControlPointLength " + std::to_string(length));
    return length;
}

void BluezFidoGattClient::select_fido2(Deadline deadline) {
    if (characteristics_.revision_bitfield.empty()) {
        // A U2F 1.0 device has no such characteristic; getInfo will tell.
        note("no fidoServiceRevisionBitfield");
        return;
    }
    auto characteristic =
        sdbus::createProxy(*connection_, kBluez, characteristics_.revision_bitfield);
    const auto value = read_value(*characteristic, "reading fidoServiceRevisionBitfield", deadline);
    if (value.empty()) {
        throw ProbeError("fidoServiceRevisionBitfield is empty");
    }
    note("fidoServiceRevisionBitfield " + hex(value[0]));
    if ((value[0] & kRevisionFido2) == 0) {
        throw ProbeError(
            "the authenticator does not offer FIDO2 over BLE "
            "(fidoServiceRevisionBitfield " +
            hex(value[0]) + ": " + describe_revisions(value[0]) + ")");
    }
    write_value(*characteristic, {kRevisionFido2}, "request",
                "selecting FIDO2 in fidoServiceRevisionBitfield", deadline);
}

void BluezFidoGattClient::subscribe_status(Deadline deadline) {
    status_ = sdbus::createProxy(*connection_, kBluez, characteristics_.status);
    status_->uponSignal("PropertiesChanged")
        .onInterface(kProperties)
        .call([this](const std::string& interface, const Properties& changed,
                     const std::vector<std::string>& /*invalidated*/) {
            if (interface != kGattCharacteristic1 || !from_bluez(*status_)) {
                return;
            }
            // bluetoothd emits Value for every notification, equal to the last one or not
            // (src/gatt-client.c notify_cb).
            if (auto value = property<std::vector<std::uint8_t>>(changed, "Value")) {
                notifications_.push_back(std::move(*value));
            }
        });
    status_->finishRegistration();
    try {
        status_->callMethod("StartNotify")
            .onInterface(kGattCharacteristic1)
            .withTimeout(call_timeout(deadline, "StartNotify on fidoStatus"))
            .storeResultsTo();
    } catch (const sdbus::Error& e) {
        throw gatt_call_failed("StartNotify on fidoStatus", e);
    }
}

std::vector<std::uint8_t> BluezFidoGattClient::read_value(sdbus::IProxy& characteristic,
                                                          const char* what, Deadline deadline) {
    std::vector<std::uint8_t> value;
    try {
        characteristic.callMethod("ReadValue")
            .onInterface(kGattCharacteristic1)
            .withTimeout(call_timeout(deadline, what))
            .withArguments(Properties{})
            .storeResultsTo(value);
    } catch (const sdbus::Error& e) {
        throw gatt_call_failed(what, e);
    }
    return value;
}

void BluezFidoGattClient::write_value(sdbus::IProxy& characteristic,
                                      const std::vector<std::uint8_t>& value,
                                      const std::string& type, const char* what,
                                      Deadline deadline) {
    try {
        characteristic.callMethod("WriteValue")
            .onInterface(kGattCharacteristic1)
            .withTimeout(call_timeout(deadline, what))
            .withArguments(value, Properties{{"type", sdbus::Variant(type)}})
            .storeResultsTo();
    } catch (const sdbus::Error& e) {
        throw gatt_call_failed(what, e);
    }
}

void BluezFidoGattClient::write_control_point(std::span<const std::uint8_t> fragment,
                                              Deadline deadline) {
    check_connected();
    write_value(*control_point_, std::vector<std::uint8_t>(fragment.begin(), fragment.end()),
                write_type_, "writing fidoControlPoint", deadline);
}

std::optional<std::vector<std::uint8_t>> BluezFidoGattClient::next_notification(Deadline deadline) {
    if (notifications_.empty()) {
        pump_until(deadline, [this] { return !notifications_.empty() || !connected_; });
    }
    // Notifications that arrived before a disconnect still count: they came first.
    if (notifications_.empty()) {
        check_connected();
        return std::nullopt;
    }
    auto next = std::move(notifications_.front());
    notifications_.pop_front();
    return next;
}

bool BluezFidoGattClient::pump_until(Deadline deadline, const std::function<bool()>& done) {
    try {
        while (!done()) {
            if (connection_->processPendingRequest()) {
                continue;
            }
            if (deadline.expired()) {
                return false;
            }
            const auto poll_data = connection_->getEventLoopPollData();
            const int bus_timeout = poll_data.getPollTimeout();
            const int left = static_cast<int>(deadline.remaining().count());
            pollfd fd{poll_data.fd, poll_data.events, 0};
            const int result =
                ::poll(&fd, 1, bus_timeout < 0 ? std::max(left, 1) : std::min(bus_timeout, left));
            if (result < 0 && errno != EINTR) {
                throw ProbeError("poll on the system bus failed");
            }
        }
    } catch (const sdbus::Error& e) {
        throw gatt_call_failed("talking to the system bus", e);
    }
    return true;
}

void BluezFidoGattClient::check_connected() const {
    if (!connected_) {
        throw ProbeError("the device disconnected", ProbeError::Kind::Interrupted);
    }
}

void BluezFidoGattClient::note(const std::string& line) const {
    if (log_) {
        log_(line);
    }
}

}  // namespace btfence::fido
