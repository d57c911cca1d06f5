#pragma once
// What the bench tools print on stdout: one "result KEY VALUE" line per measurement, read by
// bench/run-benchmarks.sh. Progress and errors go to stderr.
#include <cstdint>
#include <string_view>
#include <vector>

namespace btfence::bench {

void put_result(std::string_view key, double value);
void put_result(std::string_view key, std::int64_t value);
void put_result(std::string_view key, std::string_view value);

/// Order statistics of a set of latency samples, in microseconds.
struct LatencySummary {
    std::size_t count = 0;
    double mean_us = 0;
    double p50_us = 0;
    double p90_us = 0;
    double p99_us = 0;
    double max_us = 0;
};

/// Nearest-rank percentiles (p99 of 1000 samples is the 990th smallest).
LatencySummary summarize(std::vector<double> samples_us);

/// Prints PREFIX.count, PREFIX.mean_us, PREFIX.p50_us, ... as result lines.
void put_summary(std::string_view prefix, const LatencySummary& summary);

}  // namespace btfence::bench
