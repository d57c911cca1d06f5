#include "audit/ocsf_line.hpp"

#include <nlohmann/json.hpp>

#include "audit/json_path.hpp"
#include "audit/message_text.hpp"
#include "audit/severity.hpp"

namespace btfence::audit {
namespace {

using Json = nlohmann::ordered_json;

struct Enumerated {
    int id;
    std::string_view caption;
};

std::string_view class_name(std::uint16_t class_uid) {
    switch (class_uid) {
        case kOcsfPeripheralActivity:
            return "Peripheral Activity";
        case kOcsfEventLogActivity:
            return "Event Log Activity";
        default:
            return "Base Event";
    }
}

std::string_view activity_name(std::uint16_t class_uid, int activity_id) {
    if (activity_id == 99) {
        return "Other";
    }
    if (class_uid == kOcsfPeripheralActivity) {
        switch (activity_id) {
            case 1:
                return "Connect";
            case 2:
                return "Disconnect";
            case 3:
                return "Enable";
            case 4:
                return "Disable";
            default:
                break;
        }
    }
    if (class_uid == kOcsfEventLogActivity) {
        switch (activity_id) {
            case 5:
                return "Rotate";
            case 6:
                return "Start";
            case 7:
                return "Stop";
            default:
                break;
        }
    }
    return "Unknown";
}

std::string_view severity_caption(int id) {
    switch (id) {
        case 1:
            return "Informational";
        case 2:
            return "Low";
        case 3:
            return "Medium";
        case 4:
            return "High";
        default:
            return "Unknown";
    }
}

Enumerated status(Outcome outcome) {
    switch (outcome) {
        case Outcome::Success:
            return {1, "Success"};
        case Outcome::Failure:
            return {2, "Failure"};
        case Outcome::Unknown:
            break;
    }
    return {0, "Unknown"};
}

/// security_control's action_id and disposition_id for a decision. In audit mode nothing is
/// refused: the control observed and logged what it would have done.
std::pair<Enumerated, Enumerated> control_outcome(policy::Verdict verdict, policy::Mode mode) {
    if (mode == policy::Mode::Audit) {
        return {{3, "Observed"}, {17, "Logged"}};
    }
    if (verdict == policy::Verdict::Allow) {
        return {{1, "Allowed"}, {1, "Allowed"}};
    }
    return {{2, "Denied"}, {2, "Blocked"}};
}

Json ocsf_value(const FieldValue& value) {
    if (const auto* text = std::get_if<std::string_view>(&value)) {
        return Json(*text);
    }
    if (const auto* count = std::get_if<std::uint64_t>(&value)) {
        return Json(*count);
    }
    return Json(std::get<Timestamp>(value).us / 1000);  // timestamp_t: epoch milliseconds
}

}  // namespace

std::string to_ocsf_line(const Event& event, const ChainLink* chain) {
    const ActionInfo& action = info(event.action);
    const bool peripheral = event.device.has_value();
    const std::uint16_t class_uid = peripheral ? kOcsfPeripheralActivity : action.ocsf.class_uid;
    const int activity_id = peripheral ? action.ocsf.peripheral_activity : action.ocsf.activity_id;
    const int category_uid = class_uid / 1000;
    const int severity = severity_id(event);
    const Enumerated outcome = status(event.outcome);

    Json line{
        {"time", event.timestamp_us / 1000},
        {"message", message_text(event)},
        {"category_uid", category_uid},
        {"category_name", category_uid == 1 ? "System Activity" : "Uncategorized"},
        {"class_uid", class_uid},
        {"class_name", class_name(class_uid)},
        {"activity_id", activity_id},
        {"activity_name", activity_name(class_uid, activity_id)},
        {"type_uid", class_uid * 100 + activity_id},
        {"type_name", std::string(class_name(class_uid)) + ": " +
                          std::string(activity_name(class_uid, activity_id))},
        {"severity_id", severity},
        {"severity", severity_caption(severity)},
        {"status_id", outcome.id},
        {"status", outcome.caption},
    };
    if (event.verdict) {
        const auto [control, disposition] = control_outcome(*event.verdict, event.mode);
        line["action_id"] = control.id;
        line["action"] = control.caption;
        line["disposition_id"] = disposition.id;
        line["disposition"] = disposition.caption;
    }
    line["is_alert"] = action.ecs.kind == "alert";
    line["metadata"] = Json{
        {"version", kOcsfVersion},
        {"product", {{"name", "btfence"}, {"vendor_name", "btfence"}}},
        {"profiles", Json::array({"host", "security_control"})},
        {"event_code", action.name},
        {"log_name", "btfence.audit"},
        {"sequence", event.sequence},
    };
    line["device"] = Json{{"hostname", event.host_name}, {"type_id", 0}, {"type", "Unknown"}};
    line["actor"] = Json{{"app_name", "btfenced"}};
    for_each_field(event, [&line](const FieldName& name, const FieldValue& value) {
        set_path(line, name.ocsf, ocsf_value(value));
    });
    if (peripheral) {
        // No OCSF peripheral type for a Bluetooth device: Other, named by the source.
        line["peripheral_device"]["type_id"] = 99;
        line["peripheral_device"]["type"] = "Bluetooth";
    }
    // unmapped last, btfence last in it, and the chain last in that, its hmac last of all.
    Json unmapped = line.contains("unmapped") ? std::move(line["unmapped"]) : Json::object();
    line.erase("unmapped");
    Json product = unmapped.contains("btfence") ? std::move(unmapped["btfence"]) : Json::object();
    unmapped.erase("btfence");
    if (chain != nullptr) {
        product["chain"] = Json{{"prev", chain->prev}, {"hmac", chain->hmac}};
    }
    unmapped["btfence"] = std::move(product);
    line["unmapped"] = std::move(unmapped);
    return line.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace btfence::audit
