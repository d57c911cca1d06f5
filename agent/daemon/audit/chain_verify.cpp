#include "audit/chain_verify.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>

#include "audit/chain_state.hpp"

namespace btfence::audit {
namespace {

struct Line {
    std::string text;
    bool terminated = true;  ///< ended with a newline
};

struct File {
    std::filesystem::path path;
    std::vector<Line> lines;
    std::uint64_t first_sequence = UINT64_MAX;  ///< for ordering; MAX when none parses
};

File read_file(const std::filesystem::path& path) {
    File file{path, {}, UINT64_MAX};
    std::ifstream in(path, std::ios::binary);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        if (end == std::string::npos) {
            file.lines.push_back({text.substr(start), false});
            break;
        }
        file.lines.push_back({text.substr(start, end - start), true});
        start = end + 1;
    }
    for (const Line& line : file.lines) {
        if (const auto head = head_of_line(line.text)) {
            file.first_sequence = head->sequence;
            break;
        }
    }
    return file;
}

/// The `prev` of a chained line (ECS btfence.chain.prev, OCSF unmapped.btfence.chain.prev).
std::optional<std::string> prev_of(const nlohmann::json& line) {
    const nlohmann::json* product = nullptr;
    if (line.contains("btfence")) {
        product = &line["btfence"];
    } else if (line.contains("unmapped") && line["unmapped"].contains("btfence")) {
        product = &line["unmapped"]["btfence"];
    }
    if (product == nullptr || !product->is_object() || !product->contains("chain") ||
        !(*product)["chain"].contains("prev") || !(*product)["chain"]["prev"].is_string()) {
        return std::nullopt;
    }
    return (*product)["chain"]["prev"].get<std::string>();
}

std::string range(std::uint64_t first, std::uint64_t last) {
    return first == last ? std::to_string(first)
                         : std::to_string(first) + ".." + std::to_string(last);
}

}  // namespace

ChainVerdict verify_chain(const ChainKey& key, const std::vector<std::filesystem::path>& paths,
                          const std::optional<ChainHead>& head) {
    ChainVerdict verdict;
    std::vector<File> files;
    files.reserve(paths.size());
    for (const auto& path : paths) {
        if (!std::filesystem::exists(path)) {
            verdict.problem = path.string() + ": no such file";
            return verdict;
        }
        files.push_back(read_file(path));
    }
    std::stable_sort(files.begin(), files.end(), [](const File& a, const File& b) {
        return a.first_sequence < b.first_sequence;
    });

    std::multiset<std::uint64_t> unseen;  // sequence numbers of the lines not checked yet
    for (const File& file : files) {
        for (const Line& line : file.lines) {
            if (const auto self = head_of_line(line.text)) {
                unseen.insert(self->sequence);
            }
        }
    }

    std::optional<ChainHead> previous;  // the last line checked
    for (const File& file : files) {
        for (std::size_t index = 0; index < file.lines.size(); ++index) {
            const Line& line = file.lines[index];
            const std::string where = file.path.string() + ":" + std::to_string(index + 1) + ": ";
            const auto fail = [&](const std::string& what) {
                verdict.problem = where + what;
                return verdict;
            };
            const std::optional<std::size_t> offset = hmac_offset(line.text);
            const auto json = nlohmann::json::parse(line.text, nullptr, false);
            const std::optional<ChainHead> self = head_of_line(line.text);
            if (!line.terminated || !offset || json.is_discarded() || !self) {
                return fail(line.terminated
                                ? "truncated or altered: not a chained audit line"
                                : "truncated: the last line has no end (cut off mid-line)");
            }
            if (line_hmac(key, line.text, *offset) != self->hmac) {
                return fail("altered: sequence " + std::to_string(self->sequence) +
                            " does not match its hmac (changed, or not written with this key)");
            }
            const std::optional<std::string> prev = prev_of(json);
            if (!prev) {
                return fail("altered: no chain.prev");
            }
            if (!previous) {
                verdict.first_sequence = self->sequence;
                if (!(self->sequence == 1 && *prev == kChainGenesis)) {
                    verdict.notes.push_back(
                        "the chain starts at sequence " + std::to_string(self->sequence) + " (" +
                        where.substr(0, where.size() - 2) +
                        "); earlier lines are in files not given, or rotated away");
                }
            } else {
                const std::uint64_t expected = previous->sequence + 1;
                const bool linked = *prev == previous->hmac;
                if (self->sequence < expected) {
                    return fail("reordered: sequence " + std::to_string(self->sequence) +
                                " comes after " + std::to_string(previous->sequence));
                }
                if (self->sequence > expected && !linked && unseen.contains(expected)) {
                    return fail("reordered: sequence " + std::to_string(self->sequence) +
                                " comes before " + std::to_string(expected));
                }
                if (self->sequence > expected && !linked) {
                    return fail("missing: sequence " + range(expected, self->sequence - 1) +
                                " removed before this line");
                }
                if (!linked) {
                    return fail("missing or replaced: sequence " + std::to_string(self->sequence) +
                                " does not link to the line before it");
                }
                if (self->sequence > expected) {
                    verdict.notes.push_back(
                        "sequence " + range(expected, self->sequence - 1) +
                        " never written to the file by btfenced (it could not write it then; "
                        "see audit-log-error in the journal), before " +
                        where.substr(0, where.size() - 2));
                }
            }
            unseen.erase(unseen.find(self->sequence));
            previous = self;
            verdict.last_sequence = self->sequence;
            ++verdict.lines;
        }
    }
    if (!previous) {
        verdict.problem = "no audit lines in the files given";
        return verdict;
    }
    if (head) {
        const std::string last = files.back().path.string();
        if (head->sequence > previous->sequence) {
            verdict.problem = last + ": truncated: ends at sequence " +
                              std::to_string(previous->sequence) + " but btfenced wrote up to " +
                              std::to_string(head->sequence);
        } else if (head->sequence == previous->sequence && head->hmac != previous->hmac) {
            verdict.problem = last + ": altered: the last line is not the one btfenced wrote";
        }
    }
    return verdict;
}

}  // namespace btfence::audit
