// The catalog is an interface SIEM rules depend on: names and MESSAGE_IDs must be unique and
// well-formed, and every Action must have exactly one entry.
#include "audit/event_catalog.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

namespace btfence::audit {
namespace {

bool is_lowercase_hex(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool is_kebab_case(std::string_view text) {
    return !text.empty() && text.front() != '-' && text.back() != '-' &&
           std::all_of(text.begin(), text.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || c == '-'; });
}

TEST(TheEventCatalog, GivesEveryActionAUniqueKebabCaseName) {
    std::set<std::string_view> names;
    for (const ActionInfo& entry : kActions) {
        EXPECT_TRUE(is_kebab_case(entry.name)) << entry.name;
        EXPECT_TRUE(names.insert(entry.name).second) << "duplicate name " << entry.name;
    }
}

TEST(TheEventCatalog, GivesEveryActionAUnique128BitHexMessageId) {
    std::set<std::string_view> ids;
    for (const ActionInfo& entry : kActions) {
        EXPECT_EQ(entry.message_id.size(), 32U) << entry.name;
        EXPECT_TRUE(is_lowercase_hex(entry.message_id)) << entry.name << " " << entry.message_id;
        EXPECT_TRUE(ids.insert(entry.message_id).second) << "duplicate id " << entry.message_id;
    }
}

TEST(TheEventCatalog, HasExactlyOneEntryPerAction) {
    // Actions are consecutive from DaemonStarted; the catalog lists each once.
    for (std::size_t value = 0; value < kActions.size(); ++value) {
        const auto action = static_cast<Action>(value);
        EXPECT_EQ(std::count_if(kActions.begin(), kActions.end(),
                                [action](const ActionInfo& e) { return e.action == action; }),
                  1)
            << "action " << value;
        EXPECT_EQ(info(action).action, action) << "action " << value;
    }
}

}  // namespace
}  // namespace btfence::audit
