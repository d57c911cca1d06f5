#pragma once
// Builds btfenced's audit outputs from its command line (options.hpp; docs/admin-guide.md
// "Shipping the audit trail to a SIEM"): the chained ECS file (default
// /var/log/btfence/audit.jsonl), an optional chained OCSF file, journald (default on), Linux
// audit USER_DEVICE records (default auto), each on a writer thread of its own
// (audit/background_sink.hpp). It loads the chain's key and heads from the state directory first,
// so the Auditor can continue the sequence numbers.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audit/auditor.hpp"
#include "audit/chain.hpp"
#include "audit_chain_store.hpp"
#include "loop/event_loop.hpp"
#include "options.hpp"

namespace btfence {

/// The aggregation window's timer (audit/aggregator.hpp) on the loop's monotonic clock.
class LoopRepeatTimer final : public audit::RepeatTimer {
  public:
    LoopRepeatTimer(loop::EventLoop& loop, audit::MonotonicClock& clock)
        : loop_(loop), clock_(clock) {}
    void arm(std::optional<std::int64_t> deadline_us, std::function<void()> fire) override;

  private:
    loop::EventLoop& loop_;
    audit::MonotonicClock& clock_;
    loop::TimerSlot slot_;
};

class AuditOutputs {
  public:
    /// Reads (or creates) the chain key and the heads of the configured files.
    AuditOutputs(const Options& options, loop::EventLoop& loop);

    /// The highest sequence number any output ended with: where the Auditor continues.
    [[nodiscard]] std::uint64_t last_sequence() const { return last_sequence_; }

    /// Adds every configured output to `auditor` (which must outlive nothing here but be
    /// destroyed before `loop`), then emits an audit-log-error for each problem met while
    /// loading the chain (unreadable key or head): the trail says why its lines are unchained.
    void attach(audit::Auditor& auditor);

  private:
    struct ChainedFile {
        std::string output;  ///< "ecs", "ocsf"
        std::string path;
        audit::ChainedSerializer serialize;
        audit::ChainHead head;
    };

    void add_file(audit::Auditor& auditor, const ChainedFile& file);

    const Options& options_;
    loop::EventLoop& loop_;
    AuditChainStore store_;
    std::optional<audit::ChainKey> key_;
    std::vector<ChainedFile> files_;
    std::vector<std::string> problems_;
    std::uint64_t last_sequence_ = 0;
};

}  // namespace btfence
