#pragma once
// The method calls btfenced makes on bluetoothd, behind an interface so that the logic that
// decides to make them is tested without a bus (and so that the transport can change without
// touching that logic).
//
// The contract every implementation keeps, and every caller relies on:
//   - Every call completes exactly once: `done` receives nullopt (success) or a BluezError
//     (bluetoothd's error, a timeout as NoReply, or Cancelled when bluetoothd left the bus
//     and cancel_all() was called). Nothing a caller or bluetoothd does to objects — devices and
//     their interfaces coming and going — drops a call.
//   - `done` never runs before the call function has returned: it runs later, on the event
//     loop. Callers may start the next call from inside `done`.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bluez/mirror.hpp"
#include "bluez/object_path.hpp"
#include "bluez_error.hpp"

namespace btfence::bluez {

using CallResult = std::optional<BluezError>;  ///< nullopt: success
using Done = std::function<void(const CallResult& error)>;
using ManagedObjectsDone = std::function<void(const CallResult& error, ManagedObjects objects)>;
using PropertiesDone = std::function<void(const CallResult& error, PropertyMap properties)>;

class BluezCalls {
  public:
    virtual ~BluezCalls() = default;
    /// AgentManager1 on /org/bluez.
    virtual void register_agent(const ObjectPath& agent, const std::string& capability,
                                Done done) = 0;
    virtual void request_default_agent(const ObjectPath& agent, Done done) = 0;
    virtual void unregister_agent(const ObjectPath& agent, Done done) = 0;
    /// Properties.Set(org.bluez.Device1, "Blocked", blocked). Blocking drops every link to
    /// the device at once (no 2 s disconnect timer: docs/bluez-facts.md, "Removal") and makes
    /// bluetoothd refuse its connections until it is unblocked.
    virtual void set_blocked(const DevicePath& device, bool blocked, Done done) = 0;
    virtual void disconnect_device(const DevicePath& device, Done done) = 0;
    virtual void remove_device(const AdapterPath& adapter, const DevicePath& device, Done done) = 0;
    /// AdminPolicySet1.SetServiceAllowList; `uuids` in canonical 128-bit form.
    virtual void set_service_allowlist(const AdapterPath& adapter,
                                       const std::vector<std::string>& uuids, Done done) = 0;
    /// ObjectManager.GetManagedObjects on "/".
    virtual void get_managed_objects(ManagedObjectsDone done) = 0;
    /// Properties.GetAll(org.bluez.Device1).
    virtual void get_device_properties(const DevicePath& device, PropertiesDone done) = 0;

    /// bluetoothd left the bus: every pending call completes now with ErrorKind::Cancelled
    /// (a late answer from the old bluetoothd is dropped, it has been answered already).
    virtual void cancel_all() = 0;
};

}  // namespace btfence::bluez
