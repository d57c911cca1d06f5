// The tamper-evident chain: lines written by the file sink verify, and every kind of tampering
// (a line altered, removed, moved, cut off; lines cut off the end; a file removed between
// rotated ones) is named at the first line it affects.
#include "audit/chain.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "audit/chain_state.hpp"
#include "audit/chain_verify.hpp"
#include "audit/ecs_line.hpp"
#include "audit/file_sink.hpp"
#include "audit/ocsf_line.hpp"
#include "test_support.hpp"

namespace btfence::audit {
namespace {

namespace fs = std::filesystem;
using testing::denied_keyboard_event;
using testing::read_lines;
using testing::TempDir;

const ChainKey kKey(kChainKeyBytes, 0x42);

/// Writes events `first`..`last` to `path` through a chained FileSink starting at `head`;
/// returns the head it ends with.
ChainHead write_events(const fs::path& path, std::uint64_t first, std::uint64_t last,
                       ChainHead head = {}, ChainedSerializer serialize = to_ecs_line,
                       std::uint64_t rotate_bytes = 0) {
    FileSinkOptions options;
    options.sync = SyncPolicy::Never;
    options.serialize = serialize;
    options.chain.emplace(kKey, head);
    options.rotate_bytes = rotate_bytes;
    options.rotate_keep = 100;
    options.save_head = [&head](const ChainHead& saved) { head = saved; };
    {
        FileSink sink(path, nullptr, std::move(options));
        for (std::uint64_t sequence = first; sequence <= last; ++sequence) {
            Event event = denied_keyboard_event();
            event.sequence = sequence;
            sink.write(event);
        }
    }  // destruction saves the head
    return head;
}

void write_lines(const fs::path& path, const std::vector<std::string>& lines,
                 bool last_newline = true) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        out << lines[i];
        if (i + 1 < lines.size() || last_newline) {
            out << '\n';
        }
    }
}

class AChain : public ::testing::Test {
  protected:
    TempDir dir;
    fs::path log = dir.path() / "audit.jsonl";
};

TEST_F(AChain, OfLinesWrittenByTheFileSinkVerifies) {
    const ChainHead head = write_events(log, 1, 5);
    EXPECT_EQ(head.sequence, 5U);
    const ChainVerdict verdict = verify_chain(kKey, {log}, head);
    EXPECT_TRUE(verdict.ok()) << verdict.problem;
    EXPECT_EQ(verdict.lines, 5U);
    EXPECT_EQ(verdict.first_sequence, 1U);
    EXPECT_EQ(verdict.last_sequence, 5U);
    EXPECT_TRUE(verdict.notes.empty());
}

TEST_F(AChain, LinksEachLineToThePreviousOnesHmac) {
    write_events(log, 1, 3);
    const auto lines = read_lines(log);
    ASSERT_EQ(lines.size(), 3U);
    const auto first = nlohmann::json::parse(lines[0]).at("btfence").at("chain");
    const auto second = nlohmann::json::parse(lines[1]).at("btfence").at("chain");
    EXPECT_EQ(first.at("prev"), std::string(kChainGenesis));
    EXPECT_EQ(second.at("prev"), first.at("hmac"));
    EXPECT_EQ(first.at("hmac").get<std::string>().size(), 64U);
}

TEST_F(AChain, OfOcsfLinesVerifiesToo) {
    const ChainHead head = write_events(log, 1, 4, {}, to_ocsf_line);
    EXPECT_TRUE(verify_chain(kKey, {log}, head).ok());
}

TEST_F(AChain, ContinuesAcrossARestart) {
    const ChainHead first_run = write_events(log, 1, 3);
    const ChainHead second_run = write_events(log, 4, 6, first_run);
    const ChainVerdict verdict = verify_chain(kKey, {log}, second_run);
    EXPECT_TRUE(verdict.ok()) << verdict.problem;
    EXPECT_EQ(verdict.lines, 6U);
}

TEST_F(AChain, WithAnAlteredLineNamesThatLine) {
    const ChainHead head = write_events(log, 1, 5);
    auto lines = read_lines(log);
    const std::size_t at = lines[2].find("Logi K380");
    ASSERT_NE(at, std::string::npos);
    lines[2].replace(at, 9, "YubiKey 5");
    write_lines(log, lines);
    const ChainVerdict verdict = verify_chain(kKey, {log}, head);
    EXPECT_EQ(verdict.problem,
              log.string() +
                  ":3: altered: sequence 3 does not match its hmac (changed, or not "
                  "written with this key)");
}

TEST_F(AChain, WithARemovedLineNamesWhatIsMissingWhereItWas) {
    const ChainHead head = write_events(log, 1, 5);
    auto lines = read_lines(log);
    lines.erase(lines.begin() + 1);
    write_lines(log, lines);
    EXPECT_EQ(verify_chain(kKey, {log}, head).problem,
              log.string() + ":2: missing: sequence 2 removed before this line");
}

TEST_F(AChain, WithTwoLinesSwappedSaysReordered) {
    const ChainHead head = write_events(log, 1, 5);
    auto lines = read_lines(log);
    std::swap(lines[1], lines[2]);
    write_lines(log, lines);
    EXPECT_EQ(verify_chain(kKey, {log}, head).problem,
              log.string() + ":2: reordered: sequence 3 comes before 2");
}

TEST_F(AChain, WithALineCutOffMidLineSaysTruncated) {
    const ChainHead head = write_events(log, 1, 3);
    auto lines = read_lines(log);
    lines[2].resize(lines[2].size() / 2);
    write_lines(log, lines, false);
    EXPECT_EQ(verify_chain(kKey, {log}, head).problem,
              log.string() + ":3: truncated: the last line has no end (cut off mid-line)");
}

TEST_F(AChain, WithLinesCutOffTheEndSaysTruncatedWhenTheHeadIsKnown) {
    const ChainHead head = write_events(log, 1, 5);
    auto lines = read_lines(log);
    lines.resize(3);
    write_lines(log, lines);
    EXPECT_EQ(verify_chain(kKey, {log}, head).problem,
              log.string() + ": truncated: ends at sequence 3 but btfenced wrote up to 5");
    EXPECT_TRUE(verify_chain(kKey, {log}, std::nullopt).ok())
        << "without the head a cut-off end cannot be seen (documented)";
}

TEST_F(AChain, WithAnotherHostsKeyFails) {
    write_events(log, 1, 2);
    const ChainKey other(kChainKeyBytes, 0x17);
    EXPECT_FALSE(verify_chain(other, {log}, std::nullopt).ok());
}

TEST_F(AChain, WithAGapBtfencedLeftItselfNotesItAndHolds) {
    // Event 3 could not be written (disk full): the chain links 4 to 2.
    ChainHead head = write_events(log, 1, 2);
    head = write_events(log, 4, 5, head);
    const ChainVerdict verdict = verify_chain(kKey, {log}, head);
    EXPECT_TRUE(verdict.ok()) << verdict.problem;
    ASSERT_EQ(verdict.notes.size(), 1U);
    EXPECT_NE(verdict.notes[0].find("sequence 3 never written"), std::string::npos)
        << verdict.notes[0];
}

TEST_F(AChain, SurvivesRotationAndVerifiesTheFilesInAnyOrder) {
    const std::uint64_t one_line = to_ecs_line(denied_keyboard_event()).size() + 160;
    const ChainHead head = write_events(log, 1, 7, {}, to_ecs_line, 2 * one_line);
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir.path())) {
        files.push_back(entry.path());
    }
    ASSERT_GE(files.size(), 3U) << "rotated at least twice";
    std::sort(files.begin(), files.end());  // audit.jsonl, .1, .2, …: newest first
    const ChainVerdict verdict = verify_chain(kKey, files, head);
    EXPECT_TRUE(verdict.ok()) << verdict.problem;
    EXPECT_EQ(verdict.lines, 7U);
}

TEST_F(AChain, WithARotatedFileRemovedFromTheMiddleNamesTheGap) {
    const std::uint64_t one_line = to_ecs_line(denied_keyboard_event()).size() + 160;
    const ChainHead head = write_events(log, 1, 7, {}, to_ecs_line, 2 * one_line);
    const fs::path middle = dir.path() / "audit.jsonl.2";
    ASSERT_TRUE(fs::exists(middle));
    const auto removed = read_lines(middle);
    const std::uint64_t first_removed =
        nlohmann::json::parse(removed.front()).at("event").at("sequence").get<std::uint64_t>();
    fs::remove(middle);
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir.path())) {
        files.push_back(entry.path());
    }
    const ChainVerdict verdict = verify_chain(kKey, files, head);
    EXPECT_NE(verdict.problem.find("missing: sequence " + std::to_string(first_removed)),
              std::string::npos)
        << verdict.problem;
}

TEST(AChainHead, IsReadBackFromTheLastLineOfAFile) {
    const TempDir dir;
    const fs::path log = dir.path() / "audit.jsonl";
    const ChainHead head = write_events(log, 1, 3);
    EXPECT_EQ(head_of_file(log), head);
    EXPECT_EQ(head_of_file(dir.path() / "missing"), std::nullopt);
}

TEST(AChainHead, SurvivesEncodingAndRejectsGarbage) {
    const ChainHead head{42, std::string(64, 'c')};
    EXPECT_EQ(decode_head(encode_head(head)), head);
    EXPECT_EQ(decode_head("{\"sequence\":1,\"hmac\":\"xyz\"}"), std::nullopt);
    EXPECT_EQ(decode_head("not json"), std::nullopt);
}

TEST(AChainKey, SurvivesEncodingAndRejectsGarbage) {
    EXPECT_EQ(decode_key(encode_key(kKey)), kKey);
    EXPECT_EQ(decode_key("abcd"), std::nullopt);
    EXPECT_EQ(decode_key(std::string(64, 'g')), std::nullopt);
}

}  // namespace
}  // namespace btfence::audit
