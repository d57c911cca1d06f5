// libFuzzer target: the CTAP BLE frame decoder (agent/fido/ble_framing.cpp), which parses
// fidoStatus notifications from a device nobody has verified yet.
//
// Input: [selector] then fragments as [length byte][that many bytes]...; a truncated last
// fragment is fed as it is. Besides "no crash, no sanitizer report" the target checks:
// - a yielded frame never exceeds the decoder's maximum, and KEEPALIVE/ERROR carry one byte;
// - in_progress() agrees with what was fed;
// - every yielded frame survives encode → decode unchanged at a control point length chosen
//   by the selector (20..512).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <variant>

#include "ble_framing.hpp"

using btfence::fido::BleFrame;
using btfence::fido::DecodeStep;
using btfence::fido::FrameDecoder;

namespace {

void require(bool condition) {
    if (!condition) {
        std::abort();
    }
}

void check_round_trip(const BleFrame& frame, std::size_t control_point_length) {
    FrameDecoder decoder;
    const auto fragments =
        btfence::fido::encode_frame(frame.command, frame.data, control_point_length);
    for (std::size_t i = 0; i < fragments.size(); ++i) {
        require(fragments[i].size() <= control_point_length);
        const DecodeStep step = decoder.feed(fragments[i]);
        if (i + 1 < fragments.size()) {
            require(std::holds_alternative<btfence::fido::NeedMore>(step));
        } else {
            const auto* again = std::get_if<BleFrame>(&step);
            require(again != nullptr && *again == frame);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const std::size_t control_point_length =
        btfence::fido::kMinControlPointLength +
        (std::size_t{data[0]} * 2U) %
            (btfence::fido::kMaxControlPointLength - btfence::fido::kMinControlPointLength + 1);
    std::span<const std::uint8_t> input(data + 1, size - 1);
    FrameDecoder decoder;
    while (!input.empty()) {
        const std::size_t length = std::min<std::size_t>(input[0], input.size() - 1);
        const auto fragment = input.subspan(1, length);
        input = input.subspan(1 + length);

        const DecodeStep step = decoder.feed(fragment);
        if (const auto* frame = std::get_if<BleFrame>(&step)) {
            require(frame->data.size() <= btfence::fido::kMaxMessageLength);
            if (frame->command == btfence::fido::BleCommand::Keepalive ||
                frame->command == btfence::fido::BleCommand::Error) {
                require(frame->data.size() == 1);
            }
            require(!decoder.in_progress());
            check_round_trip(*frame, control_point_length);
        } else if (std::holds_alternative<btfence::fido::FramingFailure>(step)) {
            require(!decoder.in_progress());
        } else {
            require(decoder.in_progress());
            require(decoder.received() < decoder.expected());
        }
    }
    return 0;
}
