#pragma once
// Keeps an attack from flooding the SIEM: identical events repeated within a window are held
// back and counted, and the window ends with one summary event that says how many there were
// and when the first and last happened (Event::repetition). A device that re-pairs every
// second costs one event when it starts and one a minute after, not sixty.
//
// Rules:
//  - The first occurrence always goes out at once: a security-relevant first event is never
//    delayed. Only its repeats inside the window are held.
//  - "Identical" is the whole decision: action, device (adapter, address), outcome, verdict,
//    mode, rule, reason, trigger and policy. Anything different is a first occurrence.
//  - The window (default 60 s, `--aggregate-window`) starts with the first occurrence. At its
//    end, if repeats were held, their summary is emitted and a new window starts for that
//    event; if none were, the event is forgotten (the next one is a first occurrence again).
//    So a timer runs only while something is held or was just summarized.
//  - Held repeats are never lost: a stopping daemon emits every pending summary first
//    (Auditor, on daemon-stopping), and when the table of keys is full, events are passed
//    through unaggregated rather than dropped.
//  - The daemon's own life (start, stop, policy loads, agent registration, bluetoothd coming
//    and going, audit trail errors) is never aggregated: those are rare and each one matters.
//
// Pure logic: the caller supplies the monotonic time (windows must not stretch or shrink with
// a wall-clock step) and the wall time (for the summary's first/last instants).
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "audit/event.hpp"

namespace btfence::audit {

struct AggregationOptions {
    std::chrono::milliseconds window{std::chrono::seconds{60}};
    std::size_t max_keys = 4096;  ///< events tracked at once; beyond, events pass through
};

class Aggregator {
  public:
    explicit Aggregator(AggregationOptions options = {}) : options_(options) {}

    /// True: emit the event now (a first occurrence, or not aggregated). False: a repeat, held
    /// and counted. `monotonic_us`: now on the monotonic clock; `wall_us`: now, wall clock.
    bool admit(const Event& event, std::int64_t monotonic_us, std::int64_t wall_us);

    /// The summaries whose window ended by `monotonic_us` (each a copy of the last repeat with
    /// `repetition` set); forgets events whose window ended with no repeat.
    std::vector<Event> due(std::int64_t monotonic_us);
    /// Every pending summary now, whatever its window (the daemon is stopping).
    std::vector<Event> drain();

    /// When the next window ends (monotonic µs), nullopt when nothing is tracked.
    [[nodiscard]] std::optional<std::int64_t> next_deadline() const;

    /// Repeats held since the start (each is in some summary, emitted or pending).
    [[nodiscard]] std::uint64_t repeats_held() const { return repeats_held_; }
    /// Events tracked now.
    [[nodiscard]] std::size_t tracked() const { return windows_.size(); }

    /// Whether events of this action are ever aggregated (the daemon's own life is not).
    static bool aggregates(Action action);

  private:
    using Key = std::tuple<Action, Outcome, int, int, std::string, std::string, std::string,
                           std::string, std::string, std::string, std::string>;
    struct Window {
        std::int64_t ends_us = 0;  ///< monotonic
        std::uint64_t held = 0;
        std::int64_t first_us = 0;  ///< wall, of the first held repeat
        std::int64_t last_us = 0;
        Event last;  ///< the last held repeat: the summary's content
    };
    static Key key_of(const Event& event);
    static Event summary(const Window& window);

    AggregationOptions options_;
    std::map<Key, Window> windows_;
    std::uint64_t repeats_held_ = 0;
};

}  // namespace btfence::audit
