#pragma once
// Feeds the mirror from the bus: ObjectManager InterfacesAdded/Removed, PropertiesChanged
// under /org/bluez, and NameOwnerChanged for org.bluez (bluetoothd start, stop, crash).
// Signals are accepted only from the current owner of org.bluez: anyone on the system bus
// can emit a signal that looks like BlueZ's.
#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/IProxy.h>
#include <systemd/sd-bus.h>

#include <functional>
#include <memory>
#include <string>

#include "bluez/bluez_calls.hpp"
#include "bluez/mirror.hpp"
#include "retry/retry_queue.hpp"

namespace btfence::bluez {

class BluezWatchListener {
  public:
    virtual ~BluezWatchListener() = default;
    /// org.bluez has an owner; its objects are about to be loaded into the mirror. Device
    /// notifications until bluez_ready() are the initial population, not changes.
    virtual void bluez_loading() = 0;
    /// org.bluez has an owner and the mirror holds its objects (GetManagedObjects done).
    virtual void bluez_ready(const std::string& owner) = 0;
    /// GetManagedObjects failed (`failures` times in a row for this owner); it is retried
    /// after `retry_in`. Until it succeeds the mirror is not loaded (BluezMirror::loaded()).
    virtual void bluez_load_failed(const std::string& owner, const BluezError& error,
                                   retry::Clock::duration retry_in, unsigned failures) = 0;
    /// org.bluez lost its owner; the mirror has been cleared.
    virtual void bluez_lost() = 0;
    /// At start, org.bluez had no owner (bluetoothd not running yet).
    virtual void bluez_absent() = 0;
    /// A signal from BlueZ could not be decoded (a body of the wrong shape). `object_path` is
    /// the object it was about when that much could be read, else empty: the change it
    /// carried is lost, so the listener reads that object again.
    virtual void malformed_signal(const std::string& what, const std::string& object_path) = 0;
};

class BluezWatch {
  public:
    BluezWatch(sdbus::IConnection& connection, BluezCalls& calls, retry::RetryQueue& retries,
               BluezMirror& mirror, BluezWatchListener& listener);
    ~BluezWatch();
    BluezWatch(const BluezWatch&) = delete;
    BluezWatch& operator=(const BluezWatch&) = delete;

    /// Installs the matches and looks for a current owner of org.bluez.
    void start();

    [[nodiscard]] bool bluez_present() const { return !owner_.empty(); }
    /// Whether `sender` (a unique bus name) is bluetoothd: the current owner of org.bluez.
    [[nodiscard]] bool is_bluez(const std::string& sender) const {
        return !owner_.empty() && sender == owner_;
    }

  private:
    void on_name_owner_changed(sdbus::Message& message);
    void on_interfaces_added(sdbus::Message& message);
    void on_interfaces_removed(sdbus::Message& message);
    void on_properties_changed(sdbus::Message& message);
    void ask_name_owner();
    void owner_appeared(const std::string& owner);
    void load(std::uint64_t generation);
    void owner_vanished();
    [[nodiscard]] bool from_bluez(sd_bus_message* message) const;

    sdbus::IConnection& connection_;
    BluezCalls& calls_;
    retry::RetryQueue& retries_;
    BluezMirror& mirror_;
    BluezWatchListener& listener_;
    std::string owner_;             ///< unique name of bluetoothd, empty when absent
    std::uint64_t generation_ = 0;  ///< bumps on every owner change; stale replies are dropped
    retry::Backoff load_backoff_;
    retry::RetryQueue::Handle load_retry_;
    retry::Backoff name_owner_backoff_;  ///< GetNameOwner at start, while it fails
    retry::RetryQueue::Handle name_owner_retry_;
    bool absent_reported_ = false;
    std::vector<sdbus::Slot> matches_;
    std::unique_ptr<sdbus::IProxy> bus_proxy_;
};

}  // namespace btfence::bluez
