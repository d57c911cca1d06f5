#pragma once
// A reason the probe cannot reach a verdict by talking CTAP: no FIDO service, a GATT call that
// failed, a device that went away. The message becomes the verdict's "detail", so it is
// written for an administrator reading the audit log.

#include <stdexcept>
#include <string>

namespace btfence::fido {

class ProbeError : public std::runtime_error {
  public:
    /// How the probe ended without a verdict on the authenticator itself.
    enum class Kind {
        /// What the device did proves it is not a passkey-capable FIDO authenticator (no FIDO
        /// service, bad control point length, no FIDO2 revision...).
        Failure,
        /// The conversation was cut short before the device could show what it is: it
        /// disconnected, BlueZ no longer knows it, its services did not resolve in time. Keys
        /// disconnect soon after pairing to save battery; btfenced retries at the next
        /// connection (docs/verification.md, "Interrupted probes").
        Interrupted,
    };

    explicit ProbeError(const std::string& detail, Kind kind = Kind::Failure)
        : std::runtime_error(detail), kind_(kind) {}

    [[nodiscard]] bool interrupted() const { return kind_ == Kind::Interrupted; }

  private:
    Kind kind_;
};

}  // namespace btfence::fido
