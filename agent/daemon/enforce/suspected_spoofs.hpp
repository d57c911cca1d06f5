#pragma once
// Devices that claimed to be FIDO authenticators and turned out otherwise (HID or other
// services revealed after bonding, or a failed CTAP verification): suspected spoofs. They are
// refused at the gate and blocked on sight until `[fido] spoof_block` has passed, and the list
// survives restarts in the state directory (suspected-spoofs.json), written only through
// state::StateFile.
//
// Remembered by address. An LE random static address or a public address is stable; a
// resolvable private address changes every few minutes and bluetoothd forgets the IRK with
// the bond, so a spoof using RPAs is remembered only until it rotates (docs/security.md).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "btfence/policy/policy.hpp"
#include "state/state_file.hpp"

namespace btfence::enforce {

struct SpoofRecord {
    std::string address;  ///< normalised "AA:BB:CC:DD:EE:FF"
    std::string name;     ///< what it called itself
    std::string reason;   ///< why it is suspected
    policy::TimePoint until{};
};

class SuspectedSpoofs {
  public:
    /// `file` unset: remembered for the life of the process only (unit tests).
    explicit SuspectedSpoofs(std::optional<state::StateFile> file = std::nullopt)
        : file_(std::move(file)) {}

    /// Reads the list. Absent file: empty list. An unreadable or corrupt file returns the
    /// error; the file is then never overwritten (what it holds is not lost), and new
    /// suspects are kept in memory only.
    std::optional<std::string> load();

    /// Records (or extends) a suspect and writes the list; returns a write error, if any.
    std::optional<std::string> remember(SpoofRecord record);

    /// The record for `address` if it is still in force at `now`.
    [[nodiscard]] const SpoofRecord* find(const std::string& address, policy::TimePoint now) const;

    /// Forgets every record whose time is up at `now` and writes the list; returns them.
    std::vector<SpoofRecord> expire(policy::TimePoint now, std::optional<std::string>& error);

    /// The earliest `until` of all records: when expire() has work.
    [[nodiscard]] std::optional<policy::TimePoint> next_expiry() const;

    [[nodiscard]] std::size_t size() const { return records_.size(); }

  private:
    std::optional<std::string> save() const;

    std::optional<state::StateFile> file_;
    bool file_unreadable_ = false;
    std::map<std::string, SpoofRecord> records_;  ///< by address
};

}  // namespace btfence::enforce
