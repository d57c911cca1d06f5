#pragma once
// The verdict on an authenticatorGetInfo answer, and the probe's one-line JSON output.
// Pure: the CBOR has already been decoded (by libfido2, see cbor_info_report.hpp).

#include <optional>
#include <string>
#include <vector>

namespace btfence::fido {

/// What the authenticator reported, reduced to what the verdict looks at.
struct GetInfoReport {
    std::vector<std::string> versions;  ///< authenticatorGetInfo 0x01, e.g. "FIDO_2_0"
    std::optional<bool> rk;             ///< options.rk; nullopt when the option is absent
    std::string aaguid;                 ///< 0x03 as 8-4-4-4-12 lowercase hex; "" if absent
};

/// The probe's answer. Serialised as one JSON line for btfenced (DAEMON side:
/// agent/daemon/verify/probe_runner.cpp parses it).
struct ProbeVerdict {
    bool passed = false;
    std::optional<std::string> aaguid;  ///< null in JSON when the device never reported one
    std::vector<std::string> versions;
    std::optional<bool> rk;
    std::string detail;  ///< why, for the audit event's reason
    /// No verdict on the device: the conversation was cut short (it disconnected, ...).
    /// btfenced retries at the next connection instead of calling it a spoof.
    bool inconclusive = false;

    bool operator==(const ProbeVerdict&) const = default;
};

/// True for FIDO_2_0 and every later CTAP2 version string: FIDO_2_1_PRE, FIDO_2_1, FIDO_2_2,
/// FIDO_2_3, ... ("FIDO_<major>_<minor>" with major >= 2, optionally "_PRE"). U2F_V2 and
/// anything else is false.
bool is_ctap2_version(const std::string& version);

/// Passkey-capable = versions holds a CTAP2 version and options.rk is true (an absent rk
/// means false: CTAP 2.2 §6.4 gives it that default).
ProbeVerdict evaluate_get_info(const GetInfoReport& report);

/// A verdict reached without a usable getInfo answer (no FIDO service, timeout, ERROR frame...).
ProbeVerdict failed_verdict(std::string detail);
/// No verdict: the link went away before the device could show what it is.
ProbeVerdict inconclusive_verdict(std::string detail);

/// {"passed":...,"inconclusive":...,"aaguid":...,"versions":[...],"rk":...,"detail":"..."}
/// without a newline.
std::string to_json_line(const ProbeVerdict& verdict);

}  // namespace btfence::fido
