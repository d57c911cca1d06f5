#pragma once
// btfenced's side of the probe's one-line JSON verdict (agent/fido/get_info_verdict.hpp
// writes it). The probe talked to an untrusted device and may itself be compromised, so its
// output is untrusted input: parsed defensively, fuzzed (tests/fuzz/fuzz_probe_output.cpp).
#include <string>

#include "btfence/policy/device_facts.hpp"

namespace btfence::verify {

/// Parses the probe's first output line: passed, failed, or inconclusive (`"inconclusive":
/// true`: the link went away). Anything unexpected is a failed verification: a non-zero exit
/// status, no JSON object, `passed` missing or not a boolean. The AAGUID is kept only when it
/// is a well-formed one; the detail is cut to 512 bytes.
policy::Verification parse_probe_output(const std::string& output, int exit_status);

}  // namespace btfence::verify
