#pragma once
// Another process's resource use, read from /proc: what the benchmarks report about btfenced
// (memory, CPU time, wake-ups) without touching it.
#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace btfence::bench {

struct ProcessSample {
    std::int64_t rss_kib = 0;   ///< VmRSS
    std::int64_t hwm_kib = 0;   ///< VmHWM: peak RSS so far
    std::int64_t anon_kib = 0;  ///< RssAnon: the process's own memory (heap, stacks)
    std::int64_t file_kib = 0;  ///< RssFile: mapped files, mostly shared libraries
    double cpu_seconds = 0;     ///< utime + stime of the whole process (/proc/PID/stat)
    /// Summed over every thread (/proc/PID/task/*/status). A voluntary switch is the thread
    /// going to sleep, i.e. one wake-up that ran and finished.
    std::uint64_t voluntary_switches = 0;
    std::uint64_t involuntary_switches = 0;
};

/// nullopt when the process is gone or /proc cannot be read.
std::optional<ProcessSample> sample_process(pid_t pid);

/// This process's own CPU time (getrusage), for context next to the agent's.
double own_cpu_seconds();

}  // namespace btfence::bench
