#include "cbor_info_report.hpp"

#include <cstring>

namespace btfence::fido {
namespace {

constexpr std::size_t kMaxVersions = 16;
constexpr std::size_t kMaxVersionLength = 32;
constexpr std::size_t kAaguidLength = 16;

}  // namespace

std::string format_aaguid(std::span<const std::uint8_t> bytes) {
    if (bytes.size() != kAaguidLength) {
        return {};
    }
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out += '-';
        }
        out += kDigits[bytes[i] >> 4U];
        out += kDigits[bytes[i] & 0x0FU];
    }
    return out;
}

GetInfoReport report_from(const fido_cbor_info_t& info) {
    GetInfoReport report;
    char** versions = fido_cbor_info_versions_ptr(&info);
    const std::size_t version_count = fido_cbor_info_versions_len(&info);
    for (std::size_t i = 0; i < version_count && i < kMaxVersions; ++i) {
        report.versions.emplace_back(versions[i], strnlen(versions[i], kMaxVersionLength));
    }

    char** option_names = fido_cbor_info_options_name_ptr(&info);
    const bool* option_values = fido_cbor_info_options_value_ptr(&info);
    const std::size_t option_count = fido_cbor_info_options_len(&info);
    for (std::size_t i = 0; i < option_count; ++i) {
        if (std::strcmp(option_names[i], "rk") == 0) {
            report.rk = option_values[i];
        }
    }

    report.aaguid = format_aaguid(std::span<const std::uint8_t>(fido_cbor_info_aaguid_ptr(&info),
                                                                fido_cbor_info_aaguid_len(&info)));
    return report;
}

}  // namespace btfence::fido
