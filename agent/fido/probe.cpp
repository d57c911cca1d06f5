#include "probe.hpp"

#include <fido.h>

#include "cbor_info_report.hpp"
#include "probe_error.hpp"

namespace btfence::fido {
namespace {

struct DevDeleter {
    void operator()(fido_dev_t* dev) const {
        fido_dev_close(dev);  // harmless on a device that never opened
        fido_dev_free(&dev);
    }
};
struct InfoDeleter {
    void operator()(fido_cbor_info_t* info) const { fido_cbor_info_free(&info); }
};

// Positive codes are CTAP status bytes (from the device, or libfido2's verdict on its CBOR);
// negative ones are libfido2's own.
std::string libfido2_failure(const char* step, int code) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string number = std::to_string(code);
    if (code > 0 && code <= 0xFF) {
        const auto byte = static_cast<unsigned>(code);
        number = std::string("CTAP status 0x") + kDigits[byte >> 4U] + kDigits[byte & 0x0FU];
    }
    return std::string(step) + " failed: " + fido_strerr(code) + " (" + number + ")";
}

// The transport's own account of what went wrong is more precise than libfido2's code.
std::string explain(const CtapBleTransport& transport, const char* step, int code) {
    return transport.failure().value_or(libfido2_failure(step, code));
}

// getInfo got no usable answer: interrupted when the link went away, failed otherwise.
ProbeVerdict unanswered(const CtapBleTransport& transport, int code) {
    std::string detail = explain(transport, "authenticatorGetInfo", code);
    return transport.interrupted() ? inconclusive_verdict(std::move(detail))
                                   : failed_verdict(std::move(detail));
}

int clamp_timeout(std::chrono::milliseconds timeout) {
    constexpr auto kMax = std::chrono::milliseconds{24 * 60 * 60 * 1000};
    return static_cast<int>(std::min(timeout, kMax).count());
}

}  // namespace

ProbeVerdict run_probe(const ProbeRequest& request, const LinkOpener& open_link, const Log& log) {
    const Deadline deadline = Deadline::after(request.timeout);
    std::unique_ptr<FidoGattLink> link;
    try {
        link = open_link(request.device_path, deadline);
    } catch (const ProbeError& e) {
        return e.interrupted() ? inconclusive_verdict(e.what()) : failed_verdict(e.what());
    } catch (const std::exception& e) {
        return failed_verdict(std::string("cannot open the FIDO GATT service: ") + e.what());
    }

    // No U2F fallback: an authenticator that does not answer getInfo is not passkey-capable,
    // and libfido2 should say so instead of carrying on as a U2F device.
    fido_init(FIDO_DISABLE_U2F_FALLBACK);
    CtapBleTransport transport(*link, deadline, log);
    std::unique_ptr<fido_dev_t, DevDeleter> dev(fido_dev_new());
    std::unique_ptr<fido_cbor_info_t, InfoDeleter> info(fido_cbor_info_new());
    if (!dev || !info) {
        return failed_verdict("out of memory");
    }
    if (const int r = transport.install(dev.get()); r != FIDO_OK) {
        return failed_verdict(libfido2_failure("installing the BLE transport", r));
    }
    fido_dev_set_timeout(dev.get(), clamp_timeout(request.timeout));

    // fido_dev_open already asks getInfo once (libfido2 learns the device's flags from it);
    // the second call hands the answer to us.
    if (const int r = fido_dev_open(dev.get(), transport.path().c_str()); r != FIDO_OK) {
        return unanswered(transport, r);
    }
    if (const int r = fido_dev_get_cbor_info(dev.get(), info.get()); r != FIDO_OK) {
        return unanswered(transport, r);
    }
    return evaluate_get_info(report_from(*info));
}

}  // namespace btfence::fido
