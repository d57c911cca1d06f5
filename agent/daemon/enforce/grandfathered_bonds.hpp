#pragma once
// `existing_bonds = "keep"`: the bonds that existed, and that the policy denied, when
// btfenced first looked at bluetoothd's devices under a "keep" policy. That set is recorded
// once, in the state directory (grandfathered-bonds.json, docs/architecture.md "State
// directory"), and every later start keeps exactly that set: a bond made while btfenced was
// down is enforced like any other. The set only shrinks (a grandfathered device that
// bluetoothd removes is forgotten, so re-pairing it later is a new bond).
//
// A file that exists but cannot be read or parsed is never replaced: btfenced fails closed
// (nothing is grandfathered) and reports it; an administrator decides what to do with it.
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "bluez/mirror.hpp"
#include "state/state_file.hpp"

namespace btfence::enforce {

class GrandfatheredBonds {
  public:
    /// The state file's name in the state directory.
    static constexpr const char* kFileName = "grandfathered-bonds.json";

    explicit GrandfatheredBonds(state::StateFile file) : file_(std::move(file)) {}

    /// Reads the recorded set. nullopt when it was read, or when there is none yet (a first
    /// start); else why it cannot be read — then nothing is grandfathered until the file is
    /// fixed or removed, and the file is left as it is.
    std::optional<std::string> load();

    /// Whether the set was recorded (by an earlier start, or by this one).
    [[nodiscard]] bool recorded() const { return recorded_; }
    /// Whether the state file was unreadable at load() (fail closed).
    [[nodiscard]] bool unreadable() const { return unreadable_; }

    /// The start-up sweep under "keep" found this bonded device that the policy denies. Before
    /// the set is recorded, it joins it; afterwards this changes nothing.
    void offer(const bluez::DeviceState& device);
    /// The start-up sweep is over: records the set if this start was the first. Returns why
    /// the file could not be written, if it could not.
    std::optional<std::string> startup_sweep_done(const std::string& recorded_at);

    /// Whether this device's bond is in the grandfathered set.
    [[nodiscard]] bool contains(const bluez::DeviceState& device) const;
    /// bluetoothd removed the device: a bond made with it later is a new bond. Returns why
    /// the file could not be rewritten, if it could not.
    std::optional<std::string> device_removed(const std::string& path);

    [[nodiscard]] std::size_t size() const { return bonds_.size(); }
    [[nodiscard]] const std::string& path() const { return file_path_; }

  private:
    /// (adapter, device address): the adapter by its own address, which survives the
    /// renumbering of hciN across reboots; by name when bluetoothd gave no address.
    using Key = std::pair<std::string, std::string>;
    static Key key_of(const bluez::DeviceState& device);
    std::optional<std::string> write();

    state::StateFile file_;
    std::string file_path_ = file_.path().string();
    bool recorded_ = false;
    bool unreadable_ = false;
    std::string recorded_at_;
    std::map<Key, std::string> bonds_;  ///< key -> name at the time, for the reader
    /// Device path -> key of the grandfathered devices seen, to forget one on its removal
    /// (bluetoothd's InterfacesRemoved names only the path). A cache: mutable.
    mutable std::map<std::string, Key> seen_paths_;
};

}  // namespace btfence::enforce
