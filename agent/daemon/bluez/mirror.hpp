#pragma once
// The BlueZ mirror: btfenced's copy of the adapters and devices bluetoothd exposes, kept
// current from ObjectManager and PropertiesChanged. It only records facts and tells its
// observer what changed; deciding and acting happen elsewhere (enforce/, pairing/).
//
// The device table is bounded: a crowded room can show tens of thousands of advertisers.
// When full, the device least recently heard from (any PropertiesChanged, RSSI included)
// that is not paired, bonded, connected or trusted is forgotten — such a device needs no
// enforcement, and if it changes in a way that matters later, the observer is asked to fetch
// its properties (bluez::DeviceLookup); an agent request for it does the same.
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bluez/property_decoder.hpp"
#include "btfence/policy/device_facts.hpp"

namespace btfence::bluez {

struct AdapterState {
    std::string path;                                           ///< "/org/bluez/hci0"
    std::string name;                                           ///< "hci0"
    std::string address;                                        ///< normalised, may be empty
    bool has_admin_policy = false;                              ///< AdminPolicySet1 present
    std::optional<std::vector<std::string>> service_allowlist;  ///< AdminPolicyStatus1 value
};

struct DeviceState {
    std::string path;
    policy::DeviceFacts facts;
    std::vector<std::string> problems;  ///< properties that could not be read (fail-closed)
    std::int64_t last_seen = 0;         ///< Unix seconds of the last signal about it (for Devices)

    /// Connected, or holding a bond or trust: never evicted from the mirror.
    [[nodiscard]] bool engaged() const { return holds_bond_or_trust() || facts.connected; }
    /// What post-hoc enforcement acts on: a bond (Paired/Bonded) or Trusted.
    [[nodiscard]] bool holds_bond_or_trust() const {
        return facts.paired || facts.bonded || facts.trusted;
    }
};

class MirrorObserver {
  public:
    virtual ~MirrorObserver() = default;
    virtual void device_changed(const DeviceState& device, FactChanges changes, bool added) = 0;
    virtual void device_removed(const std::string& path) = 0;
    virtual void adapter_added(const AdapterState& adapter) = 0;
    virtual void adapter_removed(const std::string& path) = 0;
    /// AdminPolicyStatus1.ServiceAllowList changed on this adapter.
    virtual void adapter_allowlist_changed(const AdapterState& adapter) = 0;
    /// A device we do not hold (evicted or missed) changed: its properties should be fetched.
    virtual void device_unknown(const std::string& path) = 0;
};

class BluezMirror {
  public:
    /// Each entry costs about 0.8 KiB. bluetoothd itself forgets a discovered device it has not
    /// heard from for TemporaryTimeout (30 s by default), so this bounds the advertisers heard
    /// within half a minute — a crowded hall. A device pushed out costs one GetAll when it
    /// matters again (bluez::DeviceLookup). 4,096 rather than 8,192 keeps btfenced under the
    /// 16 MiB bar after 100,000 devices (docs/performance.md, "Bounded device table").
    static constexpr std::size_t kDefaultMaxDevices = 4096;

    explicit BluezMirror(std::size_t max_devices = kDefaultMaxDevices)
        : max_devices_(max_devices) {}

    void set_observer(MirrorObserver* observer) { observer_ = observer; }

    /// Forget everything (org.bluez went away); not loaded until set_loaded().
    void clear();
    /// bluetoothd's objects (GetManagedObjects) are in. Until then the mirror holds only what
    /// signals brought, and the pairing gate refuses: a device missing from it may be one
    /// that the first answer would have shown bonded, or allowed.
    void set_loaded() { loaded_ = true; }
    [[nodiscard]] bool loaded() const { return loaded_; }

    void interfaces_added(const std::string& path, const InterfaceMap& interfaces);
    void interfaces_removed(const std::string& path, const std::vector<std::string>& interfaces);
    void properties_changed(const std::string& path, const std::string& interface,
                            const PropertyMap& changed);

    /// A signal that changes nothing a decision depends on (RSSI) came for this device: it
    /// only counts as a sign of life for the eviction order. Unknown paths are ignored.
    void heard_from(std::string_view path);

    /// Records a CTAP verification result; the observer hears of it as an identity change.
    void set_verification(const std::string& path, policy::Verification result);

    [[nodiscard]] const DeviceState* device(const std::string& path) const;
    [[nodiscard]] const AdapterState* adapter(const std::string& path) const;
    [[nodiscard]] const std::map<std::string, AdapterState>& adapters() const { return adapters_; }
    [[nodiscard]] std::size_t device_count() const { return devices_.size(); }
    /// Paths of all devices, for sweeps (a copy: acting on a device can remove it).
    [[nodiscard]] std::vector<std::string> device_paths() const;

  private:
    struct Entry {
        DeviceState state;
        std::list<std::string>::iterator recency;  ///< position in recency_ (front = newest)
    };

    void add_or_update_device(const std::string& path, const PropertyMap& properties,
                              bool from_added);
    void update_adapter(AdapterState& adapter, const std::string& interface,
                        const PropertyMap& properties, bool notify);
    void touch(Entry& entry);
    void evict_if_full();
    [[nodiscard]] std::string adapter_name_for(
        const std::string& device_path, const std::optional<std::string>& adapter_path) const;

    std::size_t max_devices_;
    bool loaded_ = false;
    MirrorObserver* observer_ = nullptr;
    std::map<std::string, AdapterState> adapters_;
    /// Looked up by string_view too: the hot path (heard_from) builds no std::string.
    struct PathHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view path) const {
            return std::hash<std::string_view>{}(path);
        }
    };
    std::unordered_map<std::string, Entry, PathHash, std::equal_to<>> devices_;
    std::list<std::string> recency_;
};

}  // namespace btfence::bluez
