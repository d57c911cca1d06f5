// In-process micro-benchmark of the pure policy library (Google Benchmark): the cost of
// decide() against a 50-rule policy, as a ratio to classify() alone (which decide() calls
// first). The device is an allowed FIDO key that only the 50th rule matches, so all 49 rules
// before it are evaluated — the worst case for an allowed device — plus a keyboard that
// matches none (all 50 evaluated, then the default).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "btfence/policy/classification.hpp"
#include "btfence/policy/decision.hpp"
#include "btfence/policy/parser.hpp"
#include "btfence/policy/uuid.hpp"

namespace {

using namespace btfence::policy;

std::string hex2(int value) {
    char text[3];
    std::snprintf(text, sizeof text, "%02X", value & 0xFF);
    return text;
}

// 49 rules that a FIDO key with another address/name does not match, mixing every matcher
// kind, then the usual "fido-keys" rule.
std::string fifty_rule_policy() {
    std::string text =
        "[policy]\nversion = 1\nmode = \"enforce\"\ndefault = \"deny\"\nadapters = []\n"
        "[fido]\nverify = true\n";
    for (int k = 0; k < 49; ++k) {
        text += "\n[[rule]]\nid = \"rule-" + std::to_string(k) + "\"\nverdict = \"allow\"\n";
        switch (k % 4) {
            case 0:
                text += "class = [\"fido-ble\"]\naddress = [";
                for (int j = 0; j < 5; ++j) {
                    text += std::string(j ? ", " : "") + "\"D0:00:00:00:" + hex2(k) + ":" +
                            hex2(j) + "\"";
                }
                text += "]\n";
                break;
            case 1:
                text += "class = [\"fido-ble\"]\nname = \"Vendor " + std::to_string(k) + " *\"\n";
                break;
            case 2:
                text += "oui = [\"00:1B:" + hex2(k) + "\", \"00:1C:" + hex2(k) + "\"]\n";
                break;
            default:
                text += "class = [\"fido-ble\"]\nverified = true\naaguid = [\"" + hex2(k) +
                        "000000-0000-0000-0000-000000000000\"]\n"
                        "expires = 2099-01-01T00:00:00Z\n";
                break;
        }
    }
    text += "\n[[rule]]\nid = \"fido-keys\"\nverdict = \"allow\"\nclass = [\"fido-ble\"]\n";
    return text;
}

Policy parse_or_die(const std::string& text) {
    ParseResult result = parse_policy(text, "bench-policy.toml");
    if (!result.ok()) {
        for (const auto& error : result.errors) {
            std::fprintf(stderr, "%s\n", error.to_string().c_str());
        }
        std::abort();
    }
    return *result.policy;
}

DeviceFacts fido_key() {
    DeviceFacts device;
    device.adapter = "hci0";
    device.adapter_address = "00:AA:01:00:00:01";
    device.address = "C0:00:00:00:00:01";
    device.address_type = "random";
    device.name = "Bench FIDO key";
    device.uuids = {uuid_from_short(uuids::kFido)};
    return device;
}

DeviceFacts keyboard() {
    DeviceFacts device = fido_key();
    device.name = "Bench keyboard";
    device.uuids = {uuid_from_short(0x1812), uuid_from_short(uuids::kBattery)};
    return device;
}

TimePoint now() {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

void BM_Classify(benchmark::State& state) {
    const DeviceFacts device = fido_key();
    for (auto _ : state) {
        benchmark::DoNotOptimize(classify(device));
    }
}
BENCHMARK(BM_Classify);

void BM_DecideOneRule(benchmark::State& state) {
    const Policy policy = parse_or_die(
        "[policy]\nversion = 1\ndefault = \"deny\"\n"
        "[[rule]]\nid = \"fido-keys\"\nverdict = \"allow\"\nclass = [\"fido-ble\"]\n");
    const DeviceFacts device = fido_key();
    const TimePoint at = now();
    for (auto _ : state) {
        benchmark::DoNotOptimize(decide(policy, device, at));
    }
}
BENCHMARK(BM_DecideOneRule);

void BM_DecideFiftyRulesFidoKeyMatchesLast(benchmark::State& state) {
    const Policy policy = parse_or_die(fifty_rule_policy());
    const DeviceFacts device = fido_key();
    const TimePoint at = now();
    if (decide(policy, device, at).rule_id != "fido-keys") {
        state.SkipWithError("the FIDO key did not reach the last rule");
    }
    for (auto _ : state) {
        benchmark::DoNotOptimize(decide(policy, device, at));
    }
}
BENCHMARK(BM_DecideFiftyRulesFidoKeyMatchesLast);

void BM_DecideFiftyRulesKeyboardMatchesNone(benchmark::State& state) {
    const Policy policy = parse_or_die(fifty_rule_policy());
    const DeviceFacts device = keyboard();
    const TimePoint at = now();
    if (decide(policy, device, at).rule_id != "default") {
        state.SkipWithError("the keyboard matched a rule");
    }
    for (auto _ : state) {
        benchmark::DoNotOptimize(decide(policy, device, at));
    }
}
BENCHMARK(BM_DecideFiftyRulesKeyboardMatchesNone);

}  // namespace

BENCHMARK_MAIN();
