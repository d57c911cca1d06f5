#include "btfence/policy/exemption.hpp"

#include <array>
#include <limits>

#include "btfence/policy/address.hpp"

namespace btfence::policy {

std::string_view to_string(ExemptionTarget target) {
    return target == ExemptionTarget::Address ? "address" : "aaguid";
}

bool Exemption::matches(const DeviceFacts& device) const {
    if (kind == ExemptionTarget::Address) {
        return device.address == target;
    }
    return device.verification && device.verification->passed() &&
           device.verification->aaguid == target;
}

std::optional<std::pair<ExemptionTarget, std::string>> parse_exemption_target(
    std::string_view text) {
    if (auto address = normalize_address(text)) {
        return std::pair{ExemptionTarget::Address, std::move(*address)};
    }
    if (auto aaguid = normalize_aaguid(text)) {
        return std::pair{ExemptionTarget::Aaguid, std::move(*aaguid)};
    }
    return std::nullopt;
}

namespace {

struct Unit {
    char letter;
    std::int64_t seconds;
};
constexpr std::array<Unit, 4> kUnits = {{{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}}};

}  // namespace

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
    std::int64_t total = 0;
    std::size_t next_unit = 0;  // units must come in the order d, h, m, s, each once
    std::size_t i = 0;
    if (text.empty()) {
        return std::nullopt;
    }
    while (i < text.size()) {
        std::int64_t number = 0;
        const std::size_t digits_start = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            if (number > std::numeric_limits<std::int64_t>::max() / 10 / 86400) {
                return std::nullopt;  // far beyond any sensible duration
            }
            number = number * 10 + (text[i] - '0');
            ++i;
        }
        if (i == digits_start || i == text.size()) {
            return std::nullopt;  // a unit without a number, or a number without a unit
        }
        const char letter = text[i++];
        while (next_unit < kUnits.size() && kUnits[next_unit].letter != letter) {
            ++next_unit;
        }
        if (next_unit == kUnits.size()) {
            return std::nullopt;  // unknown unit, or out of order / repeated
        }
        total += number * kUnits[next_unit].seconds;
        ++next_unit;
    }
    if (total <= 0) {
        return std::nullopt;
    }
    return std::chrono::seconds{total};
}

std::string format_duration(std::chrono::seconds duration) {
    std::int64_t rest = duration.count();
    if (rest <= 0) {
        return "0s";
    }
    std::string out;
    for (const auto& unit : kUnits) {
        if (rest >= unit.seconds) {
            out += std::to_string(rest / unit.seconds) + unit.letter;
            rest %= unit.seconds;
        }
    }
    return out;
}

}  // namespace btfence::policy
