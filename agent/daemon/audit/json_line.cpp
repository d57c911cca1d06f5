#include "audit/json_line.hpp"

#include <nlohmann/json.hpp>

#include "audit/message_text.hpp"
#include "audit/timestamp.hpp"

namespace btfence::audit {
namespace {

// Insertion order kept so a person reading the file sees @timestamp and message first.
using Json = nlohmann::ordered_json;

Json device_object(const DeviceInfo& device) {
    Json object{
        {"address", device.address},    {"name", device.name},
        {"class", device.device_class}, {"class_reason", device.class_reason},
        {"path", device.object_path},
    };
    if (!device.aaguid.empty()) {
        object["aaguid"] = device.aaguid;
    }
    return object;
}

Json btfence_object(const Event& event) {
    Json object{{"mode", policy::to_string(event.mode)}};
    if (event.verdict) {
        object["verdict"] = policy::to_string(*event.verdict);
    }
    if (!event.trigger.empty()) {
        object["trigger"] = event.trigger;
    }
    object["policy"] = Json{{"sha256", event.policy_sha256}, {"path", event.policy_path}};
    if (event.device) {
        object["adapter"] = event.device->adapter;
        object["device"] = device_object(*event.device);
    }
    return object;
}

}  // namespace

std::string to_json_line(const Event& event) {
    const ActionInfo& action = info(event.action);
    Json line{
        {"@timestamp", format_timestamp_us(event.timestamp_us)},
        {"message", message_text(event)},
        {"event",
         {
             {"kind", "event"},
             {"category", Json::array({action.category})},
             {"action", action.name},
             {"outcome", to_string(event.outcome)},
             {"sequence", event.sequence},
             {"reason", event.reason},
             {"dataset", kEventDataset},
             {"provider", kEventProvider},
         }},
        {"host", {{"name", event.host_name}}},
    };
    // PRODUCT.md §4: every event carries rule.id; events no rule decided say "none".
    Json rule{{"id", event.rule_id.empty() ? std::string(kNoRuleId) : event.rule_id}};
    if (!event.rule_reason.empty()) {
        rule["reason"] = event.rule_reason;
    }
    line["rule"] = std::move(rule);
    line["btfence"] = btfence_object(event);
    line["ecs"] = Json{{"version", kEcsVersion}};
    return line.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace btfence::audit
