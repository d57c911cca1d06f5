#pragma once
// Helpers shared by the audit unit tests.
#include <sys/stat.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "audit/audit_sink.hpp"
#include "audit/clock.hpp"
#include "audit/event.hpp"

namespace btfence::audit::testing {

/// A clock that returns what the test set, advancing by a fixed step on every read.
class FakeClock final : public WallClock {
  public:
    explicit FakeClock(std::int64_t start_us, std::int64_t step_us = 0)
        : now_(start_us), step_(step_us) {}
    std::int64_t now_us() override {
        const std::int64_t now = now_;
        now_ += step_;
        return now;
    }

  private:
    std::int64_t now_;
    std::int64_t step_;
};

/// Keeps every event it is given.
class MemorySink final : public AuditSink {
  public:
    void write(const Event& event) override { events.push_back(event); }
    std::vector<Event> events;
};

/// A private directory, removed with everything in it at the end of the test.
class TempDir {
  public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "btfence-audit-XXXXXX");
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
};

/// Sets the umask for the test's duration, so mode assertions do not depend on the caller's.
class ScopedUmask {
  public:
    explicit ScopedUmask(mode_t mask) : previous_(::umask(mask)) {}
    ~ScopedUmask() { ::umask(previous_); }
    ScopedUmask(const ScopedUmask&) = delete;
    ScopedUmask& operator=(const ScopedUmask&) = delete;

  private:
    mode_t previous_;
};

inline std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The file's lines, without their newlines; a missing last newline keeps the fragment.
inline std::vector<std::string> read_lines(const std::filesystem::path& path) {
    const std::string text = read_file(path);
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        if (end == std::string::npos) {
            lines.push_back(text.substr(start));
            break;
        }
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

/// A pairing denial with every field set, as the agent would emit it.
inline Event denied_keyboard_event() {
    Event event;
    event.action = Action::PairingDenied;
    event.outcome = Outcome::Success;
    event.message = "Refused pairing of keyboard AA:BB:CC:DD:EE:01 (class other)";
    event.rule_id = "default";
    event.rule_reason = "ticket INC-1234";
    event.device = DeviceInfo{
        .adapter = "hci0",
        .address = "AA:BB:CC:DD:EE:01",
        .name = "Logi K380",
        .device_class = "other",
        .class_reason = "serves HID 0x1812",
        .object_path = "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01",
        .aaguid = "",
    };
    event.verdict = policy::Verdict::Deny;
    event.mode = policy::Mode::Enforce;
    event.reason = "no rule matched; default deny";
    event.policy_sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    event.policy_path = "/etc/btfence/policy.toml";
    event.trigger = "RequestConfirmation";
    event.sequence = 7;
    event.timestamp_us = 1'795'849'262'123'456;  // 2026-11-28T07:01:02.123456Z
    event.host_name = "laptop-042";
    return event;
}

/// An event with every field of the table (event.hpp) set: a verified device's repeat summary
/// that also reports a loss. No real event is all of these; it exercises every serializer path.
inline Event every_field_event() {
    Event event = denied_keyboard_event();
    event.device->aaguid = "90a3ccdf-635c-4729-a248-9b709135078f";
    event.repetition = Repetition{.count = 41,
                                  .first_us = 1'795'849'202'000'000,  // 07:00:02Z
                                  .last_us = 1'795'849'262'000'000};  // 07:01:02Z
    event.loss = Loss{.output = "journal", .count = 3};
    return event;
}

}  // namespace btfence::audit::testing
