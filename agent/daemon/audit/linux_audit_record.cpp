#include "audit/linux_audit_record.hpp"

namespace btfence::audit {
namespace {

/// libaudit's audit_value_needs_encoding(): a double quote, a control character, a space or
/// a byte above 0x7e.
bool needs_encoding(std::string_view value) {
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || byte < 0x21 || byte > 0x7e) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::string encode_audit_field(std::string_view name, std::string_view value) {
    std::string field(name);
    field.push_back('=');
    if (!needs_encoding(value)) {
        field.push_back('"');
        field.append(value);
        field.push_back('"');
        return field;
    }
    static constexpr std::string_view kDigits = "0123456789ABCDEF";
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        field.push_back(kDigits[byte >> 4U]);
        field.push_back(kDigits[byte & 0x0fU]);
    }
    return field;
}

std::optional<std::string> to_linux_audit_message(const Event& event) {
    if (!event.device || !event.verdict) {
        return std::nullopt;
    }
    const DeviceInfo& device = *event.device;
    std::string message = "op=" + std::string(info(event.action).name);
    message += " " + encode_audit_field("device", device.address);
    message += " " + encode_audit_field("name", device.name);
    message += " " + encode_audit_field("class", device.device_class);
    message += " " + encode_audit_field("adapter", device.adapter);
    message += " verdict=" + std::string(policy::to_string(*event.verdict));
    message += " mode=" + std::string(policy::to_string(event.mode));
    message += " " + encode_audit_field("rule", event.rule_id.empty() ? kNoRuleId : event.rule_id);
    message += " seq=" + std::to_string(event.sequence);
    if (event.repetition) {
        message += " count=" + std::to_string(event.repetition->count);
    }
    return message;
}

}  // namespace btfence::audit
