#pragma once
// Decision time: what "now" is for rule windows (`not_before`, `expires`). An interface so
// the logic that depends on it is tested with a fixed time.
#include <chrono>

#include "btfence/policy/policy.hpp"

namespace btfence {

class DecisionClock {
  public:
    virtual ~DecisionClock() = default;
    [[nodiscard]] virtual policy::TimePoint now() const = 0;
};

class SystemDecisionClock final : public DecisionClock {
  public:
    [[nodiscard]] policy::TimePoint now() const override {
        return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    }
};

}  // namespace btfence
