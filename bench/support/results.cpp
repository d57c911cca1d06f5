#include "support/results.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <string>

namespace btfence::bench {
namespace {

double nearest_rank(const std::vector<double>& sorted, double fraction) {
    const auto n = static_cast<double>(sorted.size());
    auto rank = static_cast<std::size_t>(std::ceil(fraction * n));
    rank = std::clamp<std::size_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}

}  // namespace

void put_result(std::string_view key, double value) {
    std::printf("result %.*s %.3f\n", static_cast<int>(key.size()), key.data(), value);
    std::fflush(stdout);
}

void put_result(std::string_view key, std::int64_t value) {
    std::printf("result %.*s %lld\n", static_cast<int>(key.size()), key.data(),
                static_cast<long long>(value));
    std::fflush(stdout);
}

void put_result(std::string_view key, std::string_view value) {
    std::printf("result %.*s %.*s\n", static_cast<int>(key.size()), key.data(),
                static_cast<int>(value.size()), value.data());
    std::fflush(stdout);
}

LatencySummary summarize(std::vector<double> samples_us) {
    LatencySummary summary;
    summary.count = samples_us.size();
    if (samples_us.empty()) {
        return summary;
    }
    std::sort(samples_us.begin(), samples_us.end());
    summary.mean_us = std::accumulate(samples_us.begin(), samples_us.end(), 0.0) /
                      static_cast<double>(samples_us.size());
    summary.p50_us = nearest_rank(samples_us, 0.50);
    summary.p90_us = nearest_rank(samples_us, 0.90);
    summary.p99_us = nearest_rank(samples_us, 0.99);
    summary.max_us = samples_us.back();
    return summary;
}

void put_summary(std::string_view prefix, const LatencySummary& summary) {
    const std::string base(prefix);
    put_result(base + ".count", static_cast<std::int64_t>(summary.count));
    put_result(base + ".mean_us", summary.mean_us);
    put_result(base + ".p50_us", summary.p50_us);
    put_result(base + ".p90_us", summary.p90_us);
    put_result(base + ".p99_us", summary.p99_us);
    put_result(base + ".max_us", summary.max_us);
}

}  // namespace btfence::bench
