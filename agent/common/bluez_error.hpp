#pragma once
// The error a call on bluetoothd ended with, as a type: what btfenced does next depends on
// which error it is (retry, carry on, or stop because the object is gone), so the D-Bus error
// name is parsed once here instead of being searched for substrings at each call site.
// Names: bluez 5.66 src/error.h (org.bluez.Error.*) and the D-Bus specification
// (org.freedesktop.DBus.Error.*); what each means for btfenced and btfence-probe:
// docs/bluez-facts.md. Shared by both (agent/common), so the two read errors one way.
#include <string>
#include <string_view>

namespace btfence::bluez {

enum class ErrorKind {
    // org.bluez.Error.*
    DoesNotExist,      ///< RemoveDevice of a device bluetoothd no longer has; unknown agent
    AlreadyExists,     ///< RegisterAgent by a connection that has registered one
    NotConnected,      ///< Disconnect of a device that is not connected
    NotReady,          ///< the adapter is not powered
    InProgress,        ///< another operation on the object is running
    Failed,            ///< org.bluez.Error.Failed (and bluez errors btfenced does not tell apart)
    InvalidArguments,  ///< org.bluez.Error.InvalidArguments
    // org.freedesktop.DBus.Error.*
    UnknownObject,   ///< no object at the path (the object went away)
    UnknownMethod,   ///< libdbus's answer for a path with no object, or a missing interface
    InvalidArgs,     ///< Properties.GetAll/Set of an interface the object does not have
    NoReply,         ///< no answer within the call timeout, or bluetoothd died before answering
    ServiceUnknown,  ///< org.bluez has no owner (bluetoothd is not running)
    Disconnected,    ///< btfenced's own bus connection is gone
    AccessDenied,    ///< the bus policy refused the call
    // btfenced's own
    Cancelled,  ///< bluetoothd left the bus while the call was pending (cancel_all())
    Other,      ///< anything else; kept by name in the description
};

class BluezError {
  public:
    /// Parses a D-Bus error name ("org.bluez.Error.NotReady").
    BluezError(std::string name, std::string message);
    /// The error every pending call completes with when bluetoothd leaves the bus.
    static BluezError cancelled_bluez_left();

    [[nodiscard]] ErrorKind kind() const { return kind_; }
    [[nodiscard]] const std::string& name() const { return name_; }
    [[nodiscard]] const std::string& message() const { return message_; }
    /// "org.bluez.Error.NotReady: Resource Not Ready", for the audit trail.
    [[nodiscard]] std::string describe() const;

    /// bluetoothd says the object the call was about does not exist (any more): a device
    /// or adapter that went away. Retrying cannot help; the caller's goal may be reached.
    [[nodiscard]] bool object_gone() const;
    /// bluetoothd is not there to answer (not on the bus, left, or our connection is gone):
    /// retrying before it returns cannot help; btfenced starts over when it does.
    [[nodiscard]] bool bluez_gone() const;
    /// A call on a remote device's GATT objects failed because the link to the device, or the
    /// object, went away: it says nothing about what the device is (btfence-probe reports
    /// such a probe as interrupted, not failed). NotConnected, UnknownObject, NoReply (a
    /// timeout included), and org.bluez.Error.Failed whose message says "Not connected": how
    /// bluetoothd's GATT client answers a read or write on a device that is not connected
    /// (docs/bluez-facts.md, "The design's premises", bluez error names).
    [[nodiscard]] bool link_lost() const;

  private:
    ErrorKind kind_;
    std::string name_;
    std::string message_;
};

/// The D-Bus name of an ErrorKind btfenced recognises ("" for Other and Cancelled).
std::string_view dbus_name(ErrorKind kind);

}  // namespace btfence::bluez
