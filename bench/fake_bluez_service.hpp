#pragma once
// The org.bluez side of the benchmarks: a minimal, fast imitation of bluetoothd 5.66's D-Bus
// surface — just what btfenced touches. One adapter (/org/bluez/hci0), devices under it,
// ObjectManager at /, AgentManager1 at /org/bluez (remembers the default agent),
// Adapter1.RemoveDevice and Device1.Disconnect (both time-stamped on arrival), and
// Properties.GetAll for devices. It also emits the signals bluetoothd would: InterfacesAdded,
// InterfacesRemoved and PropertiesChanged.
//
// Single-threaded: everything happens in Pump::run_until on the owner's thread.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "support/bus.hpp"

namespace btfence::bench {

inline constexpr const char* kAdapterPath = "/org/bluez/hci0";
inline constexpr const char* kAdapterAddress = "00:AA:01:00:00:01";
inline constexpr const char* kFidoUuid = "0000fffd-0000-1000-8000-00805f9b34fb";
inline constexpr const char* kHidUuid = "00001812-0000-1000-8000-00805f9b34fb";
inline constexpr const char* kHybridUuid = "0000fff9-0000-1000-8000-00805f9b34fb";

struct FakeDevice {
    std::string address;
    std::string name;
    std::vector<std::string> uuids;
    bool paired = false;
    std::int16_t rssi = -60;
};

struct AgentRegistration {
    std::string sender;  ///< unique bus name of the agent's connection
    std::string path;
};

/// Counts of the calls the fake received, by kind.
struct CallCounts {
    std::uint64_t get_managed_objects = 0;
    std::uint64_t get_all = 0;
    std::uint64_t register_agent = 0;
    std::uint64_t request_default_agent = 0;
    std::uint64_t unregister_agent = 0;
    std::uint64_t remove_device = 0;
    std::uint64_t disconnect = 0;
    std::uint64_t other = 0;

    [[nodiscard]] std::uint64_t total() const {
        return get_managed_objects + get_all + register_agent + request_default_agent +
               unregister_agent + remove_device + disconnect + other;
    }
};

class FakeBluezService {
  public:
    using CallHook = std::function<void(const std::string& device_path, Clock::time_point)>;

    explicit FakeBluezService(sd_bus* bus);
    FakeBluezService(const FakeBluezService&) = delete;
    FakeBluezService& operator=(const FakeBluezService&) = delete;

    /// Claims org.bluez; the caller announces readiness afterwards.
    void acquire_name();

    /// "/org/bluez/hci0/dev_C0_00_.." for a device number; every number gives its own
    /// static random address.
    static std::string device_path(std::uint32_t index);
    static std::string device_address(std::uint32_t index);

    /// Adds a device object; `announce` emits InterfacesAdded (otherwise it is only visible
    /// through GetManagedObjects).
    void add_device(const std::string& path, FakeDevice device, bool announce);
    [[nodiscard]] bool has_device(const std::string& path) const;
    [[nodiscard]] std::size_t device_count() const { return devices_.size(); }

    /// PropertiesChanged(org.bluez.Device1, {"RSSI": n}) — advertising churn.
    void emit_rssi(const std::string& path, std::int16_t rssi);
    /// PropertiesChanged(org.bluez.Device1, {"ServiceData": {uuid: bytes}}) — rotating
    /// service data, which btfenced must re-classify.
    void emit_service_data(const std::string& path, const std::vector<std::uint8_t>& bytes);
    /// PropertiesChanged(org.bluez.Device1, {"Paired": value}).
    void emit_paired(const std::string& path, bool paired);

    [[nodiscard]] const std::optional<AgentRegistration>& default_agent() const {
        return default_agent_;
    }
    /// Every agent that has asked to be the default, in order (the benchmark can compare
    /// several agents registered at once by calling each in turn).
    [[nodiscard]] const std::vector<AgentRegistration>& agents_that_asked_default() const {
        return asked_default_;
    }
    [[nodiscard]] const CallCounts& calls() const { return calls_; }

    /// Called when Adapter1.RemoveDevice / Device1.Disconnect arrives, with the arrival time.
    void on_remove_device(CallHook hook) { on_remove_device_ = std::move(hook); }
    void on_disconnect(CallHook hook) { on_disconnect_ = std::move(hook); }

  private:
    static int dispatch(sd_bus_message* message, void* userdata, sd_bus_error* error);
    int handle(sd_bus_message* message);
    int get_managed_objects(sd_bus_message* message);
    int get_all(sd_bus_message* message, const std::string& path);
    int agent_manager(sd_bus_message* message, const std::string& member);
    int remove_device(sd_bus_message* message);
    int disconnect(sd_bus_message* message, const std::string& path);
    void emit_interfaces_removed(const std::string& path);

    sd_bus* bus_;
    SlotPtr slot_;
    std::unordered_map<std::string, FakeDevice> devices_;
    std::vector<AgentRegistration> agents_;
    std::optional<AgentRegistration> default_agent_;
    std::vector<AgentRegistration> asked_default_;
    CallCounts calls_;
    CallHook on_remove_device_;
    CallHook on_disconnect_;
};

}  // namespace btfence::bench
