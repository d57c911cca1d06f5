#include "audit/journal_sink.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <system_error>
#include <vector>

#include "audit/journal_fields.hpp"
#include "test_support.hpp"

namespace btfence::audit {
namespace {

TEST(AJournalSink, SendsTheEventsFieldsAsOneEntry) {
    std::vector<std::vector<std::string>> sent;
    JournalSink sink([&sent](std::span<const iovec> entry) {
        std::vector<std::string> fields;
        for (const iovec& field : entry) {
            fields.emplace_back(static_cast<const char*>(field.iov_base), field.iov_len);
        }
        sent.push_back(std::move(fields));
        return 0;
    });
    const Event event = testing::denied_keyboard_event();
    sink.write(event);
    ASSERT_EQ(sent.size(), 1U);
    EXPECT_EQ(sent.front(), to_journal_fields(event));
}

TEST(AJournalSink, ThrowsWhenJournaldRefusesTheEntry) {
    JournalSink sink([](std::span<const iovec>) { return -ENOBUFS; });
    try {
        sink.write(testing::denied_keyboard_event());
        FAIL() << "expected std::system_error";
    } catch (const std::system_error& error) {
        EXPECT_EQ(error.code(), std::errc::no_buffer_space);
    }
}

}  // namespace
}  // namespace btfence::audit
