#pragma once
// libfido2's custom transport (fido_dev_set_transport_functions) for CTAP over BLE.
//
// libfido2 speaks CTAPHID-level commands to a transport: INIT, CBOR, MSG, CANCEL. BLE has no
// INIT, so INIT is answered locally (as libfido2's own NFC transport does): the nonce is echoed
// and CBOR capability is claimed, which makes libfido2 go on with authenticatorGetInfo. CBOR
// and MSG requests become BLE MSG (0x83) frames written to fidoControlPoint, fragmented by
// fidoControlPointLength; answers are reassembled from fidoStatus notifications, KEEPALIVE
// frames are waited through, an ERROR frame or bad framing ends the conversation, and when the
// deadline passes a CANCEL (0xBE) frame is sent before giving up.
//
// The first thing that goes wrong is kept (failure()) so that the verdict can say what it was
// rather than libfido2's generic FIDO_ERR_RX.

#include <fido.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ble_framing.hpp"
#include "deadline.hpp"
#include "fido_gatt_link.hpp"

namespace btfence::fido {

using Log = std::function<void(const std::string&)>;

class CtapBleTransport {
  public:
    /// link and the transport must outlive the fido_dev_t this is installed on.
    CtapBleTransport(FidoGattLink& link, Deadline deadline, Log log = {});
    ~CtapBleTransport();
    CtapBleTransport(const CtapBleTransport&) = delete;
    CtapBleTransport& operator=(const CtapBleTransport&) = delete;

    /// Installs the io and transport functions on dev; then open it with fido_dev_open(dev,
    /// path()). Returns a FIDO_ERR_* code.
    int install(fido_dev_t* dev) const;

    /// The path libfido2 opens: names this transport, not the device.
    const std::string& path() const { return path_; }

    /// Sends one frame. False (and failure() set) when the link refused it.
    bool send(BleCommand command, std::span<const std::uint8_t> data);

    /// Waits for the authenticator's MSG answer until the deadline, or wait_limit if earlier.
    /// KEEPALIVE frames are counted and waited through. nullopt (and failure() set) on an
    /// ERROR frame, bad framing, an unexpected frame, a lost link or the deadline; on the
    /// deadline a CANCEL frame is sent first.
    std::optional<std::vector<std::uint8_t>> receive_message(
        std::optional<std::chrono::milliseconds> wait_limit = std::nullopt);

    /// The first failure, in words for the verdict.
    const std::optional<std::string>& failure() const { return failure_; }
    /// Whether that failure was the link going away (ProbeError::Kind::Interrupted) rather
    /// than something the authenticator did.
    bool interrupted() const { return interrupted_; }
    unsigned keepalives() const { return keepalives_; }

  private:
    static void* io_open(const char* path);
    static void io_close(void* handle);
    static int io_read(void* handle, unsigned char* buffer, std::size_t length, int ms);
    static int io_write(void* handle, const unsigned char* buffer, std::size_t length);
    static int transport_tx(fido_dev_t* dev, std::uint8_t cmd, const unsigned char* buffer,
                            std::size_t length);
    static int transport_rx(fido_dev_t* dev, std::uint8_t cmd, unsigned char* buffer,
                            std::size_t length, int ms);

    int on_tx(std::uint8_t cmd, std::span<const std::uint8_t> data);
    int on_rx(std::uint8_t cmd, std::span<std::uint8_t> out, int ms);
    int answer_init(std::span<std::uint8_t> out);
    void cancel();
    void record(std::string failure, bool interrupted = false);
    void note(const std::string& line) const;
    std::string pending_request_name() const;

    FidoGattLink& link_;
    Deadline deadline_;
    Log log_;
    std::string path_;
    FrameDecoder decoder_;
    std::vector<std::uint8_t> init_nonce_;
    std::optional<std::uint8_t> pending_ctap_command_;
    std::optional<std::string> failure_;
    bool interrupted_ = false;
    unsigned keepalives_ = 0;
    Deadline::Clock::time_point request_sent_;  ///< when the last frame went out
};

/// "authenticatorGetInfo" for 0x04, ... ; "CTAP command 0xNN" otherwise.
std::string ctap_command_name(std::uint8_t command);

}  // namespace btfence::fido
