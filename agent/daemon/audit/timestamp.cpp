#include "audit/timestamp.hpp"

#include <chrono>
#include <cstdio>

namespace btfence::audit {

std::string format_timestamp_us(std::int64_t us_since_epoch) {
    using namespace std::chrono;
    const sys_time<microseconds> t{microseconds{us_since_epoch}};
    const auto day = floor<days>(t);  // floor, not truncation: correct before 1970 too
    const year_month_day date{day};
    const hh_mm_ss time{t - day};

    char text[40];
    const int length = std::snprintf(
        text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02lld.%06lldZ", static_cast<int>(date.year()),
        static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
        static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
        static_cast<long long>(time.seconds().count()),
        static_cast<long long>(time.subseconds().count()));
    return {text, static_cast<std::size_t>(length)};
}

}  // namespace btfence::audit
