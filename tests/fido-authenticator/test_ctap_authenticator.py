"""The virtual authenticator's own pieces: its CBOR encoder against known encodings (RFC 8949
Appendix A and CTAP2 canonical ordering), its BLE framing, and what each mode answers.

Run: /usr/bin/python3 -m unittest -v test_ctap_authenticator
"""

import unittest

import ctap_authenticator as ctap


class TheCborEncoder(unittest.TestCase):
    def test_encodes_the_rfc8949_appendix_a_examples(self):
        examples = [
            (0, "00"), (1, "01"), (10, "0a"), (23, "17"), (24, "1818"), (25, "1819"),
            (100, "1864"), (1000, "1903e8"), (1000000, "1a000f4240"),
            (1000000000000, "1b000000e8d4a51000"), (-1, "20"), (-10, "29"), (-100, "3863"),
            (-1000, "3903e7"), (False, "f4"), (True, "f5"), (None, "f6"),
            ("", "60"), ("a", "6161"), ("IETF", "6449455446"), ("\"\\", "62225c"),
            ("\u00fc", "62c3bc"), ("\u6c34", "63e6b0b4"), (b"", "40"),
            (bytes.fromhex("01020304"), "4401020304"), ([], "80"), ([1, 2, 3], "83010203"),
            ([1, [2, 3], [4, 5]], "8301820203820405"),
            (list(range(1, 26)), "98190102030405060708090a0b0c0d0e0f101112131415161718181819"),
            ({}, "a0"), ({1: 2, 3: 4}, "a201020304"),
            ({"a": 1, "b": [2, 3]}, "a26161016162820203"),
            (["a", {"b": "c"}], "826161a161626163"),
            ({"a": "A", "b": "B", "c": "C", "d": "D", "e": "E"},
             "a56161614161626142616361436164614461656145"),
        ]
        for value, expected in examples:
            with self.subTest(value=value):
                self.assertEqual(ctap.cbor_encode(value).hex(), expected)

    def test_sorts_map_keys_canonically_as_ctap2_requires(self):
        # Integers before text; shorter keys first; then bytewise.
        self.assertEqual(
            ctap.cbor_encode({"clientPin": False, "plat": False, "up": True, "rk": True, 1: 0}),
            bytes.fromhex("a5" "0100" "62726bf5" "627570f5" "64706c6174f4"
                          "69636c69656e7450696ef4"))

    def test_encodes_a_get_info_answer_byte_for_byte(self):
        # The same bytes tests/unit/fido/ble_framing_test.cpp records as kGetInfoAnswer.
        answer = ctap.get_info_response(
            ["U2F_V2", "FIDO_2_0"], "f8a011f3-8c0a-4d15-8006-17111f9edc7d",
            {"rk": True, "up": True, "plat": False, "clientPin": False},
            extensions=["uvm", "hmac-secret"], max_msg_size=1200, pin_protocols=[1])
        self.assertEqual(
            answer.hex(),
            "00a60182665532465f5632684649444f5f325f3002826375766d6b686d61632d73656372657403"
            "50f8a011f38c0a4d15800617111f9edc7d04a462726bf5627570f564706c6174f469636c69656e"
            "7450696ef4051904b0068101")

    def test_refuses_what_it_cannot_encode(self):
        with self.assertRaises(TypeError):
            ctap.cbor_encode(1.5)


class TheBleFraming(unittest.TestCase):
    def test_splits_a_frame_at_the_control_point_length(self):
        fragments = ctap.encode_frame(ctap.MSG, bytes(range(40)), 20)
        self.assertEqual([f.hex() for f in fragments], [
            "830028" + bytes(range(17)).hex(),
            "00" + bytes(range(17, 36)).hex(),
            "01" + bytes(range(36, 40)).hex()])

    def test_wraps_the_sequence_after_0x7f(self):
        fragments = ctap.encode_frame(ctap.MSG, bytes(17 + 130 * 19), 20)
        self.assertEqual([f[0] for f in fragments[127:]], [0x7E, 0x7F, 0x00, 0x01])

    def test_decodes_what_it_encodes(self):
        decoder = ctap.FrameDecoder()
        frames = [decoder.feed(f) for f in ctap.encode_frame(ctap.MSG, bytes(range(200)), 64)]
        self.assertEqual(frames[-1], (ctap.MSG, bytes(range(200))))
        self.assertEqual(frames[:-1], [None] * (len(frames) - 1))

    def test_rejects_a_continuation_out_of_sequence(self):
        decoder = ctap.FrameDecoder()
        decoder.feed(bytes([ctap.MSG, 0, 40]) + bytes(17))
        with self.assertRaises(ctap.FramingError):
            decoder.feed(bytes([1]) + bytes(19))


class TheAuthenticator(unittest.TestCase):
    GET_INFO = bytes.fromhex("83000104")

    def answer(self, authenticator, request=GET_INFO):
        decoder = ctap.FrameDecoder()
        frames = []
        for notification in authenticator.write_control_point(request):
            frame = decoder.feed(notification)
            if frame is not None:
                frames.append(frame)
        return frames

    def test_with_resident_keys_answers_get_info_with_ctap2_and_rk(self):
        frames = self.answer(ctap.Authenticator("ctap2-rk", aaguid=ctap.DEFAULT_AAGUID))
        self.assertEqual(frames, [(ctap.MSG, ctap.get_info_response(
            ["FIDO_2_0", "FIDO_2_1"], ctap.DEFAULT_AAGUID, {"rk": True, "up": True}))])

    def test_without_resident_keys_answers_rk_false(self):
        frames = self.answer(ctap.Authenticator("ctap2-no-rk"))
        self.assertIn(bytes.fromhex("62726bf4"), frames[0][1])  # "rk": false

    def test_u2f_only_answers_ctap2_with_an_error_frame(self):
        self.assertEqual(self.answer(ctap.Authenticator("u2f-only")),
                         [(ctap.ERROR, bytes([ctap.ERR_INVALID_CMD]))])

    def test_u2f_only_can_answer_with_u2f_versions_instead(self):
        frames = self.answer(ctap.Authenticator("u2f-only", u2f_answer="versions"))
        self.assertIn(b"U2F_V2", frames[0][1])
        self.assertNotIn(b"FIDO_2", frames[0][1])

    def test_silent_never_answers_but_records_the_request(self):
        authenticator = ctap.Authenticator("silent")
        self.assertEqual(authenticator.write_control_point(self.GET_INFO), [])
        self.assertEqual(authenticator.events, [{"event": "request", "command": 4, "length": 1}])

    def test_garbage_sends_fragments_out_of_sequence(self):
        notifications = ctap.Authenticator("garbage").write_control_point(self.GET_INFO)
        decoder = ctap.FrameDecoder()
        decoder.feed(notifications[0])
        with self.assertRaises(ctap.FramingError):
            decoder.feed(notifications[1])

    def test_sends_keepalives_before_its_answer(self):
        frames = self.answer(ctap.Authenticator("ctap2-rk", keepalives=2))
        self.assertEqual(frames[:2], [(ctap.KEEPALIVE, b"\x01")] * 2)
        self.assertEqual(frames[2][0], ctap.MSG)

    def test_records_a_cancel(self):
        authenticator = ctap.Authenticator("silent")
        authenticator.write_control_point(bytes.fromhex("be0000"))
        self.assertEqual(authenticator.events, [{"event": "cancel"}])

    def test_accepts_only_a_revision_it_offers(self):
        authenticator = ctap.Authenticator(revision=0x60)
        self.assertFalse(authenticator.write_revision(b"\x80"))
        self.assertFalse(authenticator.write_revision(b"\x60"))  # one bit at a time
        self.assertTrue(authenticator.write_revision(b"\x20"))
        self.assertEqual(authenticator.revision_value(), b"\x20")

    def test_reports_its_control_point_length_big_endian(self):
        self.assertEqual(ctap.Authenticator(control_point_length=512).control_point_length_value(),
                         b"\x02\x00")


if __name__ == "__main__":
    unittest.main()
