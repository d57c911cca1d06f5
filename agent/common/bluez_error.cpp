#include "bluez_error.hpp"

#include <array>
#include <utility>

namespace btfence::bluez {
namespace {

struct KnownName {
    ErrorKind kind;
    std::string_view name;
};

constexpr std::array kKnownNames = {
    KnownName{ErrorKind::DoesNotExist, "org.bluez.Error.DoesNotExist"},
    KnownName{ErrorKind::AlreadyExists, "org.bluez.Error.AlreadyExists"},
    KnownName{ErrorKind::NotConnected, "org.bluez.Error.NotConnected"},
    KnownName{ErrorKind::NotReady, "org.bluez.Error.NotReady"},
    KnownName{ErrorKind::InProgress, "org.bluez.Error.InProgress"},
    KnownName{ErrorKind::Failed, "org.bluez.Error.Failed"},
    KnownName{ErrorKind::InvalidArguments, "org.bluez.Error.InvalidArguments"},
    KnownName{ErrorKind::UnknownObject, "org.freedesktop.DBus.Error.UnknownObject"},
    KnownName{ErrorKind::UnknownMethod, "org.freedesktop.DBus.Error.UnknownMethod"},
    KnownName{ErrorKind::UnknownMethod, "org.freedesktop.DBus.Error.UnknownInterface"},
    KnownName{ErrorKind::InvalidArgs, "org.freedesktop.DBus.Error.InvalidArgs"},
    KnownName{ErrorKind::NoReply, "org.freedesktop.DBus.Error.NoReply"},
    KnownName{ErrorKind::NoReply, "org.freedesktop.DBus.Error.Timeout"},
    KnownName{ErrorKind::ServiceUnknown, "org.freedesktop.DBus.Error.ServiceUnknown"},
    KnownName{ErrorKind::ServiceUnknown, "org.freedesktop.DBus.Error.NameHasNoOwner"},
    KnownName{ErrorKind::Disconnected, "org.freedesktop.DBus.Error.Disconnected"},
    KnownName{ErrorKind::AccessDenied, "org.freedesktop.DBus.Error.AccessDenied"},
};

constexpr std::string_view kCancelledName = "org.btfence1.Error.BluezLeft";

ErrorKind kind_of(std::string_view name) {
    for (const auto& known : kKnownNames) {
        if (known.name == name) {
            return known.kind;
        }
    }
    if (name == kCancelledName) {
        return ErrorKind::Cancelled;
    }
    return ErrorKind::Other;
}

}  // namespace

BluezError::BluezError(std::string name, std::string message)
    : kind_(kind_of(name)), name_(std::move(name)), message_(std::move(message)) {}

BluezError BluezError::cancelled_bluez_left() {
    return {std::string(kCancelledName), "bluetoothd left the bus before answering"};
}

std::string BluezError::describe() const {
    return message_.empty() ? name_ : name_ + ": " + message_;
}

bool BluezError::object_gone() const {
    return kind_ == ErrorKind::DoesNotExist || kind_ == ErrorKind::UnknownObject ||
           kind_ == ErrorKind::UnknownMethod;
}

bool BluezError::bluez_gone() const {
    return kind_ == ErrorKind::ServiceUnknown || kind_ == ErrorKind::Disconnected ||
           kind_ == ErrorKind::Cancelled;
}

bool BluezError::link_lost() const {
    // bluetoothd's GATT client has no error name of its own for a lost link: it sends Failed
    // with this message. The message is looked at here only, for this one kind.
    return kind_ == ErrorKind::NotConnected || kind_ == ErrorKind::UnknownObject ||
           kind_ == ErrorKind::NoReply ||
           (kind_ == ErrorKind::Failed && message_.find("Not connected") != std::string::npos);
}

std::string_view dbus_name(ErrorKind kind) {
    for (const auto& known : kKnownNames) {
        if (known.kind == kind) {
            return known.name;
        }
    }
    return kind == ErrorKind::Cancelled ? kCancelledName : std::string_view();
}

}  // namespace btfence::bluez
