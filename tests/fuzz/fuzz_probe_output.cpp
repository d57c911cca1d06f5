// libFuzzer target: btfenced reading btfence-probe's output (agent/daemon/verify/
// probe_output.cpp). The probe talked to an untrusted device and may be compromised, so its
// stdout is untrusted input to the daemon.
//
// Input: byte 0 is the exit status the probe is said to have had (0 for most values, so
// that the JSON path is the usual one); the rest is what it printed.
// Besides sanitizer reports it checks: only exit status 0 with `"passed": true` passes, and a
// non-zero exit status is a failure; a
// kept AAGUID is in the canonical 8-4-4-4-12 lowercase form; the detail is at most 512 bytes
// (it goes into an audit event).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "verify/probe_output.hpp"

namespace {

void require(bool condition) {
    if (!condition) {
        std::abort();
    }
}

bool canonical_aaguid(const std::string& text) {
    if (text.size() != 36) {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const int exit_status = data[0] < 0xF0 ? 0 : data[0] - 0xF0;
    const std::string output(reinterpret_cast<const char*>(data) + 1, size - 1);  // NOLINT
    const auto result = btfence::verify::parse_probe_output(output, exit_status);
    if (result.passed()) {
        require(exit_status == 0);
        require(output.find("true") != std::string::npos);
    }
    // A probe that crashed, was killed or printed nothing usable is a failure, never
    // "inconclusive" (which only the probe itself may claim, for a link that went away).
    if (exit_status != 0) {
        require(result.state == btfence::policy::VerificationState::Failed);
    }
    require(result.aaguid.empty() || canonical_aaguid(result.aaguid));
    require(result.detail.size() <= 512);
    return 0;
}
