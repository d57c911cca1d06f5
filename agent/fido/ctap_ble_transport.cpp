#include "ctap_ble_transport.hpp"

#include <fido/param.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <variant>

#include "probe_error.hpp"

namespace btfence::fido {
namespace {

// CTAPHID_INIT's answer as libfido2 reads it (fido_ctap_info_t, packed): nonce[8], cid[4],
// protocol, major, minor, build, capability flags.
constexpr std::size_t kInitAnswerLength = 17;
constexpr std::size_t kNonceLength = 8;
constexpr std::uint8_t kCtapHidProtocol = 2;
// Any channel id but the broadcast one; BLE has no channels, libfido2 only stores it.
constexpr std::uint8_t kChannelId[] = {0x00, 0x00, 0x00, 0x01};

// A CANCEL goes out after the deadline has passed; it gets this much time of its own.
constexpr std::chrono::milliseconds kCancelGrace{500};

// libfido2 hands the transport only a fido_dev_t; its io handle (returned by io_open for the
// path) leads back to the transport. The registry makes sure io_open only ever returns a
// transport that exists.
std::mutex registry_mutex;
std::map<std::string, CtapBleTransport*> registry;
unsigned long next_instance = 0;

std::string hex(std::uint8_t byte) {
    static constexpr char kDigits[] = "0123456789abcdef";
    return std::string("0x") + kDigits[byte >> 4U] + kDigits[byte & 0x0FU];
}

CtapBleTransport* from_dev(fido_dev_t* dev) {
    return static_cast<CtapBleTransport*>(fido_dev_io_handle(dev));
}

}  // namespace

std::string ctap_command_name(std::uint8_t command) {
    switch (command) {
        case 0x01:
            return "authenticatorMakeCredential";
        case 0x02:
            return "authenticatorGetAssertion";
        case 0x04:
            return "authenticatorGetInfo";
        case 0x06:
            return "authenticatorClientPIN";
        case 0x07:
            return "authenticatorReset";
        case 0x08:
            return "authenticatorGetNextAssertion";
        default:
            return "CTAP command " + hex(command);
    }
}

CtapBleTransport::CtapBleTransport(FidoGattLink& link, Deadline deadline, Log log)
    : link_(link),
      deadline_(deadline),
      log_(std::move(log)),
      request_sent_(Deadline::Clock::now()) {
    const std::lock_guard lock(registry_mutex);
    path_ = "btfence-ble:" + std::to_string(next_instance++);
    registry.emplace(path_, this);
}

CtapBleTransport::~CtapBleTransport() {
    const std::lock_guard lock(registry_mutex);
    registry.erase(path_);
}

int CtapBleTransport::install(fido_dev_t* dev) const {
    static const fido_dev_io_t kIo = {&CtapBleTransport::io_open, &CtapBleTransport::io_close,
                                      &CtapBleTransport::io_read, &CtapBleTransport::io_write};
    static const fido_dev_transport_t kTransport = {&CtapBleTransport::transport_rx,
                                                    &CtapBleTransport::transport_tx};
    if (const int r = fido_dev_set_io_functions(dev, &kIo); r != FIDO_OK) {
        return r;
    }
    return fido_dev_set_transport_functions(dev, &kTransport);
}

void* CtapBleTransport::io_open(const char* path) {
    const std::lock_guard lock(registry_mutex);
    const auto it = registry.find(path);
    return it == registry.end() ? nullptr : it->second;
}

void CtapBleTransport::io_close(void* /*handle*/) {
    // The link belongs to the probe, which closes it after libfido2 is done.
}

// libfido2 never calls these once transport functions are set; fido_dev_set_io_functions
// insists on having them.
int CtapBleTransport::io_read(void* /*handle*/, unsigned char* /*buffer*/, std::size_t /*length*/,
                              int /*ms*/) {
    return -1;
}

int CtapBleTransport::io_write(void* /*handle*/, const unsigned char* /*buffer*/,
                               std::size_t /*length*/) {
    return -1;
}

int CtapBleTransport::transport_tx(fido_dev_t* dev, std::uint8_t cmd, const unsigned char* buffer,
                                   std::size_t length) {
    CtapBleTransport* self = from_dev(dev);
    if (self == nullptr) {
        return -1;
    }
    // Nothing may unwind through libfido2's C frames.
    try {
        return self->on_tx(cmd,
                           std::span<const std::uint8_t>(buffer, buffer == nullptr ? 0 : length));
    } catch (const std::exception& e) {
        self->record(std::string("sending to the authenticator failed: ") + e.what());
        return -1;
    }
}

int CtapBleTransport::transport_rx(fido_dev_t* dev, std::uint8_t cmd, unsigned char* buffer,
                                   std::size_t length, int ms) {
    CtapBleTransport* self = from_dev(dev);
    if (self == nullptr || buffer == nullptr) {
        return -1;
    }
    try {
        return self->on_rx(cmd, std::span<std::uint8_t>(buffer, length), ms);
    } catch (const std::exception& e) {
        self->record(std::string("receiving from the authenticator failed: ") + e.what());
        return -1;
    }
}

int CtapBleTransport::on_tx(std::uint8_t cmd, std::span<const std::uint8_t> data) {
    if (failure_) {
        return -1;  // the conversation is over after the first failure
    }
    switch (cmd) {
        case CTAP_CMD_INIT:
            // Nothing goes over the air: remembered for the locally made answer.
            init_nonce_.assign(data.begin(), data.end());
            return 0;
        case CTAP_CMD_CBOR:
        case CTAP_CMD_MSG:
            // A CTAP2 request (command byte + CBOR) or a U2F APDU: both travel as MSG.
            pending_ctap_command_ =
                cmd == CTAP_CMD_CBOR && !data.empty() ? std::optional(data[0]) : std::nullopt;
            return send(BleCommand::Msg, data) ? 0 : -1;
        case CTAP_CMD_CANCEL:
            return send(BleCommand::Cancel, {}) ? 0 : -1;
        default:
            record("libfido2 asked for CTAPHID command " + hex(cmd) +
                   ", which CTAP over BLE does not have");
            return -1;
    }
}

int CtapBleTransport::on_rx(std::uint8_t cmd, std::span<std::uint8_t> out, int ms) {
    if (failure_) {
        return -1;
    }
    if (cmd == CTAP_CMD_INIT) {
        return answer_init(out);
    }
    if (cmd != CTAP_CMD_CBOR && cmd != CTAP_CMD_MSG) {
        record("libfido2 waited for CTAPHID command " + hex(cmd) +
               ", which CTAP over BLE does not have");
        return -1;
    }
    const auto limit = ms >= 0 ? std::optional(std::chrono::milliseconds{ms}) : std::nullopt;
    const auto message = receive_message(limit);
    if (!message) {
        return -1;
    }
    if (message->size() > out.size()) {
        record("the authenticator's answer has " + std::to_string(message->size()) +
               " bytes, more than the " + std::to_string(out.size()) + " libfido2 accepts");
        return -1;
    }
    std::copy(message->begin(), message->end(), out.begin());
    return static_cast<int>(message->size());
}

int CtapBleTransport::answer_init(std::span<std::uint8_t> out) {
    if (out.size() != kInitAnswerLength || init_nonce_.size() != kNonceLength) {
        record("libfido2 opened the device in an unexpected way (INIT of " +
               std::to_string(out.size()) + " bytes)");
        return -1;
    }
    std::fill(out.begin(), out.end(), std::uint8_t{0});
    std::copy(init_nonce_.begin(), init_nonce_.end(), out.begin());
    std::copy(std::begin(kChannelId), std::end(kChannelId), out.begin() + kNonceLength);
    out[12] = kCtapHidProtocol;
    // CBOR capability: a BLE authenticator is asked with getInfo whether it speaks CTAP2,
    // which is exactly the question; its answer decides, not this flag.
    out[16] = FIDO_CAP_CBOR;
    return static_cast<int>(kInitAnswerLength);
}

bool CtapBleTransport::send(BleCommand command, std::span<const std::uint8_t> data) {
    std::vector<std::vector<std::uint8_t>> fragments;
    try {
        fragments = encode_frame(command, data, link_.control_point_length());
    } catch (const std::exception& e) {
        record(std::string("cannot frame the request: ") + e.what());
        return false;
    }
    request_sent_ = Deadline::Clock::now();
    note("-> " + std::string(command_name(command)) + " frame of " + std::to_string(data.size()) +
         " bytes in " + std::to_string(fragments.size()) + " fragment(s)");
    try {
        for (const auto& fragment : fragments) {
            link_.write_control_point(fragment, deadline_);
        }
    } catch (const ProbeError& e) {
        record(e.what(), e.interrupted());
        return false;
    }
    return true;
}

std::optional<std::vector<std::uint8_t>> CtapBleTransport::receive_message(
    std::optional<std::chrono::milliseconds> wait_limit) {
    const Deadline wait = wait_limit ? deadline_.capped(*wait_limit) : deadline_;
    while (true) {
        std::optional<std::vector<std::uint8_t>> fragment;
        try {
            fragment = link_.next_notification(wait);
        } catch (const ProbeError& e) {
            record(e.what(), e.interrupted());
            return std::nullopt;
        }
        if (!fragment) {
            const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
                Deadline::Clock::now() - request_sent_);
            std::string what = "no answer to " + pending_request_name() + " within " +
                               std::to_string(waited.count()) + " ms (deadline reached)";
            if (decoder_.in_progress()) {
                what += " (a frame stopped after " + std::to_string(decoder_.received()) +
                        " of its " + std::to_string(decoder_.expected()) + " bytes)";
            }
            if (keepalives_ > 0) {
                what += " (" + std::to_string(keepalives_) + " KEEPALIVE frames)";
            }
            record(what);
            cancel();
            return std::nullopt;
        }
        const DecodeStep step = decoder_.feed(*fragment);
        if (std::holds_alternative<NeedMore>(step)) {
            continue;
        }
        if (const auto* bad = std::get_if<FramingFailure>(&step)) {
            record("malformed BLE frame from the authenticator (" +
                   std::string(framing_error_name(bad->error)) + ": " + bad->message + ")");
            return std::nullopt;
        }
        const auto& frame = std::get<BleFrame>(step);
        switch (frame.command) {
            case BleCommand::Keepalive:
                ++keepalives_;
                note("<- KEEPALIVE " + hex(frame.data[0]));
                continue;
            case BleCommand::Msg:
                note("<- MSG of " + std::to_string(frame.data.size()) + " bytes");
                pending_ctap_command_.reset();
                return frame.data;
            case BleCommand::Error:
                record("the authenticator answered " + pending_request_name() + " with ERROR " +
                       hex(frame.data[0]) + " (" + error_code_name(frame.data[0]) + ")");
                return std::nullopt;
            case BleCommand::Ping:
            case BleCommand::Cancel:
                record(std::string("unexpected ") + command_name(frame.command) +
                       " frame from the authenticator");
                return std::nullopt;
        }
    }
}

void CtapBleTransport::cancel() {
    // Best effort: tells a device that is still working to stop; its answer is not awaited.
    const Deadline grace = Deadline::after(kCancelGrace);
    try {
        for (const auto& fragment :
             encode_frame(BleCommand::Cancel, {}, link_.control_point_length())) {
            link_.write_control_point(fragment, grace);
        }
        note("-> CANCEL");
    } catch (const std::exception& e) {
        note(std::string("CANCEL not sent: ") + e.what());
    }
}

std::string CtapBleTransport::pending_request_name() const {
    return pending_ctap_command_ ? ctap_command_name(*pending_ctap_command_) : "the request";
}

void CtapBleTransport::record(std::string failure, bool interrupted) {
    note("failure: " + failure);
    if (!failure_) {
        failure_ = std::move(failure);
        interrupted_ = interrupted;
    }
}

void CtapBleTransport::note(const std::string& line) const {
    if (log_) {
        log_(line);
    }
}

}  // namespace btfence::fido
