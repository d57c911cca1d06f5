// libFuzzer target: parse_policy on arbitrary bytes. Besides "no crash, no sanitizer report",
// it checks what callers rely on: a result is either a policy or a non-empty, positioned,
// file-ordered error list, and an accepted policy satisfies the validator's promises.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string_view>

#include "btfence/policy/decision.hpp"
#include "btfence/policy/parser.hpp"

namespace {

using namespace btfence::policy;

void require(bool condition) {
    if (!condition) {
        std::abort();  // libFuzzer records the input that broke an invariant
    }
}

void check_errors(const ParseResult& result) {
    require(!result.errors.empty());
    const PolicyError* previous = nullptr;
    for (const auto& error : result.errors) {
        require(error.line >= 1 && error.column >= 1);
        require(!error.message.empty());
        require(error.source == "fuzz.toml");
        require(error.to_string().starts_with("fuzz.toml:"));
        if (previous != nullptr) {
            require(previous->line < error.line ||
                    (previous->line == error.line && previous->column <= error.column));
        }
        previous = &error;
    }
}

void check_policy(const Policy& policy, std::string_view text) {
    require(policy.version == 1);
    require(policy.sha256.size() == 64);
    require(policy.source == "fuzz.toml");
    require(policy.fido.probe_timeout.count() >= 100 && policy.fido.probe_timeout.count() <= 60000);
    std::set<std::string> ids;
    for (const auto& rule : policy.rules) {
        require(!rule.id.empty() && rule.id != "default" && rule.id != "unmanaged-adapter");
        require(ids.insert(rule.id).second);
        require(rule.line >= 1);
        if (rule.not_before && rule.expires) {
            require(*rule.expires > *rule.not_before);
        }
        for (const auto& address : rule.addresses) {
            require(address.size() == 17);
        }
    }
    // Whatever the policy says, deciding a device must work and name a rule.
    DeviceFacts device;
    device.adapter = "hci0";
    device.address = "C0:FF:EE:00:00:01";
    device.uuids = {"0000fffd-0000-1000-8000-00805f9b34fb"};
    const auto decision = decide(policy, device, TimePoint{std::chrono::seconds{1796000000}});
    require(!decision.rule_id.empty());
    (void)policy.service_allowlist();
    (void)policy.next_boundary_after(TimePoint{});
    (void)text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto result = parse_policy(text, "fuzz.toml");
    require(result.ok() == result.policy.has_value());
    if (result.ok()) {
        require(result.errors.empty());
        check_policy(*result.policy, text);
    } else {
        check_errors(result);
    }
    return 0;
}
