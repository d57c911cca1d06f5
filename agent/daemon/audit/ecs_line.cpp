#include "audit/ecs_line.hpp"

#include <nlohmann/json.hpp>

#include "audit/json_path.hpp"
#include "audit/message_text.hpp"
#include "audit/severity.hpp"
#include "audit/timestamp.hpp"

namespace btfence::audit {
namespace {

using Json = nlohmann::ordered_json;

Json string_array(const std::array<std::string_view, 2>& values) {
    Json array = Json::array();
    for (const std::string_view value : values) {
        if (!value.empty()) {
            array.push_back(value);
        }
    }
    return array;
}

Json ecs_value(const FieldValue& value) {
    if (const auto* text = std::get_if<std::string_view>(&value)) {
        return Json(*text);
    }
    if (const auto* count = std::get_if<std::uint64_t>(&value)) {
        return Json(*count);
    }
    return Json(format_timestamp_us(std::get<Timestamp>(value).us));  // ECS `date`
}

}  // namespace

std::string to_ecs_line(const Event& event, const ChainLink* chain) {
    const ActionInfo& action = info(event.action);
    // Insertion order kept so a person reading the file sees @timestamp and message first.
    Json line{
        {"@timestamp", format_timestamp_us(event.timestamp_us)},
        {"message", message_text(event)},
        {"event",
         {
             {"kind", action.ecs.kind},
             {"category", string_array(action.ecs.categories)},
             {"type", string_array(action.ecs.types)},
             {"action", action.name},
             {"code", action.message_id},
             {"outcome", to_string(event.outcome)},
             {"sequence", event.sequence},
             {"severity", severity_id(event)},
             {"dataset", kEventDataset},
             {"module", kEventModule},
             {"provider", kEventProvider},
         }},
        {"host", {{"name", event.host_name}}},
        {"ecs", {{"version", kEcsVersion}}},
    };
    for_each_field(event, [&line](const FieldName& name, const FieldValue& value) {
        set_path(line, name.ecs, ecs_value(value));
    });
    // btfence last, and the chain last in it, its hmac last of all.
    Json product = line.contains("btfence") ? std::move(line["btfence"]) : Json::object();
    line.erase("btfence");
    if (chain != nullptr) {
        product["chain"] = Json{{"prev", chain->prev}, {"hmac", chain->hmac}};
    }
    line["btfence"] = std::move(product);
    return line.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace btfence::audit
