"""A scriptable CTAP-over-BLE authenticator, without any I/O.

Three pieces, each written from the specifications (CTAP 2.2 §6.4 authenticatorGetInfo,
§8 CTAP2 canonical CBOR, §11.4 Bluetooth; RFC 8949 for CBOR), not from btfence's C++ code,
so that the two implementations check each other:

- cbor_encode(): a small canonical CBOR encoder (unsigned/negative ints, byte and text
  strings, arrays, maps, booleans, null);
- encode_frame() / FrameDecoder: the BLE framing (CMD|HLEN|LLEN|DATA, then SEQ|DATA with SEQ
  0x00..0x7F wrapping);
- Authenticator: consumes fidoControlPoint writes and returns the fidoStatus notifications to
  send, behaving as one of MODES.

virtual_authenticator.py puts it on a real BlueZ GATT server; fake_bluez_gatt.py on a fake
org.bluez for the integration tests.
"""

import struct

# BLE frame commands (CTAP 2.2 §11.4.4).
PING = 0x81
KEEPALIVE = 0x82
MSG = 0x83
CANCEL = 0xBE
ERROR = 0xBF
KNOWN_COMMANDS = (PING, KEEPALIVE, MSG, CANCEL, ERROR)

KEEPALIVE_PROCESSING = 0x01
KEEPALIVE_UP_NEEDED = 0x02

ERR_INVALID_CMD = 0x01
ERR_INVALID_PAR = 0x02
ERR_INVALID_LEN = 0x03
ERR_INVALID_SEQ = 0x04
ERR_OTHER = 0x7F

# CTAP2 command bytes and status codes.
CTAP2_GET_INFO = 0x04
CTAP2_OK = 0x00
CTAP1_ERR_INVALID_COMMAND = 0x01

# fidoServiceRevisionBitfield bits.
REVISION_U2F_1_1 = 0x80
REVISION_U2F_1_2 = 0x40
REVISION_FIDO2 = 0x20

FIDO_SERVICE = "0000fffd-0000-1000-8000-00805f9b34fb"
FIDO_CONTROL_POINT = "f1d0fff1-deaa-ecee-b42f-c9ba7ed623bb"
FIDO_STATUS = "f1d0fff2-deaa-ecee-b42f-c9ba7ed623bb"
FIDO_CONTROL_POINT_LENGTH = "f1d0fff3-deaa-ecee-b42f-c9ba7ed623bb"
FIDO_SERVICE_REVISION_BITFIELD = "f1d0fff4-deaa-ecee-b42f-c9ba7ed623bb"

# The behaviours the tests need (see Authenticator).
MODES = ("ctap2-rk", "ctap2-no-rk", "u2f-only", "garbage", "silent")
U2F_ANSWERS = ("error", "versions")
GARBAGE_KINDS = ("bad-sequence", "unknown-command", "oversized", "lone-continuation",
                 "truncated-header")

# An AAGUID no real authenticator uses (the tests' own, version-4 UUID layout).
DEFAULT_AAGUID = "b7f3e2a1-5c4d-4e6f-8a9b-0c1d2e3f4a5b"


# ----------------------------------------------------------------------------------------------
# CBOR (RFC 8949), canonical as CTAP2 §8 requires: shortest lengths, map keys sorted by major
# type, then by encoded length, then bytewise.

def _head(major, value):
    if value < 24:
        return bytes([(major << 5) | value])
    if value < 0x100:
        return bytes([(major << 5) | 24, value])
    if value < 0x10000:
        return bytes([(major << 5) | 25]) + struct.pack(">H", value)
    if value < 0x100000000:
        return bytes([(major << 5) | 26]) + struct.pack(">I", value)
    return bytes([(major << 5) | 27]) + struct.pack(">Q", value)


def cbor_encode(value):
    """Encodes int, bytes, str, list/tuple, dict, bool and None."""
    if value is True:
        return b"\xf5"
    if value is False:
        return b"\xf4"
    if value is None:
        return b"\xf6"
    if isinstance(value, int):
        if value >= 0:
            return _head(0, value)
        return _head(1, -1 - value)
    if isinstance(value, (bytes, bytearray)):
        return _head(2, len(value)) + bytes(value)
    if isinstance(value, str):
        data = value.encode("utf-8")
        return _head(3, len(data)) + data
    if isinstance(value, (list, tuple)):
        return _head(4, len(value)) + b"".join(cbor_encode(item) for item in value)
    if isinstance(value, dict):
        entries = [(cbor_encode(key), cbor_encode(item)) for key, item in value.items()]
        entries.sort(key=lambda entry: (entry[0][0] >> 5, len(entry[0]), entry[0]))
        return _head(5, len(entries)) + b"".join(key + item for key, item in entries)
    raise TypeError("cannot encode %r as CBOR" % (value,))


def aaguid_bytes(text):
    digits = text.replace("-", "")
    if len(digits) != 32:
        raise ValueError("an AAGUID has 32 hex digits: %r" % text)
    return bytes.fromhex(digits)


def get_info_response(versions, aaguid, options, extensions=None, max_msg_size=None,
                      pin_protocols=None):
    """authenticatorGetInfo's answer: status byte 0x00, then the CBOR map (§6.4)."""
    info = {0x01: list(versions)}
    if extensions:
        info[0x02] = list(extensions)
    info[0x03] = aaguid_bytes(aaguid)
    if options is not None:
        info[0x04] = dict(options)
    if max_msg_size is not None:
        info[0x05] = max_msg_size
    if pin_protocols:
        info[0x06] = list(pin_protocols)
    return bytes([CTAP2_OK]) + cbor_encode(info)


# ----------------------------------------------------------------------------------------------
# BLE framing (§11.4.4).

def encode_frame(command, data, control_point_length):
    """The fragments of one frame, each at most control_point_length bytes."""
    data = bytes(data)
    if not 20 <= control_point_length <= 512:
        raise ValueError("fidoControlPointLength must be in [20, 512]")
    if len(data) > 0xFFFF:
        raise ValueError("a frame carries at most 65535 bytes")
    first = control_point_length - 3
    fragments = [bytes([command, len(data) >> 8, len(data) & 0xFF]) + data[:first]]
    offset, sequence = first, 0
    while offset < len(data):
        chunk = data[offset:offset + control_point_length - 1]
        fragments.append(bytes([sequence]) + chunk)
        offset += len(chunk)
        sequence = (sequence + 1) % 0x80
    return fragments


class FramingError(Exception):
    pass


class FrameDecoder:
    """Reassembles frames from fragments; feed() returns (command, data) or None."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.command = None
        self.expected = 0
        self.data = b""
        self.sequence = 0

    def feed(self, fragment):
        fragment = bytes(fragment)
        if not fragment:
            raise FramingError("empty fragment")
        if fragment[0] & 0x80:
            if self.command is not None:
                self.reset()
                raise FramingError("new frame before the previous one completed")
            if fragment[0] not in KNOWN_COMMANDS:
                raise FramingError("unknown command 0x%02x" % fragment[0])
            if len(fragment) < 3:
                raise FramingError("truncated initialisation fragment")
            self.command = fragment[0]
            self.expected = (fragment[1] << 8) | fragment[2]
            self.data = fragment[3:]
            self.sequence = 0
        else:
            if self.command is None:
                raise FramingError("continuation without a frame")
            if fragment[0] != self.sequence:
                self.reset()
                raise FramingError("sequence 0x%02x, expected 0x%02x" % (fragment[0], self.sequence))
            self.data += fragment[1:]
            self.sequence = (self.sequence + 1) % 0x80
        if len(self.data) > self.expected:
            self.reset()
            raise FramingError("more data than announced")
        if len(self.data) < self.expected:
            return None
        frame = (self.command, self.data)
        self.reset()
        return frame


# ----------------------------------------------------------------------------------------------
# The authenticator.

class Authenticator:
    """What a FIDO BLE authenticator answers, in one of MODES:

    ctap2-rk     versions [FIDO_2_0, FIDO_2_1], the given AAGUID, options {rk: true, up: true}
    ctap2-no-rk  the same with options {rk: false, up: true}
    u2f-only     a U2F authenticator: answers CTAP2 commands with an ERROR frame
                 (u2f_answer="error") or getInfo with versions [U2F_V2] (u2f_answer="versions")
    garbage      answers with malformed frames (garbage_kind, see GARBAGE_KINDS)
    silent       never answers

    keepalives KEEPALIVE(PROCESSING) frames go out before each answer. Every request and event
    is appended to self.events as a dict (the servers print them as JSON lines).
    """

    def __init__(self, mode="ctap2-rk", aaguid=DEFAULT_AAGUID, control_point_length=20,
                 revision=REVISION_FIDO2, keepalives=0, u2f_answer="error",
                 garbage_kind="bad-sequence"):
        if mode not in MODES:
            raise ValueError("unknown mode %r" % mode)
        self.mode = mode
        self.aaguid = aaguid
        self.control_point_length = control_point_length
        self.revision = revision
        self.selected_revision = None
        self.keepalives = keepalives
        self.u2f_answer = u2f_answer
        self.garbage_kind = garbage_kind
        self.decoder = FrameDecoder()
        self.events = []

    # Characteristic values.
    def control_point_length_value(self):
        return struct.pack(">H", self.control_point_length)

    def revision_value(self):
        return bytes([self.selected_revision if self.selected_revision is not None
                      else self.revision])

    def write_revision(self, value):
        """A client selects one revision; only an offered one is accepted (§11.4.1)."""
        value = bytes(value)
        if len(value) != 1 or value[0] & self.revision != value[0] or bin(value[0]).count("1") != 1:
            self.events.append({"event": "revision-rejected", "value": list(value)})
            return False
        self.selected_revision = value[0]
        self.events.append({"event": "revision-selected", "value": value[0]})
        return True

    def write_control_point(self, fragment):
        """Consumes one fidoControlPoint write; returns the notifications to send."""
        try:
            frame = self.decoder.feed(fragment)
        except FramingError as e:
            self.events.append({"event": "bad-request", "reason": str(e)})
            return self._frame(ERROR, bytes([ERR_INVALID_SEQ if "sequence" in str(e) else ERR_INVALID_PAR]))
        if frame is None:
            return []
        command, data = frame
        if command == CANCEL:
            self.events.append({"event": "cancel"})
            return []
        if command == PING:
            self.events.append({"event": "ping", "length": len(data)})
            return self._frame(PING, data)
        if command != MSG:
            self.events.append({"event": "bad-request", "reason": "command 0x%02x" % command})
            return self._frame(ERROR, bytes([ERR_INVALID_CMD]))
        request = data[0] if data else None
        self.events.append({"event": "request", "command": request, "length": len(data)})
        if self.mode == "silent":
            return []
        notifications = []
        for _ in range(self.keepalives):
            notifications += self._frame(KEEPALIVE, bytes([KEEPALIVE_PROCESSING]))
        return notifications + self._answer(request, data)

    def _answer(self, request, data):
        if self.mode == "garbage":
            return self._garbage()
        if request != CTAP2_GET_INFO:
            # Anything but getInfo (U2F APDUs start with CLA 0x00): not supported here.
            return self._frame(MSG, bytes([CTAP1_ERR_INVALID_COMMAND]))
        if self.mode == "ctap2-rk":
            return self._frame(MSG, get_info_response(
                ["FIDO_2_0", "FIDO_2_1"], self.aaguid, {"rk": True, "up": True}))
        if self.mode == "ctap2-no-rk":
            return self._frame(MSG, get_info_response(
                ["FIDO_2_0", "FIDO_2_1"], self.aaguid, {"rk": False, "up": True}))
        # u2f-only
        if self.u2f_answer == "versions":
            return self._frame(MSG, get_info_response(["U2F_V2"], self.aaguid, {"up": True}))
        return self._frame(ERROR, bytes([ERR_INVALID_CMD]))

    def _garbage(self):
        kind = self.garbage_kind
        if kind == "bad-sequence":
            return [bytes([MSG, 0x00, 0x40]) + b"\x00" * 17, bytes([0x05]) + b"\x00" * 19]
        if kind == "unknown-command":
            return [bytes([0x99, 0x00, 0x01, 0x00])]
        if kind == "oversized":
            return [bytes([MSG, 0x00, 0x02]) + b"\x00" * 17]
        if kind == "lone-continuation":
            return [bytes([0x00]) + b"\x00" * 19]
        if kind == "truncated-header":
            return [bytes([MSG, 0x00])]
        raise ValueError("unknown garbage kind %r" % kind)

    def _frame(self, command, data):
        return encode_frame(command, data, self.control_point_length)
