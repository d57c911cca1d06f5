#pragma once
// Runs `btfence-probe` for one device in a child process and reports its verdict. The CTAP
// conversation (libfido2 is blocking) happens with an untrusted device, so it lives in its
// own process: the daemon's loop stays free and a crash there is only a failed probe.
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "btfence/policy/device_facts.hpp"
#include "loop/event_loop.hpp"
#include "verify/probe_output.hpp"

namespace btfence::verify {

class ProbeRunner {
  public:
    using Done = std::function<void(const std::string& device_path, policy::Verification result)>;

    ProbeRunner(loop::EventLoop& loop, std::string probe_path, Done done);
    ~ProbeRunner();
    ProbeRunner(const ProbeRunner&) = delete;
    ProbeRunner& operator=(const ProbeRunner&) = delete;

    /// Starts a probe unless one is running for this device. The result arrives through Done.
    void start(const std::string& device_path, std::chrono::milliseconds timeout);
    /// Kills the probe for this device (it went away); no result is reported.
    void cancel(const std::string& device_path);
    [[nodiscard]] bool running(const std::string& device_path) const;

  private:
    struct Probe;
    void finish(const std::string& device_path, policy::Verification result);
    void report_later(const std::string& device_path, policy::Verification result);

    loop::EventLoop& loop_;
    std::string probe_path_;
    Done done_;
    std::map<std::string, std::unique_ptr<Probe>> probes_;
};

}  // namespace btfence::verify
