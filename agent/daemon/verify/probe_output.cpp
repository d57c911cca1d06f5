#include "verify/probe_output.hpp"

#include <nlohmann/json.hpp>

#include "btfence/policy/address.hpp"

namespace btfence::verify {
namespace {

constexpr std::size_t kMaxDetail = 512;

policy::Verification failed(std::string detail) {
    policy::Verification result;
    result.state = policy::VerificationState::Failed;
    result.detail = std::move(detail);
    return result;
}

}  // namespace

policy::Verification parse_probe_output(const std::string& output, int exit_status) {
    if (exit_status != 0) {
        return failed("probe exited with status " + std::to_string(exit_status));
    }
    const auto newline = output.find('\n');
    const std::string line = output.substr(0, newline);
    const auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!json.is_object() || !json.contains("passed") || !json["passed"].is_boolean()) {
        return failed("probe printed no verdict");
    }
    policy::Verification result;
    const bool interrupted = json.contains("inconclusive") && json["inconclusive"].is_boolean() &&
                             json["inconclusive"].get<bool>();
    if (json["passed"].get<bool>()) {
        result.state = policy::VerificationState::Passed;
    } else {
        result.state = interrupted ? policy::VerificationState::Inconclusive
                                   : policy::VerificationState::Failed;
    }
    if (json.contains("aaguid") && json["aaguid"].is_string()) {
        result.aaguid =
            policy::normalize_aaguid(json["aaguid"].get<std::string>()).value_or(std::string());
    }
    if (json.contains("detail") && json["detail"].is_string()) {
        result.detail = json["detail"].get<std::string>().substr(0, kMaxDetail);
    }
    return result;
}

}  // namespace btfence::verify
