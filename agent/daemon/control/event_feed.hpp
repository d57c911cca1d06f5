#pragma once
// The control API's view of the audit trail. Every event the Auditor emits also reaches the
// EventFeed (through an EventTap, one more audit sink): it counts them for `Status`, and hands
// them to a listener — the Manager1 object, which turns device decisions into `DecisionMade`
// and policy loads into `PolicyLoaded`. So the signals say exactly what the audit log says,
// and nothing decides twice.
#include <array>
#include <cstdint>
#include <functional>
#include <memory>

#include "audit/audit_sink.hpp"
#include "audit/event.hpp"

namespace btfence::control {

class EventFeed {
  public:
    using Listener = std::function<void(const audit::Event&)>;

    void deliver(const audit::Event& event);
    void set_listener(Listener listener) { listener_ = std::move(listener); }

    /// How many events of this action happened since btfenced started, as the audit trail
    /// reports them: an aggregator's summary (audit/aggregator.hpp) counts as the repeats it
    /// stands for, so a device refused sixty times counts sixty, not two. Repeats whose
    /// summary is still held in an open window are not counted yet (see summarized()).
    [[nodiscard]] std::uint64_t count(audit::Action action) const;
    /// Of those, how many had this outcome.
    [[nodiscard]] std::uint64_t count(audit::Action action, audit::Outcome outcome) const;
    /// Repeats that reached the audit trail folded into summaries, all actions together.
    [[nodiscard]] std::uint64_t summarized() const { return summarized_; }

  private:
    static constexpr std::size_t kOutcomes = 3;
    std::array<std::array<std::uint64_t, kOutcomes>, audit::kActions.size()> counts_{};
    std::uint64_t summarized_ = 0;
    Listener listener_;
};

/// The audit sink that feeds an EventFeed for as long as the feed exists (the feed belongs to
/// the daemon, the sink to the Auditor, which outlives it).
class EventTap final : public audit::AuditSink {
  public:
    explicit EventTap(std::weak_ptr<EventFeed> feed) : feed_(std::move(feed)) {}
    void write(const audit::Event& event) override;
    [[nodiscard]] std::string_view name() const override { return "control-feed"; }

  private:
    std::weak_ptr<EventFeed> feed_;
};

}  // namespace btfence::control
