#include "audit/journal_fields.hpp"

#include "audit/message_text.hpp"
#include "audit/timestamp.hpp"

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
    std::vector<std::string> take() { return std::move(fields_); }

  private:
    std::vector<std::string> fields_;
};

std::string journal_value(const FieldValue& value) {
    if (const auto* text = std::get_if<std::string_view>(&value)) {
        return std::string(*text);
    }
    if (const auto* count = std::get_if<std::uint64_t>(&value)) {
        return std::to_string(*count);
    }
    return format_timestamp_us(std::get<Timestamp>(value).us);
}

}  // namespace

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
    for_each_field(event, [&fields](const FieldName& name, const FieldValue& value) {
        fields.add(name.journal, journal_value(value));
    });
    return fields.take();
}

}  // namespace btfence::audit
