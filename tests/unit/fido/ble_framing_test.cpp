// CTAP BLE framing (CTAP 2.2 §11.4.4) against recorded byte sequences. The recordings were
// produced by the independent Python implementation in tests/fido-authenticator
// (ctap_authenticator.encode_frame), and checked by hand against the specification's layout.
#include "ble_framing.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <variant>

#include "hex.hpp"

namespace btfence::fido {
namespace {

using test::bytes;
using test::hex;

// authenticatorGetInfo's answer (status 0x00 + CBOR map) of a CTAP2 key: versions [U2F_V2,
// FIDO_2_0], extensions [uvm, hmac-secret], AAGUID f8a011f3-8c0a-4d15-8006-17111f9edc7d,
// options {rk: true, up: true, plat: false, clientPin: false}, maxMsgSize 1200, pin
// protocols [1]. 90 bytes.
const std::string kGetInfoAnswer =
    "00a60182665532465f5632684649444f5f325f3002826375766d6b686d61632d73656372657403"
    "50f8a011f38c0a4d15800617111f9edc7d04a462726bf5627570f564706c6174f469636c69656e"
    "7450696ef4051904b0068101";

std::vector<std::string> hex_all(const std::vector<std::vector<std::uint8_t>>& fragments) {
    std::vector<std::string> out;
    out.reserve(fragments.size());
    for (const auto& fragment : fragments) {
        out.push_back(hex(fragment));
    }
    return out;
}

std::vector<std::uint8_t> pattern(std::size_t length) {
    std::vector<std::uint8_t> data(length);
    for (std::size_t i = 0; i < length; ++i) {
        data[i] = static_cast<std::uint8_t>(i & 0xFFU);
    }
    return data;
}

BleFrame decode_all(FrameDecoder& decoder,
                    const std::vector<std::vector<std::uint8_t>>& fragments) {
    for (std::size_t i = 0; i < fragments.size(); ++i) {
        const DecodeStep step = decoder.feed(fragments[i]);
        if (i + 1 < fragments.size()) {
            EXPECT_TRUE(std::holds_alternative<NeedMore>(step)) << "fragment " << i;
            continue;
        }
        if (const auto* frame = std::get_if<BleFrame>(&step)) {
            return *frame;
        }
        ADD_FAILURE() << "the last fragment did not complete the frame";
    }
    return {};
}

FramingFailure failure_of(const DecodeStep& step) {
    if (const auto* failure = std::get_if<FramingFailure>(&step)) {
        return *failure;
    }
    ADD_FAILURE() << "expected a framing failure";
    return {};
}

// --- encoding ------------------------------------------------------------------------------

TEST(ABleFrameEncoder, SendsTheGetInfoRequestAsOneMsgFragment) {
    EXPECT_THAT(hex_all(encode_frame(BleCommand::Msg, bytes("04"), 20)),
                testing::ElementsAre("83000104"));
}

TEST(ABleFrameEncoder, FragmentsAtControlPointLength20AsRecorded) {
    EXPECT_THAT(hex_all(encode_frame(BleCommand::Msg, bytes(kGetInfoAnswer), 20)),
                testing::ElementsAre("83005a00a60182665532465f5632684649444f5f",
                                     "00325f3002826375766d6b686d61632d73656372",
                                     "0165740350f8a011f38c0a4d15800617111f9edc",
                                     "027d04a462726bf5627570f564706c6174f46963",
                                     "036c69656e7450696ef4051904b0068101"));
}

TEST(ABleFrameEncoder, FragmentsAtControlPointLength64AsRecorded) {
    EXPECT_THAT(hex_all(encode_frame(BleCommand::Msg, bytes(kGetInfoAnswer), 64)),
                testing::ElementsAre(
                    "83005a00a60182665532465f5632684649444f5f325f3002826375766d6b686d61632d736563"
                    "7265740350f8a011f38c0a4d15800617111f9edc7d04a462726b",
                    "00f5627570f564706c6174f469636c69656e7450696ef4051904b0068101"));
}

TEST(ABleFrameEncoder, SendsAShortMessageAsOneFragmentAtLengths182And512) {
    for (const std::size_t length : {182U, 512U}) {
        EXPECT_THAT(hex_all(encode_frame(BleCommand::Msg, bytes(kGetInfoAnswer), length)),
                    testing::ElementsAre("83005a" + kGetInfoAnswer))
            << length;
    }
}

TEST(ABleFrameEncoder, FillsEveryFragmentUpToControlPointLength182) {
    const auto fragments = encode_frame(BleCommand::Msg, pattern(1000), 182);
    // 1000 = 179 + 4 × 181 + 97.
    ASSERT_EQ(fragments.size(), 6U);
    EXPECT_EQ(hex(std::span(fragments[0]).first(5)), "8303e80001");
    EXPECT_EQ(fragments[0].size(), 182U);
    for (std::size_t i = 1; i < 5; ++i) {
        EXPECT_EQ(fragments[i].size(), 182U);
        EXPECT_EQ(fragments[i][0], i - 1);
    }
    EXPECT_EQ(hex(std::span(fragments[1]).first(3)), "00b3b4");  // data resumes at 179 = 0xb3
    EXPECT_EQ(fragments[5].size(), 98U);
    EXPECT_EQ(hex(std::span(fragments[5]).first(2)), "0487");  // SEQ 4, byte 903 = 0x387
}

TEST(ABleFrameEncoder, FillsEveryFragmentUpToControlPointLength512) {
    const auto fragments = encode_frame(BleCommand::Msg, pattern(1000), 512);
    // 1000 = 509 + 491.
    ASSERT_EQ(fragments.size(), 2U);
    EXPECT_EQ(hex(std::span(fragments[0]).first(4)), "8303e800");
    EXPECT_EQ(fragments[0].size(), 512U);
    EXPECT_EQ(hex(std::span(fragments[1]).first(3)), "00fdfe");  // 509 = 0x1fd
    EXPECT_EQ(fragments[1].size(), 492U);
}

TEST(ABleFrameEncoder, WrapsTheSequenceFrom0x7FBackTo0x00) {
    // At length 20: 17 bytes in the first fragment, 19 in each continuation; 131
    // continuations need SEQ 0x00..0x7F and then 0x00, 0x01, 0x02 again.
    const auto data = pattern(17 + 131 * 19);
    const auto fragments = encode_frame(BleCommand::Msg, data, 20);
    ASSERT_EQ(fragments.size(), 132U);
    EXPECT_EQ(fragments[128][0], 0x7F);
    EXPECT_EQ(fragments[129][0], 0x00);
    EXPECT_EQ(fragments[131][0], 0x02);
    // SEQ 0x7F carries bytes 2430..2448, the next SEQ 0x00 bytes 2449..2467.
    EXPECT_EQ(hex(fragments[128]), "7f7e7f808182838485868788898a8b8c8d8e8f90");
    EXPECT_EQ(hex(fragments[129]),
              "00919293949596979899"
              "9a9b9c9d9e9fa0a1a2a3");
}

TEST(ABleFrameEncoder, SendsCancelAsAHeaderWithoutData) {
    EXPECT_THAT(hex_all(encode_frame(BleCommand::Cancel, {}, 20)), testing::ElementsAre("be0000"));
}

TEST(ABleFrameEncoder, RefusesAControlPointLengthOutsideTheSpecifiedRange) {
    EXPECT_THROW(encode_frame(BleCommand::Msg, bytes("04"), 19), std::invalid_argument);
    EXPECT_THROW(encode_frame(BleCommand::Msg, bytes("04"), 513), std::invalid_argument);
}

TEST(ABleFrameEncoder, RefusesDataLongerThanHlenLlenCanAnnounce) {
    EXPECT_THROW(encode_frame(BleCommand::Msg, std::vector<std::uint8_t>(65536), 512),
                 std::length_error);
}

// --- decoding ------------------------------------------------------------------------------

TEST(ABleFrameDecoder, ReassemblesTheRecordedGetInfoAnswerAtLength20) {
    FrameDecoder decoder;
    const BleFrame frame = decode_all(decoder, {bytes("83005a00a60182665532465f5632684649444f5f"),
                                                bytes("00325f3002826375766d6b686d61632d73656372"),
                                                bytes("0165740350f8a011f38c0a4d15800617111f9edc"),
                                                bytes("027d04a462726bf5627570f564706c6174f46963"),
                                                bytes("036c69656e7450696ef4051904b0068101")});
    EXPECT_EQ(frame.command, BleCommand::Msg);
    EXPECT_EQ(hex(frame.data), kGetInfoAnswer);
    EXPECT_FALSE(decoder.in_progress());
}

TEST(ABleFrameDecoder, ReassemblesWhatTheEncoderSplitsAtEveryMtuDerivedLength) {
    for (const std::size_t length : {20U, 64U, 182U, 512U}) {
        FrameDecoder decoder;
        const auto data = pattern(3000);
        const BleFrame frame = decode_all(decoder, encode_frame(BleCommand::Msg, data, length));
        EXPECT_EQ(frame.data, data) << length;
    }
}

TEST(ABleFrameDecoder, FollowsTheSequenceAcrossTheWrap) {
    FrameDecoder decoder;
    const auto data = pattern(17 + 131 * 19);
    EXPECT_EQ(decode_all(decoder, encode_frame(BleCommand::Msg, data, 20)).data, data);
}

TEST(ABleFrameDecoder, YieldsKeepalivesInterleavedBeforeTheAnswer) {
    FrameDecoder decoder;
    EXPECT_EQ(std::get<BleFrame>(decoder.feed(bytes("82000101"))),
              (BleFrame{BleCommand::Keepalive, {0x01}}));
    EXPECT_EQ(std::get<BleFrame>(decoder.feed(bytes("82000102"))),
              (BleFrame{BleCommand::Keepalive, {0x02}}));
    EXPECT_TRUE(std::holds_alternative<NeedMore>(
        decoder.feed(bytes("83005a00a60182665532465f5632684649444f5f"))));
    EXPECT_TRUE(decoder.in_progress());
}

TEST(ABleFrameDecoder, YieldsAnErrorFrameWithItsCode) {
    FrameDecoder decoder;
    const BleFrame frame = std::get<BleFrame>(decoder.feed(bytes("bf000101")));
    EXPECT_EQ(frame.command, BleCommand::Error);
    EXPECT_THAT(frame.data, testing::ElementsAre(0x01));
    EXPECT_STREQ(error_code_name(frame.data[0]), "ERR_INVALID_CMD");
    EXPECT_STREQ(error_code_name(0x7F), "ERR_OTHER");
    EXPECT_STREQ(error_code_name(0x42), "unknown error");
}

TEST(ABleFrameDecoder, RejectsAnErrorOrKeepaliveFrameWithoutExactlyOneByte) {
    FrameDecoder decoder;
    EXPECT_EQ(failure_of(decoder.feed(bytes("bf0000"))).error, FramingError::MalformedStatus);
    EXPECT_EQ(failure_of(decoder.feed(bytes("8200020101"))).error, FramingError::MalformedStatus);
}

TEST(ABleFrameDecoder, RejectsAContinuationOutOfSequence) {
    FrameDecoder decoder;
    ASSERT_TRUE(std::holds_alternative<NeedMore>(
        decoder.feed(bytes("83004000000000000000000000000000000000"))));
    const FramingFailure failure = failure_of(decoder.feed(bytes("05000000")));
    EXPECT_EQ(failure.error, FramingError::BadSequence);
    EXPECT_EQ(failure.message, "continuation SEQ 0x05 where 0x00 was expected");
    EXPECT_FALSE(decoder.in_progress());
}

TEST(ABleFrameDecoder, RejectsARepeatedSequenceNumber) {
    FrameDecoder decoder;
    decoder.feed(bytes("83002a" + std::string(34, '0')));  // 17 of 42 bytes
    ASSERT_TRUE(std::holds_alternative<NeedMore>(decoder.feed(bytes("00" + std::string(38, '0')))));
    EXPECT_EQ(failure_of(decoder.feed(bytes("0000"))).error, FramingError::BadSequence);
}

TEST(ABleFrameDecoder, RejectsAContinuationWhileNoFrameIsOpen) {
    FrameDecoder decoder;
    EXPECT_EQ(failure_of(decoder.feed(bytes("00aabb"))).error,
              FramingError::UnexpectedContinuation);
}

TEST(ABleFrameDecoder, RejectsANewFrameBeforeTheCurrentOneCompleted) {
    FrameDecoder decoder;
    decoder.feed(bytes("83004000"));
    EXPECT_EQ(failure_of(decoder.feed(bytes("82000101"))).error, FramingError::Interrupted);
}

TEST(ABleFrameDecoder, RejectsATruncatedInitialisationFragment) {
    FrameDecoder decoder;
    EXPECT_EQ(failure_of(decoder.feed(bytes("83"))).error, FramingError::Truncated);
    EXPECT_EQ(failure_of(decoder.feed(bytes("8300"))).error, FramingError::Truncated);
    EXPECT_EQ(failure_of(decoder.feed({})).error, FramingError::Truncated);
}

TEST(ABleFrameDecoder, RejectsAContinuationWithoutData) {
    FrameDecoder decoder;
    decoder.feed(bytes("83004000"));
    EXPECT_EQ(failure_of(decoder.feed(bytes("00"))).error, FramingError::Truncated);
}

TEST(ABleFrameDecoder, ReportsAFrameCutShortAsStillInProgress) {
    // The first three of the five recorded fragments: the rest never comes.
    FrameDecoder decoder;
    decoder.feed(bytes("83005a00a60182665532465f5632684649444f5f"));
    decoder.feed(bytes("00325f3002826375766d6b686d61632d73656372"));
    decoder.feed(bytes("0165740350f8a011f38c0a4d15800617111f9edc"));
    EXPECT_TRUE(decoder.in_progress());
    EXPECT_EQ(decoder.received(), 55U);
    EXPECT_EQ(decoder.expected(), 90U);
}

TEST(ABleFrameDecoder, RejectsAnInitialisationFragmentLongerThanItsDeclaredLength) {
    FrameDecoder decoder;
    const FramingFailure failure = failure_of(decoder.feed(bytes("830002aabbcc")));
    EXPECT_EQ(failure.error, FramingError::Oversized);
    EXPECT_EQ(failure.message, "initialisation fragment carries 3 bytes of a frame announced as 2");
}

TEST(ABleFrameDecoder, RejectsAContinuationCarryingMoreThanRemains) {
    FrameDecoder decoder;
    decoder.feed(bytes("830005aabbcc"));
    EXPECT_EQ(failure_of(decoder.feed(bytes("00ddeeff"))).error, FramingError::Oversized);
}

TEST(ABleFrameDecoder, RejectsAnUnknownCommand) {
    FrameDecoder decoder;
    const FramingFailure failure = failure_of(decoder.feed(bytes("99000100")));
    EXPECT_EQ(failure.error, FramingError::UnknownCommand);
    EXPECT_EQ(failure.message, "unknown command 0x99");
}

TEST(ABleFrameDecoder, RejectsALengthBeyondTheLargestCtapMessageBeforeBufferingIt) {
    FrameDecoder decoder;
    EXPECT_TRUE(std::holds_alternative<NeedMore>(decoder.feed(bytes("831db900"))));  // 7609
    decoder.reset();
    const FramingFailure failure = failure_of(decoder.feed(bytes("831dba00")));  // 7610
    EXPECT_EQ(failure.error, FramingError::TooLong);
    EXPECT_EQ(failure_of(decoder.feed(bytes("83ffff"))).error, FramingError::TooLong);
}

TEST(ABleFrameDecoder, StartsAfreshAfterAFailure) {
    FrameDecoder decoder;
    failure_of(decoder.feed(bytes("99")));
    EXPECT_EQ(std::get<BleFrame>(decoder.feed(bytes("830001aa"))),
              (BleFrame{BleCommand::Msg, {0xAA}}));
}

TEST(ABleFrameDecoder, AcceptsAnEmptyFrame) {
    FrameDecoder decoder;
    EXPECT_EQ(std::get<BleFrame>(decoder.feed(bytes("810000"))), (BleFrame{BleCommand::Ping, {}}));
}

}  // namespace
}  // namespace btfence::fido
