#include "audit_verify_command.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>

#include "audit/chain_state.hpp"
#include "audit/chain_verify.hpp"

namespace btfence::ctl {
namespace {

std::optional<std::string> slurp(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    return std::string{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// "ecs" or "ocsf": which of btfenced's heads belongs to these files.
std::string output_of(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::string first;
    std::getline(in, first);
    return first.find("\"class_uid\"") != std::string::npos ? "ocsf" : "ecs";
}

}  // namespace

int run_audit_verify(const AuditVerifyOptions& options) {
    const std::filesystem::path key_path =
        options.key_path.empty() ? std::filesystem::path(options.state_dir) / audit::kChainKeyFile
                                 : std::filesystem::path(options.key_path);
    const auto key_text = slurp(key_path);
    if (!key_text) {
        (void)std::fprintf(stderr,
                           "cannot read the chain key %s (it is readable by root and btfenced's "
                           "user only; run as root)\n",
                           key_path.c_str());
        return 2;
    }
    const auto key = audit::decode_key(*key_text);
    if (!key) {
        (void)std::fprintf(stderr, "%s is not a chain key\n", key_path.c_str());
        return 2;
    }
    std::vector<std::filesystem::path> files(options.files.begin(), options.files.end());
    std::optional<audit::ChainHead> head;
    if (options.check_head && !files.empty()) {
        const auto head_path = std::filesystem::path(options.state_dir) /
                               audit::chain_head_file(output_of(files.front()));
        if (const auto text = slurp(head_path)) {
            head = audit::decode_head(*text);
        }
        if (!head) {
            (void)std::fprintf(stderr,
                               "note: cannot read %s; a cut-off end of the newest file will not "
                               "be noticed\n",
                               head_path.c_str());
        }
    }
    const audit::ChainVerdict verdict = audit::verify_chain(*key, files, head);
    for (const std::string& note : verdict.notes) {
        (void)std::fprintf(stderr, "note: %s\n", note.c_str());
    }
    if (!verdict.ok()) {
        (void)std::fprintf(stdout, "%s\n", verdict.problem.c_str());
        return 1;
    }
    (void)std::fprintf(stdout, "chain intact: %llu line(s), sequence %llu to %llu\n",
                       static_cast<unsigned long long>(verdict.lines),
                       static_cast<unsigned long long>(verdict.first_sequence),
                       static_cast<unsigned long long>(verdict.last_sequence));
    return 0;
}

}  // namespace btfence::ctl
