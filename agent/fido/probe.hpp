#pragma once
// One verification: open the FIDO GATT service of a device, let libfido2 run
// authenticatorGetInfo over it, and judge the answer. Every way it can end is a ProbeVerdict;
// nothing escapes as an exception.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "ctap_ble_transport.hpp"
#include "deadline.hpp"
#include "fido_gatt_link.hpp"
#include "get_info_verdict.hpp"

namespace btfence::fido {

/// Sets up the FIDO GATT service of device_path (BlueZ in btfence-probe, a scripted
/// authenticator in the tests). Throws ProbeError with the reason when it cannot.
using LinkOpener =
    std::function<std::unique_ptr<FidoGattLink>(const std::string& device_path, Deadline)>;

struct ProbeRequest {
    std::string device_path;
    std::chrono::milliseconds timeout{5000};
};

ProbeVerdict run_probe(const ProbeRequest& request, const LinkOpener& open_link,
                       const Log& log = {});

}  // namespace btfence::fido
