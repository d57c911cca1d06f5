// libFuzzer target: untrusted device data -> UUID normalisation -> classification -> decision.
// A remote device controls its UUIDs and service data (what BlueZ hands the daemon), so the
// input is a small text format that describes one device, one fact per line:
//
//   u <uuid text>            a Device1.UUIDs entry (kept raw when it is not a UUID)
//   s <uuid text> <hex>      a ServiceData entry
//   a <address>   t <type>   n <name>   l <alias>   d <adapter>   D <adapter address>
//   v <0|1> <aaguid>         a CTAP probe result
//   @ <seconds>              the instant of the decision (since 1970)
//
// Besides sanitizer reports it checks the promises the daemon builds on: normalisation is
// idempotent, a class is only given for the reason docs/policy.md ("Device classes") states,
// and a decision does not change before its next_change (the daemon sets one timer on it
// instead of polling).
#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "btfence/policy/address.hpp"
#include "btfence/policy/decision.hpp"
#include "btfence/policy/parser.hpp"
#include "btfence/policy/uuid.hpp"

namespace {

using namespace btfence::policy;

void require(bool condition) {
    if (!condition) {
        std::abort();
    }
}

// Exercises every matcher, time windows that start and end, and an adapter scope.
constexpr std::string_view kPolicy = R"(
[policy]
version = 1
default = "allow"
adapters = ["hci0", "hci1", "00:1A:7D:DA:71:13"]

[[rule]]
id = "deny-liar"
verdict = "deny"
address = ["DE:AD:BE:EF:00:01"]

[[rule]]
id = "yubikey-5"
verdict = "allow"
aaguid = ["cb69481e-8ff7-4039-93ec-0a2729a154a8"]

[[rule]]
id = "verified-keys"
verdict = "allow"
class = ["fido-ble"]
verified = true

[[rule]]
id = "fido-keys"
verdict = "allow"
class = ["fido-ble"]
not_before = 2020-01-01T00:00:00Z

[[rule]]
id = "vendor-window"
verdict = "allow"
oui = ["C8:3F:26"]
name = "Key*"
not_before = 2026-12-01T08:00:00+01:00
expires = 2026-12-08T18:00:00+01:00

[[rule]]
id = "no-hybrid-on-dock"
verdict = "deny"
class = ["hybrid"]
adapter = ["hci1"]
expires = 2030-01-01T00:00:00Z

[[rule]]
id = "other"
verdict = "deny"
class = ["other"]
expires = 2027-06-01T00:00:00Z
)";

const Policy& fixed_policy() {
    static const Policy policy = [] {
        auto result = parse_policy(kPolicy, "fuzz-policy.toml");
        require(result.ok());
        return *result.policy;
    }();
    return policy;
}

std::vector<std::uint8_t> hex_bytes(std::string_view hex) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        std::uint8_t byte = 0;
        const auto [ptr, ec] = std::from_chars(hex.data() + i, hex.data() + i + 2, byte, 16);
        if (ec != std::errc{} || ptr != hex.data() + i + 2) {
            break;
        }
        out.push_back(byte);
    }
    return out;
}

std::string uuid_or_raw(std::string_view text) {
    if (auto uuid = normalize_uuid(text)) {
        require(normalize_uuid(*uuid) == uuid);  // idempotent
        require(uuid->size() == 36);
        if (auto short_id = short_from_uuid(*uuid)) {
            require(uuid_from_short(*short_id) == *uuid);
        }
        require(!describe_uuid(*uuid).empty());
        return *uuid;
    }
    return std::string(text);  // classify must cope with whatever it is handed
}

std::string address_or_raw(std::string_view text) {
    if (auto address = normalize_address(text)) {
        require(normalize_address(*address) == address);
        return *address;
    }
    return std::string(text);
}

struct Input {
    DeviceFacts device;
    TimePoint now{std::chrono::seconds{1796000000}};  // late 2026
};

Input parse_input(std::string_view text) {
    Input input;
    input.device.adapter = "hci0";
    while (!text.empty()) {
        const auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        if (line.size() < 2 || line[1] != ' ') {
            continue;
        }
        const char kind = line[0];
        line.remove_prefix(2);
        switch (kind) {
            case 'u':
                input.device.uuids.push_back(uuid_or_raw(line));
                break;
            case 's': {
                const auto space = line.find(' ');
                const auto key = uuid_or_raw(line.substr(0, space));
                input.device.service_data[key] = hex_bytes(
                    space == std::string_view::npos ? std::string_view{} : line.substr(space + 1));
                break;
            }
            case 'a':
                input.device.address = address_or_raw(line);
                break;
            case 't':
                input.device.address_type = std::string(line);
                break;
            case 'n':
                input.device.name = std::string(line);
                break;
            case 'l':
                input.device.alias = std::string(line);
                break;
            case 'd':
                input.device.adapter = std::string(line);
                break;
            case 'D':
                input.device.adapter_address = address_or_raw(line);
                break;
            case 'v': {
                Verification verification;
                // The first character picks the probe's state, so the fuzzer reaches all four.
                if (!line.empty()) {
                    static constexpr std::array states{
                        VerificationState::Pending, VerificationState::Passed,
                        VerificationState::Failed, VerificationState::Inconclusive};
                    verification.state =
                        states[static_cast<unsigned char>(line.front()) % states.size()];
                }
                if (line.size() > 2) {
                    verification.aaguid =
                        normalize_aaguid(line.substr(2)).value_or(std::string(line.substr(2)));
                }
                input.device.verification = verification;
                break;
            }
            case '@': {
                std::int64_t seconds = 0;
                std::from_chars(line.data(), line.data() + line.size(), seconds);
                // Keep to years 1970-2999: far beyond any policy, far from chrono overflow.
                seconds %= 32503680000;
                input.now = TimePoint{std::chrono::seconds{seconds < 0 ? -seconds : seconds}};
                break;
            }
            default:
                break;
        }
    }
    return input;
}

bool has_short(const DeviceFacts& device, std::uint16_t id) {
    const auto uuid = uuid_from_short(id);
    return std::find(device.uuids.begin(), device.uuids.end(), uuid) != device.uuids.end();
}

std::size_t hybrid_bytes(const DeviceFacts& device) {
    std::size_t most = 0;
    for (const auto id : {uuids::kHybrid, uuids::kHybridLegacy}) {
        if (const auto it = device.service_data.find(uuid_from_short(id));
            it != device.service_data.end()) {
            most = std::max(most, it->second.size());
        }
    }
    return most;
}

void check_classification(const DeviceFacts& device, const Classification& result) {
    require(!result.reason.empty());
    switch (result.device_class) {
        case DeviceClass::FidoBle:
            require(has_short(device, uuids::kFido));
            for (const auto& uuid : device.uuids) {
                constexpr std::array<std::uint16_t, 5> kAllowed = {
                    uuids::kFido, uuids::kGap, uuids::kGatt, uuids::kDeviceInformation,
                    uuids::kBattery};
                const auto id = short_from_uuid(uuid);
                require(id.has_value() &&
                        std::find(kAllowed.begin(), kAllowed.end(), *id) != kAllowed.end());
            }
            break;
        case DeviceClass::Hybrid:
            require(hybrid_bytes(device) >= kHybridServiceDataMinBytes);
            break;
        case DeviceClass::Other:
            require(hybrid_bytes(device) < kHybridServiceDataMinBytes);
            break;
    }
}

void check_decision(const Policy& policy, const Input& input) {
    const auto decision = decide(policy, input.device, input.now);
    check_classification(input.device, decision.classification);
    require(!decision.rule_id.empty() && !decision.reason.empty());
    if (!decision.managed) {
        require(decision.rule_id == kUnmanagedRuleId && decision.allowed());
        require(!decision.enforce_denial());
    }
    // Nothing changes before next_change; without one, nothing ever changes.
    const TimePoint later = decision.next_change ? *decision.next_change - std::chrono::seconds{1}
                                                 : input.now + std::chrono::hours{24 * 365 * 50};
    if (decision.next_change) {
        require(*decision.next_change > input.now);
    }
    const auto same_until = decide(policy, input.device, later);
    require(same_until.verdict == decision.verdict && same_until.rule_id == decision.rule_id);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const Input input = parse_input(std::string_view(reinterpret_cast<const char*>(data), size));
    check_classification(input.device, classify(input.device));
    check_decision(fixed_policy(), input);
    return 0;
}
