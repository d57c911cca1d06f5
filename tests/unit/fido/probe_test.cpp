// libfido2 1.12 asking authenticatorGetInfo through CtapBleTransport, with a scripted
// authenticator at the far end of the FIDO GATT link: the whole probe but BlueZ.
#include "probe.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ble_framing.hpp"
#include "ctap_ble_transport.hpp"
#include "hex.hpp"
#include "probe_error.hpp"
#include "scripted_authenticator.hpp"

namespace btfence::fido {
namespace {

using test::always;
using test::bytes;
using test::ScriptedAuthenticator;
using testing::ElementsAre;
using testing::HasSubstr;

// The recorded answer of tests/unit/fido/ble_framing_test.cpp (versions [U2F_V2, FIDO_2_0],
// AAGUID f8a011f3-8c0a-4d15-8006-17111f9edc7d, options rk/up true), as it arrives at
// fidoControlPointLength 20.
const std::vector<std::string> kGetInfoAt20 = {
    "83005a00a60182665532465f5632684649444f5f", "00325f3002826375766d6b686d61632d73656372",
    "0165740350f8a011f38c0a4d15800617111f9edc", "027d04a462726bf5627570f564706c6174f46963",
    "036c69656e7450696ef4051904b0068101"};

// Status 0x00 + {1: ["FIDO_2_0", "FIDO_2_1"], 3: AAGUID, 4: {"rk": <rk>, "up": true}}, from
// ctap_authenticator.get_info_response in tests/fido-authenticator.
std::string get_info(bool rk) {
    return std::string("00a30182684649444f5f325f30684649444f5f325f310350") +
           "b7f3e2a15c4d4e6f8a9b0c1d2e3f4a5b" + "04a262726b" + (rk ? "f5" : "f4") + "627570f5";
}

std::string msg(const std::string& payload_hex) {
    const auto payload = bytes(payload_hex);
    return test::hex(encode_frame(BleCommand::Msg, payload, 512).front());
}

// run_probe owns its link; the test keeps the authenticator to look at afterwards.
class ForwardingLink final : public FidoGattLink {
  public:
    explicit ForwardingLink(FidoGattLink& target) : target_(target) {}
    std::size_t control_point_length() const override { return target_.control_point_length(); }
    void write_control_point(std::span<const std::uint8_t> fragment, Deadline d) override {
        target_.write_control_point(fragment, d);
    }
    std::optional<std::vector<std::uint8_t>> next_notification(Deadline d) override {
        return target_.next_notification(d);
    }

  private:
    FidoGattLink& target_;
};

ProbeVerdict probe(ScriptedAuthenticator& authenticator) {
    return run_probe({"/org/bluez/hci0/dev_00_AA_01_00_00_00", std::chrono::milliseconds{5000}},
                     [&authenticator](const std::string&, Deadline) {
                         return std::make_unique<ForwardingLink>(authenticator);
                     });
}

TEST(AProbedAuthenticator, PassesWithItsGetInfoAnswerFragmentedAtLength20) {
    ScriptedAuthenticator key(20, always(kGetInfoAt20));
    const ProbeVerdict verdict = probe(key);
    EXPECT_TRUE(verdict.passed) << verdict.detail;
    EXPECT_EQ(verdict.aaguid, "f8a011f3-8c0a-4d15-8006-17111f9edc7d");
    EXPECT_THAT(verdict.versions, ElementsAre("U2F_V2", "FIDO_2_0"));
    EXPECT_EQ(verdict.rk, true);
    // libfido2 asks once while opening and once more for us; both are MSG(getInfo).
    EXPECT_THAT(key.written, ElementsAre("83000104", "83000104"));
}

TEST(AProbedAuthenticator, PassesWhenItSendsKeepalivesBeforeAnswering) {
    std::vector<std::string> answer = {"82000101", "82000102", "82000101"};
    answer.insert(answer.end(), kGetInfoAt20.begin(), kGetInfoAt20.end());
    ScriptedAuthenticator key(20, always(answer));
    EXPECT_TRUE(probe(key).passed);
}

TEST(AProbedAuthenticator, PassesWithALargerControlPointLengthAndAnAnswerInOneFragment) {
    ScriptedAuthenticator key(512, always({msg(get_info(true))}));
    const ProbeVerdict verdict = probe(key);
    EXPECT_TRUE(verdict.passed) << verdict.detail;
    EXPECT_EQ(verdict.aaguid, "b7f3e2a1-5c4d-4e6f-8a9b-0c1d2e3f4a5b");
    EXPECT_THAT(verdict.versions, ElementsAre("FIDO_2_0", "FIDO_2_1"));
}

TEST(AProbedAuthenticator, FailsWhenItCannotHoldResidentKeys) {
    ScriptedAuthenticator key(64, always({msg(get_info(false))}));
    const ProbeVerdict verdict = probe(key);
    EXPECT_FALSE(verdict.passed);
    EXPECT_EQ(verdict.rk, false);
    EXPECT_EQ(verdict.aaguid, "b7f3e2a1-5c4d-4e6f-8a9b-0c1d2e3f4a5b");
    EXPECT_THAT(verdict.detail, HasSubstr("rk=false"));
}

TEST(AProbedAuthenticator, FailsWhenItOnlySpeaksU2f) {
    // {1: ["U2F_V2"], 3: AAGUID, 4: {"up": true}}
    ScriptedAuthenticator key(20, [](const BleFrame&) {
        return encode_frame(BleCommand::Msg,
                            bytes("00a3018166553246"
                                  "5f5632"
                                  "0350b7f3e2a15c4d4e6f8a9b0c1d"
                                  "2e3f4a5b04a1627570f5"),
                            20);
    });
    const ProbeVerdict verdict = probe(key);
    EXPECT_FALSE(verdict.passed);
    EXPECT_THAT(verdict.versions, ElementsAre("U2F_V2"));
    EXPECT_THAT(verdict.detail, HasSubstr("no CTAP2 version"));
}

TEST(AProbedAuthenticator, FailsWithTheErrorCodeWhenItAnswersWithAnErrorFrame) {
    ScriptedAuthenticator key(20, always({"bf000101"}));
    const ProbeVerdict verdict = probe(key);
    EXPECT_FALSE(verdict.passed);
    EXPECT_EQ(verdict.detail,
              "the authenticator answered authenticatorGetInfo with ERROR 0x01 (ERR_INVALID_CMD)");
    EXPECT_EQ(key.requests.size(), 1U);  // no second attempt after a failure
}

TEST(AProbedAuthenticator, FailsWithTheCtapStatusWhenItRefusesGetInfo) {
    ScriptedAuthenticator key(20, always({"83000101"}));  // MSG [CTAP1_ERR_INVALID_COMMAND]
    const ProbeVerdict verdict = probe(key);
    EXPECT_FALSE(verdict.passed);
    EXPECT_EQ(verdict.detail,
              "authenticatorGetInfo failed: FIDO_ERR_INVALID_COMMAND (CTAP status 0x01)");
}

TEST(AProbedAuthenticator, FailsOnAnAnswerThatIsNotCbor) {
    ScriptedAuthenticator key(20, always({"83000400ffffff"}));
    const ProbeVerdict verdict = probe(key);
    EXPECT_FALSE(verdict.passed);
    EXPECT_THAT(verdict.detail, HasSubstr("authenticatorGetInfo failed"));
}

TEST(AProbedAuthenticator, TimesOutAndCancelsWhenItNeverAnswers) {
    ScriptedAuthenticator key(20, always({}));
    const ProbeVerdict verdict = probe(key);
    EXPECT_FALSE(verdict.passed);
    EXPECT_THAT(verdict.detail, HasSubstr("no answer to authenticatorGetInfo within"));
    EXPECT_THAT(key.written, ElementsAre("83000104", "be0000"));
}

TEST(AProbedAuthenticator, TimesOutNamingTheFrameThatStoppedHalfway) {
    ScriptedAuthenticator key(20, always({kGetInfoAt20[0], kGetInfoAt20[1]}));
    const ProbeVerdict verdict = probe(key);
    EXPECT_FALSE(verdict.passed);
    EXPECT_THAT(verdict.detail, HasSubstr("(a frame stopped after 36 of its 90 bytes)"));
}

TEST(AProbedAuthenticator, TimesOutCountingTheKeepalivesItSent) {
    ScriptedAuthenticator key(20, always({"82000101", "82000102"}));
    EXPECT_THAT(probe(key).detail, HasSubstr("(2 KEEPALIVE frames)"));
}

TEST(AProbedAuthenticator, FailsOnFramesOutOfSequence) {
    ScriptedAuthenticator key(20, always({kGetInfoAt20[0], kGetInfoAt20[2]}));
    const ProbeVerdict verdict = probe(key);
    EXPECT_FALSE(verdict.passed);
    EXPECT_EQ(verdict.detail,
              "malformed BLE frame from the authenticator (BadSequence: continuation SEQ 0x01 "
              "where 0x00 was expected)");
}

TEST(AProbedAuthenticator, FailsOnAnUnknownFrameCommand) {
    ScriptedAuthenticator key(20, always({"99000100"}));
    EXPECT_THAT(probe(key).detail, HasSubstr("UnknownCommand: unknown command 0x99"));
}

TEST(AProbedAuthenticator, FailsOnAFrameLongerThanAnnounced) {
    ScriptedAuthenticator key(20, always({"830002" + std::string(34, '0')}));
    EXPECT_THAT(probe(key).detail, HasSubstr("Oversized"));
}

TEST(AProbedAuthenticator, FailsOnAnAnswerLargerThanLibfido2Accepts) {
    ScriptedAuthenticator key(512, [](const BleFrame&) {
        return encode_frame(BleCommand::Msg, std::vector<std::uint8_t>(3000), 512);
    });
    EXPECT_EQ(probe(key).detail,
              "the authenticator's answer has 3000 bytes, more than the 2048 libfido2 accepts");
}

TEST(AProbedAuthenticator, FailsOnAPingItWasNotAskedFor) {
    ScriptedAuthenticator key(20, always({"810000"}));
    EXPECT_EQ(probe(key).detail, "unexpected PING frame from the authenticator");
}

TEST(AProbedAuthenticator, IsInconclusiveNotFailedWhenItDisconnectsBeforeAnswering) {
    // Keys drop the link soon after pairing to save battery: that is no evidence of a spoof.
    ScriptedAuthenticator key(20, always({}));
    key.disconnect_when_idle = true;
    const ProbeVerdict verdict = probe(key);
    EXPECT_EQ(verdict.detail, "the device disconnected");
    EXPECT_FALSE(verdict.passed);
    EXPECT_TRUE(verdict.inconclusive);
}

TEST(AProbedDevice, IsInconclusiveWhenItWentAwayBeforeTheServiceCouldBeOpened) {
    const ProbeVerdict verdict = run_probe(
        {"/org/bluez/hci0/dev_00_AA_01_00_00_00", std::chrono::milliseconds{5000}},
        [](const std::string&, Deadline) -> std::unique_ptr<FidoGattLink> {
            throw ProbeError("the device is not connected", ProbeError::Kind::Interrupted);
        });
    EXPECT_TRUE(verdict.inconclusive);
    EXPECT_EQ(verdict.detail, "the device is not connected");
}

TEST(AProbedDevice, FailsWithTheReasonTheGattServiceCouldNotBeOpened) {
    const ProbeVerdict verdict =
        run_probe({"/org/bluez/hci0/dev_00_AA_01_00_00_00", std::chrono::milliseconds{5000}},
                  [](const std::string&, Deadline) -> std::unique_ptr<FidoGattLink> {
                      throw ProbeError("the device serves no FIDO GATT service (0xFFFD)");
                  });
    EXPECT_FALSE(verdict.passed);
    EXPECT_FALSE(verdict.inconclusive) << "a device that claims FIDO and serves none failed";
    EXPECT_EQ(verdict.detail, "the device serves no FIDO GATT service (0xFFFD)");
    EXPECT_EQ(verdict.aaguid, std::nullopt);
}

TEST(ACtapBleTransport, FragmentsALongRequestByTheControlPointLength) {
    ScriptedAuthenticator key(20, always({}));
    CtapBleTransport transport(key, Deadline::after(std::chrono::milliseconds{1000}));
    std::vector<std::uint8_t> request(40, 0x11);
    request[0] = 0x01;
    ASSERT_TRUE(transport.send(BleCommand::Msg, request));
    EXPECT_THAT(key.written, ElementsAre("8300280111111111111111111111111111111111",
                                         "0011111111111111111111111111111111111111", "0111111111"));
}

TEST(ACtapBleTransport, KeepsTheFirstFailureAndRefusesToGoOn) {
    ScriptedAuthenticator key(20, always({"bf000106"}));
    CtapBleTransport transport(key, Deadline::after(std::chrono::milliseconds{1000}));
    ASSERT_TRUE(transport.send(BleCommand::Msg, bytes("04")));
    EXPECT_EQ(transport.receive_message(), std::nullopt);
    EXPECT_EQ(transport.failure(),
              "the authenticator answered the request with ERROR 0x06 (ERR_BUSY)");
}

}  // namespace
}  // namespace btfence::fido
