#include "support/process_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace btfence::bench {
namespace {

// "VmRSS:\t   1234 kB" -> 1234; the status files have one "Key:\tvalue" per line.
std::optional<std::uint64_t> status_field(const std::string& path, const std::string& key) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.compare(0, key.size(), key) == 0 && line.size() > key.size() &&
            line[key.size()] == ':') {
            std::istringstream value(line.substr(key.size() + 1));
            std::uint64_t number = 0;
            if (value >> number) {
                return number;
            }
        }
    }
    return std::nullopt;
}

// utime + stime from /proc/PID/stat. The command name (field 2) may contain spaces, so the
// fields are counted from the closing parenthesis.
std::optional<double> cpu_seconds_of(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');
    if (close == std::string::npos) {
        return std::nullopt;
    }
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    std::uint64_t utime = 0;
    std::uint64_t stime = 0;
    // After ")": state(3) ppid(4) ... utime is field 14, stime field 15.
    for (int index = 3; index <= 15 && fields >> field; ++index) {
        if (index == 14) {
            utime = std::stoull(field);
        } else if (index == 15) {
            stime = std::stoull(field);
        }
    }
    const auto ticks = sysconf(_SC_CLK_TCK);
    return static_cast<double>(utime + stime) / static_cast<double>(ticks > 0 ? ticks : 100);
}

}  // namespace

std::optional<ProcessSample> sample_process(pid_t pid) {
    const std::string base = "/proc/" + std::to_string(pid);
    const auto rss = status_field(base + "/status", "VmRSS");
    const auto hwm = status_field(base + "/status", "VmHWM");
    const auto cpu = cpu_seconds_of(pid);
    if (!rss || !hwm || !cpu) {
        return std::nullopt;
    }
    ProcessSample sample;
    sample.rss_kib = static_cast<std::int64_t>(*rss);
    sample.hwm_kib = static_cast<std::int64_t>(*hwm);
    sample.anon_kib =
        static_cast<std::int64_t>(status_field(base + "/status", "RssAnon").value_or(0));
    sample.file_kib =
        static_cast<std::int64_t>(status_field(base + "/status", "RssFile").value_or(0));
    sample.cpu_seconds = *cpu;
    std::error_code error;
    for (const auto& task : std::filesystem::directory_iterator(base + "/task", error)) {
        const std::string status = task.path().string() + "/status";
        sample.voluntary_switches += status_field(status, "voluntary_ctxt_switches").value_or(0);
        sample.involuntary_switches +=
            status_field(status, "nonvoluntary_ctxt_switches").value_or(0);
    }
    return sample;
}

double own_cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& tv) {
        return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace btfence::bench
