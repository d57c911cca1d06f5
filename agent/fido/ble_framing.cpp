#include "ble_framing.hpp"

#include <algorithm>
#include <stdexcept>

namespace btfence::fido {
namespace {

constexpr std::size_t kMaxAnnouncedLength = 0xFFFF;

std::string hex_byte(std::uint8_t byte) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out = "0x";
    out += kDigits[byte >> 4U];
    out += kDigits[byte & 0x0FU];
    return out;
}

}  // namespace

bool is_known_command(std::uint8_t byte) {
    switch (static_cast<BleCommand>(byte)) {
        case BleCommand::Ping:
        case BleCommand::Keepalive:
        case BleCommand::Msg:
        case BleCommand::Cancel:
        case BleCommand::Error:
            return true;
    }
    return false;
}

const char* command_name(BleCommand command) {
    switch (command) {
        case BleCommand::Ping:
            return "PING";
        case BleCommand::Keepalive:
            return "KEEPALIVE";
        case BleCommand::Msg:
            return "MSG";
        case BleCommand::Cancel:
            return "CANCEL";
        case BleCommand::Error:
            return "ERROR";
    }
    return "?";
}

const char* error_code_name(std::uint8_t code) {
    switch (static_cast<BleErrorCode>(code)) {
        case BleErrorCode::InvalidCmd:
            return "ERR_INVALID_CMD";
        case BleErrorCode::InvalidPar:
            return "ERR_INVALID_PAR";
        case BleErrorCode::InvalidLen:
            return "ERR_INVALID_LEN";
        case BleErrorCode::InvalidSeq:
            return "ERR_INVALID_SEQ";
        case BleErrorCode::ReqTimeout:
            return "ERR_REQ_TIMEOUT";
        case BleErrorCode::Busy:
            return "ERR_BUSY";
        case BleErrorCode::Other:
            return "ERR_OTHER";
    }
    return "unknown error";
}

const char* framing_error_name(FramingError error) {
    switch (error) {
        case FramingError::Truncated:
            return "Truncated";
        case FramingError::UnknownCommand:
            return "UnknownCommand";
        case FramingError::TooLong:
            return "TooLong";
        case FramingError::BadSequence:
            return "BadSequence";
        case FramingError::UnexpectedContinuation:
            return "UnexpectedContinuation";
        case FramingError::Interrupted:
            return "Interrupted";
        case FramingError::Oversized:
            return "Oversized";
        case FramingError::MalformedStatus:
            return "MalformedStatus";
    }
    return "?";
}

std::vector<std::vector<std::uint8_t>> encode_frame(BleCommand command,
                                                    std::span<const std::uint8_t> data,
                                                    std::size_t control_point_length) {
    if (control_point_length < kMinControlPointLength ||
        control_point_length > kMaxControlPointLength) {
        throw std::invalid_argument("fidoControlPointLength " +
                                    std::to_string(control_point_length) + " is outside [20, 512]");
    }
    if (data.size() > kMaxAnnouncedLength) {
        throw std::length_error("a BLE frame carries at most 65535 bytes, not " +
                                std::to_string(data.size()));
    }
    std::vector<std::vector<std::uint8_t>> fragments;

    const std::size_t first_take = std::min(data.size(), control_point_length - kInitHeaderLength);
    std::vector<std::uint8_t> first;
    first.reserve(kInitHeaderLength + first_take);
    first.push_back(static_cast<std::uint8_t>(command));
    first.push_back(static_cast<std::uint8_t>(data.size() >> 8U));
    first.push_back(static_cast<std::uint8_t>(data.size() & 0xFFU));
    first.insert(first.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(first_take));
    fragments.push_back(std::move(first));

    std::size_t offset = first_take;
    std::uint8_t sequence = 0;
    while (offset < data.size()) {
        const std::size_t take =
            std::min(data.size() - offset, control_point_length - kContHeaderLength);
        std::vector<std::uint8_t> fragment;
        fragment.reserve(kContHeaderLength + take);
        fragment.push_back(sequence);
        const auto begin = data.begin() + static_cast<std::ptrdiff_t>(offset);
        fragment.insert(fragment.end(), begin, begin + static_cast<std::ptrdiff_t>(take));
        fragments.push_back(std::move(fragment));
        offset += take;
        // §11.4.4: after 0x7F the sequence starts again at 0x00.
        sequence = sequence == kMaxSequence ? 0 : static_cast<std::uint8_t>(sequence + 1);
    }
    return fragments;
}

FrameDecoder::FrameDecoder(std::size_t max_length) : max_length_(max_length) {}

void FrameDecoder::reset() {
    in_progress_ = false;
    expected_ = 0;
    next_sequence_ = 0;
    data_.clear();
}

DecodeStep FrameDecoder::feed(std::span<const std::uint8_t> fragment) {
    if (fragment.empty()) {
        return fail(FramingError::Truncated, "empty fragment");
    }
    const bool initialisation = (fragment[0] & 0x80U) != 0;
    if (initialisation) {
        if (in_progress_) {
            return fail(FramingError::Interrupted,
                        "new " + hex_byte(fragment[0]) + " frame after " +
                            std::to_string(data_.size()) + " of " + std::to_string(expected_) +
                            " bytes of a " + command_name(command_) + " frame");
        }
        return start(fragment);
    }
    if (!in_progress_) {
        return fail(
            FramingError::UnexpectedContinuation,
            "continuation fragment (SEQ " + hex_byte(fragment[0]) + ") while no frame was started");
    }
    return resume(fragment);
}

DecodeStep FrameDecoder::start(std::span<const std::uint8_t> fragment) {
    const std::uint8_t cmd = fragment[0];
    if (!is_known_command(cmd)) {
        return fail(FramingError::UnknownCommand, "unknown command " + hex_byte(cmd));
    }
    if (fragment.size() < kInitHeaderLength) {
        return fail(FramingError::Truncated, "initialisation fragment of " +
                                                 std::to_string(fragment.size()) +
                                                 " bytes has no complete HLEN|LLEN");
    }
    const std::size_t length = (std::size_t{fragment[1]} << 8U) | std::size_t{fragment[2]};
    if (length > max_length_) {
        return fail(FramingError::TooLong, "frame announces " + std::to_string(length) +
                                               " bytes, more than the " +
                                               std::to_string(max_length_) + " accepted");
    }
    const auto payload = fragment.subspan(kInitHeaderLength);
    if (payload.size() > length) {
        return fail(FramingError::Oversized,
                    "initialisation fragment carries " + std::to_string(payload.size()) +
                        " bytes of a frame announced as " + std::to_string(length));
    }
    in_progress_ = true;
    command_ = static_cast<BleCommand>(cmd);
    expected_ = length;
    next_sequence_ = 0;
    data_.assign(payload.begin(), payload.end());
    data_.reserve(length);
    if (data_.size() == expected_) {
        return complete();
    }
    return NeedMore{};
}

DecodeStep FrameDecoder::resume(std::span<const std::uint8_t> fragment) {
    const std::uint8_t sequence = fragment[0];
    if (sequence != next_sequence_) {
        return fail(FramingError::BadSequence, "continuation SEQ " + hex_byte(sequence) +
                                                   " where " + hex_byte(next_sequence_) +
                                                   " was expected");
    }
    const auto payload = fragment.subspan(kContHeaderLength);
    if (payload.empty()) {
        return fail(FramingError::Truncated,
                    "continuation fragment SEQ " + hex_byte(sequence) + " carries no data");
    }
    const std::size_t remaining = expected_ - data_.size();
    if (payload.size() > remaining) {
        return fail(FramingError::Oversized, "continuation SEQ " + hex_byte(sequence) +
                                                 " carries " + std::to_string(payload.size()) +
                                                 " bytes where " + std::to_string(remaining) +
                                                 " of the announced " + std::to_string(expected_) +
                                                 " remained");
    }
    data_.insert(data_.end(), payload.begin(), payload.end());
    next_sequence_ = sequence == kMaxSequence ? 0 : static_cast<std::uint8_t>(sequence + 1);
    if (data_.size() == expected_) {
        return complete();
    }
    return NeedMore{};
}

DecodeStep FrameDecoder::complete() {
    BleFrame frame{command_, std::move(data_)};
    reset();
    if ((frame.command == BleCommand::Keepalive || frame.command == BleCommand::Error) &&
        frame.data.size() != 1) {
        return FramingFailure{FramingError::MalformedStatus,
                              std::string(command_name(frame.command)) + " frame with " +
                                  std::to_string(frame.data.size()) +
                                  " bytes of data instead of 1"};
    }
    return frame;
}

DecodeStep FrameDecoder::fail(FramingError error, std::string message) {
    reset();
    return FramingFailure{error, std::move(message)};
}

}  // namespace btfence::fido
