#include "get_info_verdict.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <string_view>

namespace btfence::fido {
namespace {

bool all_digits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) {
            out += ", ";
        }
        out += item;
    }
    return out.empty() ? "none" : out;
}

}  // namespace

bool is_ctap2_version(const std::string& version) {
    std::string_view rest = version;
    constexpr std::string_view kPrefix = "FIDO_";
    if (!rest.starts_with(kPrefix)) {
        return false;
    }
    rest.remove_prefix(kPrefix.size());
    constexpr std::string_view kPre = "_PRE";
    if (rest.ends_with(kPre)) {
        rest.remove_suffix(kPre.size());
    }
    const auto underscore = rest.find('_');
    if (underscore == std::string_view::npos) {
        return false;
    }
    const std::string_view major = rest.substr(0, underscore);
    const std::string_view minor = rest.substr(underscore + 1);
    if (!all_digits(major) || !all_digits(minor) || major.size() > 3) {
        return false;
    }
    return std::stoi(std::string(major)) >= 2;
}

ProbeVerdict evaluate_get_info(const GetInfoReport& report) {
    ProbeVerdict verdict;
    verdict.versions = report.versions;
    verdict.rk = report.rk;
    if (!report.aaguid.empty()) {
        verdict.aaguid = report.aaguid;
    }
    const bool ctap2 =
        std::any_of(report.versions.begin(), report.versions.end(), is_ctap2_version);
    const std::string versions = joined(report.versions);
    if (!ctap2) {
        verdict.detail = "no CTAP2 version in authenticatorGetInfo (versions: " + versions +
                         "): not a FIDO2 authenticator";
        return verdict;
    }
    if (!report.rk.has_value()) {
        verdict.detail = "CTAP2 authenticator (" + versions +
                         ") without the rk option: cannot hold passkeys (discoverable "
                         "credentials)";
        return verdict;
    }
    if (!*report.rk) {
        verdict.detail = "CTAP2 authenticator (" + versions +
                         ") reports rk=false: cannot hold passkeys (discoverable credentials)";
        return verdict;
    }
    verdict.passed = true;
    verdict.detail =
        "CTAP2 authenticator (" + versions + ") with discoverable credentials (rk)" +
        (report.aaguid.empty() ? std::string(", no AAGUID") : ", AAGUID " + report.aaguid);
    return verdict;
}

ProbeVerdict failed_verdict(std::string detail) {
    ProbeVerdict verdict;
    verdict.detail = std::move(detail);
    return verdict;
}

ProbeVerdict inconclusive_verdict(std::string detail) {
    ProbeVerdict verdict;
    verdict.detail = std::move(detail);
    verdict.inconclusive = true;
    return verdict;
}

std::string to_json_line(const ProbeVerdict& verdict) {
    nlohmann::ordered_json json;
    json["passed"] = verdict.passed;
    json["inconclusive"] = verdict.inconclusive;
    json["aaguid"] = verdict.aaguid ? nlohmann::ordered_json(*verdict.aaguid) : nullptr;
    json["versions"] = verdict.versions;
    json["rk"] = verdict.rk ? nlohmann::ordered_json(*verdict.rk) : nullptr;
    json["detail"] = verdict.detail;
    // The strings come from the device: replace invalid UTF-8 rather than throw.
    return json.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace btfence::fido
