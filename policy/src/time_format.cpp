#include "btfence/policy/time_format.hpp"

#include <cstdio>

namespace btfence::policy {
namespace {

std::optional<int> read_int(std::string_view text, std::size_t pos, std::size_t len) {
    if (pos + len > text.size()) {
        return std::nullopt;
    }
    // Digits only: from_chars would also take a sign ("T-1:00:00Z").
    int value = 0;
    for (const char c : text.substr(pos, len)) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        value = value * 10 + (c - '0');
    }
    return value;
}

}  // namespace

std::optional<TimePoint> parse_rfc3339(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM); 't'/'z' and ' ' as separator accepted (RFC 3339
    // §5.6).
    if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[13] != ':' ||
        text[16] != ':') {
        return std::nullopt;
    }
    if (text[10] != 'T' && text[10] != 't' && text[10] != ' ') {
        return std::nullopt;
    }
    const auto year = read_int(text, 0, 4);
    const auto month = read_int(text, 5, 2);
    const auto day = read_int(text, 8, 2);
    const auto hour = read_int(text, 11, 2);
    const auto minute = read_int(text, 14, 2);
    const auto second = read_int(text, 17, 2);
    if (!year || !month || !day || !hour || !minute || !second || *hour > 23 || *minute > 59 ||
        *second > 60) {
        return std::nullopt;
    }
    std::size_t pos = 19;
    if (pos < text.size() && text[pos] == '.') {  // fractional seconds: accepted, truncated
        ++pos;
        const std::size_t digits_start = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            ++pos;
        }
        if (pos == digits_start) {
            return std::nullopt;
        }
    }
    std::chrono::minutes offset{0};
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
        ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        const auto oh = read_int(text, pos + 1, 2);
        const auto om = read_int(text, pos + 4, 2);
        if (!oh || !om || pos + 3 >= text.size() || text[pos + 3] != ':' || *oh > 23 || *om > 59) {
            return std::nullopt;
        }
        offset = std::chrono::hours{*oh} + std::chrono::minutes{*om};
        if (text[pos] == '-') {
            offset = -offset;
        }
        pos += 6;
    } else {
        return std::nullopt;  // no offset: a local time is ambiguous across a fleet
    }
    if (pos != text.size()) {
        return std::nullopt;
    }
    const std::chrono::year_month_day date{std::chrono::year{*year},
                                           std::chrono::month{static_cast<unsigned>(*month)},
                                           std::chrono::day{static_cast<unsigned>(*day)}};
    if (!date.ok()) {
        return std::nullopt;
    }
    const auto seconds = std::chrono::hours{*hour} + std::chrono::minutes{*minute} +
                         std::chrono::seconds{*second == 60 ? 59 : *second};
    return TimePoint{std::chrono::sys_days{date}.time_since_epoch() + seconds - offset};
}

std::string format_rfc3339(TimePoint t) {
    const auto days = std::chrono::floor<std::chrono::days>(t);
    const std::chrono::year_month_day date{days};
    const std::chrono::hh_mm_ss time{t - days};
    char buffer[32];
    (void)std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02dZ",
                        static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                        static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                        static_cast<int>(time.minutes().count()),
                        static_cast<int>(time.seconds().count()));
    return buffer;
}

}  // namespace btfence::policy
