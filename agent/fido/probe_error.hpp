#pragma once
// A reason the probe cannot reach a verdict by talking CTAP: no FIDO service, a GATT call that
// failed, a device that went away. The message becomes the verdict's "detail", so it is
// written for an administrator reading the audit log.

#include <stdexcept>
#include <string>

namespace btfence::fido {

class ProbeError : public std::runtime_error {
  public:
    explicit ProbeError(const std::string& detail) : std::runtime_error(detail) {}
};

}  // namespace btfence::fido
