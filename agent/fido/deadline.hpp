#pragma once
// One absolute point in time by which the whole probe must have answered. Every wait in the
// probe takes the same Deadline, so the sum of all waits can never exceed --timeout-ms.

#include <algorithm>
#include <chrono>

namespace btfence::fido {

class Deadline {
  public:
    using Clock = std::chrono::steady_clock;

    explicit Deadline(Clock::time_point at) : at_(at) {}

    static Deadline after(std::chrono::milliseconds timeout) {
        return Deadline(Clock::now() + timeout);
    }

    Clock::time_point at() const { return at_; }
    bool expired() const { return Clock::now() >= at_; }

    /// What is left, never negative.
    std::chrono::milliseconds remaining() const {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(at_ - Clock::now());
        return std::max(left, std::chrono::milliseconds{0});
    }

    /// The earlier of this deadline and now + limit.
    Deadline capped(std::chrono::milliseconds limit) const {
        return Deadline(std::min(at_, Clock::now() + limit));
    }

  private:
    Clock::time_point at_;
};

}  // namespace btfence::fido
