#pragma once
// CTAP over Bluetooth Low Energy: the framing of CTAP 2.2 §11.4.4, and nothing else.
//
// A frame (CMD, length, DATA) travels as fragments no longer than the authenticator's
// fidoControlPointLength: an initialisation fragment CMD|HLEN|LLEN|DATA... and continuation
// fragments SEQ|DATA... with SEQ counting 0x00..0x7F and wrapping back to 0x00. The
// authenticator answers with the same framing in fidoStatus notifications.
//
// Pure: no I/O, no clock. The bytes that reach the decoder come from a device nobody has
// verified yet, so every way they can be wrong is a named error rather than a crash.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace btfence::fido {

/// Frame commands (CTAP 2.2 §11.4.4, "Command, Status, and Error constants").
enum class BleCommand : std::uint8_t {
    Ping = 0x81,
    Keepalive = 0x82,
    Msg = 0x83,
    Cancel = 0xBE,
    Error = 0xBF,
};

/// Status byte of a KEEPALIVE frame.
enum class KeepaliveStatus : std::uint8_t {
    Processing = 0x01,
    UpNeeded = 0x02,
};

/// Code byte of an ERROR frame.
enum class BleErrorCode : std::uint8_t {
    InvalidCmd = 0x01,
    InvalidPar = 0x02,
    InvalidLen = 0x03,
    InvalidSeq = 0x04,
    ReqTimeout = 0x05,
    Busy = 0x06,
    Other = 0x7F,
};

/// fidoControlPointLength must lie in [20, 512] (CTAP 2.2 §11.4.1): 20 is the payload of the
/// smallest ATT MTU (23), 512 the longest attribute value.
inline constexpr std::size_t kMinControlPointLength = 20;
inline constexpr std::size_t kMaxControlPointLength = 512;

/// HLEN|LLEN could announce up to 65535 bytes. No CTAP message is that long: the largest one
/// any CTAP transport can carry is CTAPHID's 7609 bytes (64-byte reports: 57 + 128 × 59), and
/// CTAP messages are transport-independent. A longer announcement is refused before anything
/// is buffered for it.
inline constexpr std::size_t kMaxMessageLength = 7609;

inline constexpr std::size_t kInitHeaderLength = 3;  // CMD, HLEN, LLEN
inline constexpr std::size_t kContHeaderLength = 1;  // SEQ
inline constexpr std::uint8_t kMaxSequence = 0x7F;

struct BleFrame {
    BleCommand command = BleCommand::Msg;
    std::vector<std::uint8_t> data;

    bool operator==(const BleFrame&) const = default;
};

/// Splits one frame into fragments of at most control_point_length bytes each.
/// Throws std::invalid_argument when control_point_length is outside [20, 512] and
/// std::length_error when data does not fit in HLEN|LLEN (more than 65535 bytes).
std::vector<std::vector<std::uint8_t>> encode_frame(BleCommand command,
                                                    std::span<const std::uint8_t> data,
                                                    std::size_t control_point_length);

/// Why a sequence of fragments is not a frame.
enum class FramingError {
    Truncated,               ///< an initialisation fragment shorter than CMD|HLEN|LLEN, or an
                             ///< empty fragment
    UnknownCommand,          ///< CMD has the high bit set but names no command of §11.4.4
    TooLong,                 ///< HLEN|LLEN announces more than the decoder's maximum
    BadSequence,             ///< a continuation whose SEQ is not the next one expected
    UnexpectedContinuation,  ///< a continuation while no frame is being assembled
    Interrupted,             ///< a new initialisation fragment before the current frame completed
    Oversized,               ///< a fragment carries more data than the frame declared
    MalformedStatus,         ///< a KEEPALIVE or ERROR frame whose data is not exactly one byte
};

struct FramingFailure {
    FramingError error = FramingError::Truncated;
    std::string message;  ///< what was wrong, with the offending values

    bool operator==(const FramingFailure&) const = default;
};

/// The decoder wants another fragment before it can say anything.
struct NeedMore {
    bool operator==(const NeedMore&) const = default;
};

using DecodeStep = std::variant<NeedMore, BleFrame, FramingFailure>;

/// Incremental decoder: feed it each fidoStatus notification in order. It yields a frame when
/// the last fragment of one arrived, or a failure; after either it waits for a new frame.
class FrameDecoder {
  public:
    explicit FrameDecoder(std::size_t max_length = kMaxMessageLength);

    DecodeStep feed(std::span<const std::uint8_t> fragment);

    /// True while part of a frame has arrived and the rest has not: a conversation that ends
    /// here ended with a truncated frame.
    bool in_progress() const { return in_progress_; }

    /// Bytes of the frame being assembled so far, and how many it announced.
    std::size_t received() const { return data_.size(); }
    std::size_t expected() const { return expected_; }

    void reset();

  private:
    DecodeStep start(std::span<const std::uint8_t> fragment);
    DecodeStep resume(std::span<const std::uint8_t> fragment);
    DecodeStep fail(FramingError error, std::string message);
    DecodeStep complete();

    std::size_t max_length_;
    bool in_progress_ = false;
    BleCommand command_ = BleCommand::Msg;
    std::size_t expected_ = 0;
    std::uint8_t next_sequence_ = 0;
    std::vector<std::uint8_t> data_;
};

/// True when byte names a command of §11.4.4.
bool is_known_command(std::uint8_t byte);

/// "MSG", "KEEPALIVE", ... for messages and logs.
const char* command_name(BleCommand command);

/// "ERR_INVALID_CMD", ... or "unknown error" for codes §11.4.4 does not define.
const char* error_code_name(std::uint8_t code);

/// "Truncated", "BadSequence", ... for messages and test output.
const char* framing_error_name(FramingError error);

}  // namespace btfence::fido
