#include "audit/file_sink.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "test_support.hpp"

namespace btfence::audit {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::denied_keyboard_event;
using testing::read_lines;
using testing::TempDir;

Event numbered_event(std::uint64_t sequence) {
    Event event = denied_keyboard_event();
    event.sequence = sequence;
    return event;
}

std::uint64_t sequence_of(const std::string& line) {
    return json::parse(line).at("event").at("sequence").get<std::uint64_t>();
}

/// No fdatasync: for tests that are about placement, not durability.
FileSinkOptions unsynced() {
    FileSinkOptions options;
    options.sync = SyncPolicy::Never;
    return options;
}

mode_t permissions_of(const fs::path& path) {
    struct stat status {};
    EXPECT_EQ(::stat(path.c_str(), &status), 0) << path;
    return status.st_mode & 07777;
}

/// Records what the sink reports.
struct Reports {
    std::vector<FileSinkError> errors;
    std::vector<std::uint64_t> recoveries;

    FileSink::ErrorCallback on_error() {
        return [this](const FileSinkError& error) { errors.push_back(error); };
    }
    FileSinkOptions options(SyncPolicy sync = SyncPolicy::EveryEvent) {
        FileSinkOptions options;
        options.sync = sync;
        options.on_recovered = [this](std::uint64_t lost) { recoveries.push_back(lost); };
        return options;
    }
};

TEST(AFileSink, CreatesTheFile0640AndMissingDirectories0750) {
    const testing::ScopedUmask umask(022);
    const TempDir dir;
    const fs::path log = dir.path() / "var" / "log" / "btfence" / "audit.jsonl";
    Reports reports;
    FileSink sink(log, reports.on_error(), reports.options());

    sink.write(numbered_event(1));

    EXPECT_TRUE(reports.errors.empty());
    EXPECT_EQ(permissions_of(log), 0640);
    EXPECT_EQ(permissions_of(dir.path() / "var"), 0750);
    EXPECT_EQ(permissions_of(dir.path() / "var" / "log" / "btfence"), 0750);
}

TEST(AFileSink, WritesEachEventAsOneJsonLine) {
    const TempDir dir;
    const fs::path log = dir.path() / "audit.jsonl";
    FileSink sink(log, nullptr);
    for (std::uint64_t sequence = 1; sequence <= 3; ++sequence) {
        sink.write(numbered_event(sequence));
    }
    const auto lines = read_lines(log);
    ASSERT_EQ(lines.size(), 3U);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        EXPECT_EQ(sequence_of(lines[i]), i + 1);
    }
    EXPECT_EQ(testing::read_file(log).back(), '\n');
}

TEST(AFileSink, AppendsToWhatTheFileAlreadyHolds) {
    const TempDir dir;
    const fs::path log = dir.path() / "audit.jsonl";
    std::ofstream(log) << "{\"earlier\":true}\n";
    FileSink sink(log, nullptr, unsynced());
    sink.write(numbered_event(1));
    const auto lines = read_lines(log);
    ASSERT_EQ(lines.size(), 2U);
    EXPECT_EQ(lines[0], "{\"earlier\":true}");
    EXPECT_EQ(sequence_of(lines[1]), 1U);
}

TEST(TwoFileSinksOnOneFile, InterleaveWholeLinesWithoutOverwriting) {
    // Like an old and a new daemon during a restart. Without O_APPEND the second descriptor
    // would write at its own offset, over the first one's lines.
    const TempDir dir;
    const fs::path log = dir.path() / "audit.jsonl";
    FileSink first(log, nullptr, unsynced());
    FileSink second(log, nullptr, unsynced());
    for (std::uint64_t sequence = 1; sequence <= 100; sequence += 2) {
        first.write(numbered_event(sequence));
        second.write(numbered_event(sequence + 1));
    }
    const auto lines = read_lines(log);
    ASSERT_EQ(lines.size(), 100U);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        EXPECT_EQ(sequence_of(lines[i]), i + 1);
    }
}

TEST(AFileSinkThatCannotCreateItsFile, ReportsEveryLostEventAndThrowsSoTheLossIsCounted) {
    // A path below a character device: fails the same way for root as for anyone.
    Reports reports;
    FileSink sink("/dev/null/btfence/audit.jsonl", reports.on_error(), reports.options());

    EXPECT_THROW(sink.write(numbered_event(1)), std::runtime_error);
    EXPECT_THROW(sink.write(numbered_event(2)), std::runtime_error);

    ASSERT_EQ(reports.errors.size(), 2U);
    EXPECT_EQ(reports.errors[0].operation, "open");
    EXPECT_EQ(reports.errors[0].path, "/dev/null/btfence/audit.jsonl");
    EXPECT_EQ(reports.errors[0].error, std::errc::not_a_directory);
    EXPECT_EQ(reports.errors[0].events_lost, 1U);
    EXPECT_EQ(reports.errors[1].events_lost, 2U);
    EXPECT_EQ(reports.errors[0].describe(),
              "cannot open /dev/null/btfence/audit.jsonl: Not a directory");
    EXPECT_TRUE(reports.recoveries.empty());
}

TEST(AFileSinkThatCannotCreateItsFile, RecoversOnTheNextEventOnceTheProblemIsFixed) {
    const TempDir dir;
    const fs::path blocker = dir.path() / "btfence";  // a file where the directory should be
    std::ofstream(blocker) << "not a directory";
    const fs::path log = blocker / "audit.jsonl";
    Reports reports;
    FileSink sink(log, reports.on_error(), reports.options());

    EXPECT_ANY_THROW(sink.write(numbered_event(1)));
    EXPECT_ANY_THROW(sink.write(numbered_event(2)));
    ASSERT_EQ(reports.errors.size(), 2U);
    EXPECT_TRUE(reports.recoveries.empty());

    fs::remove(blocker);
    sink.write(numbered_event(3));

    EXPECT_EQ(reports.errors.size(), 2U) << "no new error once the directory can be made";
    EXPECT_EQ(reports.recoveries, std::vector<std::uint64_t>{2});
    const auto lines = read_lines(log);
    ASSERT_EQ(lines.size(), 1U);
    EXPECT_EQ(sequence_of(lines[0]), 3U);

    sink.write(numbered_event(4));
    EXPECT_EQ(reports.recoveries.size(), 1U) << "recovery is reported once";
    EXPECT_EQ(read_lines(log).size(), 2U);
}

TEST(AFileSink, StartsANewFileWhenTheOldOneIsRotatedAway) {
    const TempDir dir;
    const fs::path log = dir.path() / "audit.jsonl";
    const fs::path rotated = dir.path() / "audit.jsonl.1";
    Reports reports;
    FileSink sink(log, reports.on_error(), reports.options(SyncPolicy::Never));

    sink.write(numbered_event(1));
    fs::rename(log, rotated);
    sink.write(numbered_event(2));

    ASSERT_EQ(read_lines(rotated).size(), 1U);
    EXPECT_EQ(sequence_of(read_lines(rotated)[0]), 1U);
    ASSERT_EQ(read_lines(log).size(), 1U);
    EXPECT_EQ(sequence_of(read_lines(log)[0]), 2U);
    EXPECT_TRUE(reports.errors.empty());
}

TEST(AFileSink, RecreatesTheFileWhenItIsDeleted) {
    const TempDir dir;
    const fs::path log = dir.path() / "audit.jsonl";
    FileSink sink(log, nullptr, unsynced());

    sink.write(numbered_event(1));
    fs::remove(log);
    sink.write(numbered_event(2));

    const auto lines = read_lines(log);
    ASSERT_EQ(lines.size(), 1U);
    EXPECT_EQ(sequence_of(lines[0]), 2U);
}

TEST(AFileSink, LeavesAuditLogErrorEventsToTheJournal) {
    const TempDir dir;
    const fs::path log = dir.path() / "audit.jsonl";
    FileSink sink(log, nullptr);
    Event error = numbered_event(1);
    error.action = Action::AuditLogError;
    sink.write(error);
    sink.write(numbered_event(2));
    const auto lines = read_lines(log);
    ASSERT_EQ(lines.size(), 1U);
    EXPECT_EQ(sequence_of(lines[0]), 2U);
}

/// Lowers the file size limit for the test (and ignores SIGXFSZ, which would kill the
/// process), restoring both afterwards.
class ScopedFileSizeLimit {
  public:
    explicit ScopedFileSizeLimit(rlim_t bytes) {
        EXPECT_EQ(::getrlimit(RLIMIT_FSIZE, &previous_), 0);
        previous_handler_ = std::signal(SIGXFSZ, SIG_IGN);
        EXPECT_NE(previous_handler_, SIG_ERR);
        rlimit lowered = previous_;
        lowered.rlim_cur = bytes;
        EXPECT_EQ(::setrlimit(RLIMIT_FSIZE, &lowered), 0);
    }
    ~ScopedFileSizeLimit() { lift(); }
    ScopedFileSizeLimit(const ScopedFileSizeLimit&) = delete;
    ScopedFileSizeLimit& operator=(const ScopedFileSizeLimit&) = delete;
    void lift() {
        if (!lifted_) {
            EXPECT_EQ(::setrlimit(RLIMIT_FSIZE, &previous_), 0);
            EXPECT_NE(std::signal(SIGXFSZ, previous_handler_), SIG_ERR);
            lifted_ = true;
        }
    }

  private:
    rlimit previous_{};
    void (*previous_handler_)(int) = nullptr;
    bool lifted_ = false;
};

TEST(AFileSinkAfterAShortWrite, ReportsItAndStartsTheNextLineOnANewLine) {
    // A full disk writes part of a line. The fragment stays, but must not swallow the next
    // line: that one starts with a newline and parses on its own.
    const TempDir dir;
    const fs::path log = dir.path() / "audit.jsonl";
    Reports reports;
    FileSink sink(log, reports.on_error(), reports.options());
    sink.write(numbered_event(1));
    const auto first_line_bytes = static_cast<rlim_t>(fs::file_size(log));

    ScopedFileSizeLimit limit(first_line_bytes + 20);
    EXPECT_ANY_THROW(sink.write(numbered_event(2)));
    ASSERT_EQ(reports.errors.size(), 1U);
    EXPECT_EQ(reports.errors[0].operation, "write");
    EXPECT_EQ(reports.errors[0].events_lost, 1U);
    EXPECT_EQ(fs::file_size(log), first_line_bytes + 20);

    limit.lift();
    sink.write(numbered_event(3));

    const auto lines = read_lines(log);
    ASSERT_EQ(lines.size(), 3U);
    EXPECT_EQ(sequence_of(lines[0]), 1U);
    EXPECT_EQ(lines[1].size(), 20U) << "the fragment of event 2";
    EXPECT_EQ(sequence_of(lines[2]), 3U);
    EXPECT_EQ(reports.recoveries, std::vector<std::uint64_t>{1});
}

}  // namespace
}  // namespace btfence::audit
