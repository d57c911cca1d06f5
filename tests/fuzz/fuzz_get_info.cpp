// libFuzzer target: a device's answer to authenticatorGetInfo, end to end through the probe
// (agent/fido/probe.cpp): CtapBleTransport reassembles fidoStatus notifications, libfido2 1.12
// decodes the CBOR (fido_dev_open and fido_dev_get_cbor_info, through the custom transport),
// cbor_info_report.cpp reads it, get_info_verdict.cpp judges it, and btfenced's parser reads
// the verdict line back (agent/daemon/verify/probe_output.cpp).
//
// Input: byte 0 picks fidoControlPointLength (20..512) and, with its top bit, the shape:
//   top bit clear: the rest is the CTAP response (status byte + CBOR), sent as one MSG frame
//                  fragmented the way an honest device would — the short road into libfido2;
//   top bit set:   the rest is raw notifications, [length byte][bytes]..., sent as they are
//                  — for the reassembly and everything a lying device can do to the framing.
// The same answer is given to every request (libfido2 asks getInfo twice).
// libfido2 and libcbor are Debian's shared libraries, not instrumented: libFuzzer steers by
// btfence's own code and the sanitizers check btfence's use of what they return.
//
// Besides sanitizer reports it checks: a verdict that passed has a CTAP2 version and rk true;
// versions stay bounded; btfenced reads exactly the verdict the probe printed.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "ble_framing.hpp"
#include "get_info_verdict.hpp"
#include "probe.hpp"
#include "scripted_authenticator.hpp"
#include "verify/probe_output.hpp"

namespace {

using namespace btfence::fido;

void require(bool condition) {
    if (!condition) {
        std::abort();
    }
}

class Link final : public FidoGattLink {
  public:
    explicit Link(test::ScriptedAuthenticator& target) : target_(target) {}
    std::size_t control_point_length() const override { return target_.control_point_length(); }
    void write_control_point(std::span<const std::uint8_t> fragment, Deadline d) override {
        target_.write_control_point(fragment, d);
    }
    std::optional<std::vector<std::uint8_t>> next_notification(Deadline d) override {
        return target_.next_notification(d);
    }

  private:
    test::ScriptedAuthenticator& target_;
};

}  // namespace

// The probe runs with RLIMIT_AS at 512 MiB (agent/fido/sandbox.hpp): there, an allocation
// libcbor sizes from a CBOR length the device declared (an array "of 2^60 elements" in 9
// bytes) fails, and libcbor reports a decoding error. ASan would report it as a crash
// instead; these options make it fail the same way (tests/unit/fido/sandbox_test.cpp
// checks the confined probe itself against such an answer).
extern "C" const char* __asan_default_options() {  // NOLINT: the sanitizer's hook
    return "allocator_may_return_null=1:max_allocation_size_mb=256";
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const bool raw = (data[0] & 0x80U) != 0;
    const std::size_t control_point_length =
        kMinControlPointLength +
        (std::size_t{data[0]} & 0x7FU) * 4U % (kMaxControlPointLength - kMinControlPointLength + 1);
    const std::span<const std::uint8_t> rest(data + 1, size - 1);

    test::ScriptedAuthenticator::Fragments answer;
    if (raw) {
        std::span<const std::uint8_t> input = rest;
        while (!input.empty()) {
            const std::size_t length = std::min<std::size_t>(input[0], input.size() - 1);
            answer.emplace_back(input.begin() + 1, input.begin() + 1 + static_cast<long>(length));
            input = input.subspan(1 + length);
        }
    } else {
        answer = encode_frame(BleCommand::Msg, rest.first(std::min(rest.size(), kMaxMessageLength)),
                              control_point_length);
    }
    test::ScriptedAuthenticator key(control_point_length,
                                    [&answer](const BleFrame&) { return answer; });

    const ProbeVerdict verdict =
        run_probe({"/org/bluez/hci0/dev_00_AA_01_00_00_00", std::chrono::milliseconds{5000}},
                  [&key](const std::string&, Deadline) { return std::make_unique<Link>(key); });

    require(verdict.versions.size() <= 16);
    for (const auto& version : verdict.versions) {
        require(version.size() <= 32);
    }
    if (verdict.passed) {
        require(verdict.rk == true);
        require(std::any_of(verdict.versions.begin(), verdict.versions.end(), is_ctap2_version));
    }
    const auto read_back = btfence::verify::parse_probe_output(to_json_line(verdict) + "\n", 0);
    require(read_back.passed() == verdict.passed);
    require(read_back.aaguid == verdict.aaguid.value_or(""));
    return 0;
}
