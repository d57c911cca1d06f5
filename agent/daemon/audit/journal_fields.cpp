#include "audit/journal_fields.hpp"

#include <syslog.h>

#include "audit/message_text.hpp"

namespace btfence::audit {
namespace {

class FieldList {
  public:
    void add(std::string_view name, std::string_view value) {
        std::string field;
        field.reserve(name.size() + 1 + value.size());
        field.append(name).append("=").append(value);
        fields_.push_back(std::move(field));
    }
    void add_if_set(std::string_view name, std::string_view value) {
        if (!value.empty()) {
            add(name, value);
        }
    }
    std::vector<std::string> take() { return std::move(fields_); }

  private:
    std::vector<std::string> fields_;
};

}  // namespace

int journal_priority(const Event& event) {
    switch (event.action) {
        case Action::AuditLogError:
            return LOG_ERR;
        case Action::TamperDetected:
        case Action::VerificationFailed:
        case Action::PolicyRejected:
        case Action::AgentReleased:
        case Action::BluezLost:
            return LOG_WARNING;
        default:
            break;
    }
    if (event.outcome == Outcome::Failure) {
        return LOG_WARNING;
    }
    switch (event.action) {
        case Action::PairingDenied:
        case Action::ServiceDenied:
        case Action::DeviceRemoved:
        case Action::ExemptionExpired:
        case Action::DaemonStopping:
            return LOG_NOTICE;
        default:
            return LOG_INFO;
    }
}

std::vector<std::string> to_journal_fields(const Event& event) {
    namespace f = journal_field;
    const ActionInfo& action = info(event.action);
    FieldList fields;
    fields.add(f::kMessage, message_text(event));
    fields.add(f::kMessageId, action.message_id);
    fields.add(f::kPriority, std::to_string(journal_priority(event)));
    fields.add(f::kSyslogIdentifier, kSyslogIdentifier);
    fields.add(f::kAction, action.name);
    fields.add(f::kOutcome, to_string(event.outcome));
    fields.add(f::kSequence, std::to_string(event.sequence));
    fields.add(f::kMode, policy::to_string(event.mode));
    if (event.verdict) {
        fields.add(f::kVerdict, policy::to_string(*event.verdict));
    }
    fields.add(f::kRuleId, event.rule_id.empty() ? std::string(kNoRuleId) : event.rule_id);
    fields.add_if_set(f::kRuleReason, event.rule_reason);
    fields.add_if_set(f::kReason, event.reason);
    fields.add_if_set(f::kTrigger, event.trigger);
    fields.add_if_set(f::kPolicySha256, event.policy_sha256);
    fields.add_if_set(f::kPolicyPath, event.policy_path);
    if (event.device) {
        const DeviceInfo& device = *event.device;
        fields.add(f::kAdapter, device.adapter);
        fields.add(f::kDeviceAddress, device.address);
        fields.add(f::kDeviceName, device.name);
        fields.add(f::kDeviceClass, device.device_class);
        fields.add_if_set(f::kDeviceClassReason, device.class_reason);
        fields.add_if_set(f::kDevicePath, device.object_path);
        fields.add_if_set(f::kDeviceAaguid, device.aaguid);
    }
    return fields.take();
}

}  // namespace btfence::audit
