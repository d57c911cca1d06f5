#include "live_view.hpp"

#include <algorithm>
#include <sstream>

#include "btfence/policy/exemption.hpp"
#include "btfence/policy/time_format.hpp"

namespace btfence::ctl {
namespace {

using Json = nlohmann::ordered_json;

bool holds_unix_seconds(const std::string& key) {
    return key.ends_with("_at") || key == "expires" || key == "last_seen" || key == "next_change";
}

Json value_json(const sdbus::Variant& value);

Json dict_json(const Dict& dict) {
    Json out = Json::object();
    for (const auto& [key, value] : dict) {
        if (holds_unix_seconds(key) && value.peekValueType() == "x") {
            const auto seconds = value.get<std::int64_t>();
            out[key] = seconds == 0 ? Json(nullptr)
                                    : Json(policy::format_rfc3339(
                                          policy::TimePoint{std::chrono::seconds{seconds}}));
        } else {
            out[key] = value_json(value);
        }
    }
    return out;
}

Json value_json(const sdbus::Variant& value) {
    const std::string type = value.peekValueType();
    if (type == "s" || type == "o") {
        return value.get<std::string>();
    }
    if (type == "b") {
        return value.get<bool>();
    }
    if (type == "u") {
        return value.get<std::uint32_t>();
    }
    if (type == "t") {
        return value.get<std::uint64_t>();
    }
    if (type == "x") {
        return value.get<std::int64_t>();
    }
    if (type == "i") {
        return value.get<std::int32_t>();
    }
    if (type == "as") {
        return value.get<std::vector<std::string>>();
    }
    if (type == "a{st}") {
        Json out = Json::object();
        for (const auto& [k, v] : value.get<std::map<std::string, std::uint64_t>>()) {
            out[k] = v;
        }
        return out;
    }
    if (type == "a{sv}") {
        return dict_json(value.get<Dict>());
    }
    if (type == "aa{sv}") {
        Json out = Json::array();
        for (const auto& entry : value.get<std::vector<Dict>>()) {
            out.push_back(dict_json(entry));
        }
        return out;
    }
    return "<" + type + ">";  // a key of a newer btfenced with a type this btfencectl skips
}

std::string text(const Dict& dict, const std::string& key) {
    const auto it = dict.find(key);
    if (it == dict.end()) {
        return {};
    }
    const Json value = value_json(it->second);
    return value.is_string() ? value.get<std::string>() : value.dump();
}

bool flag(const Dict& dict, const std::string& key) {
    const auto it = dict.find(key);
    return it != dict.end() && it->second.peekValueType() == "b" && it->second.get<bool>();
}

std::int64_t seconds_of(const Dict& dict, const std::string& key) {
    const auto it = dict.find(key);
    return it != dict.end() && it->second.peekValueType() == "x" ? it->second.get<std::int64_t>()
                                                                 : 0;
}

std::string instant(std::int64_t seconds) {
    return seconds == 0 ? std::string("-")
                        : policy::format_rfc3339(policy::TimePoint{std::chrono::seconds{seconds}});
}

/// A plain text table: columns as wide as their widest cell, two spaces apart.
std::string table(const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths(header.size());
    for (std::size_t c = 0; c < header.size(); ++c) {
        widths[c] = header[c].size();
        for (const auto& row : rows) {
            widths[c] = std::max(widths[c], row[c].size());
        }
    }
    std::ostringstream out;
    const auto line = [&](const std::vector<std::string>& cells) {
        std::string text_line;
        for (std::size_t c = 0; c < cells.size(); ++c) {
            text_line += cells[c];
            if (c + 1 < cells.size()) {
                text_line += std::string(widths[c] - cells[c].size() + 2, ' ');
            }
        }
        out << text_line << '\n';
    };
    line(header);
    for (const auto& row : rows) {
        line(row);
    }
    return out.str();
}

std::string device_state(const Dict& device) {
    std::string out;
    for (const char* key : {"paired", "bonded", "connected", "trusted", "blocked"}) {
        if (flag(device, key)) {
            out += (out.empty() ? "" : ",") + std::string(key);
        }
    }
    return out.empty() ? "-" : out;
}

}  // namespace

Json to_json(const Dict& dict) {
    return dict_json(dict);
}

Json json_answer(const std::string& key, const std::vector<Dict>& list) {
    Json items = Json::array();
    for (const auto& entry : list) {
        items.push_back(dict_json(entry));
    }
    Json out{{"format_version", kJsonFormatVersion}};
    out[key] = std::move(items);
    return out;
}

Json json_answer(const Dict& dict) {
    const Json body = dict_json(dict);
    Json out = Json::object();
    out["format_version"] = kJsonFormatVersion;
    for (auto it = body.begin(); it != body.end(); ++it) {
        out[it.key()] = it.value();
    }
    return out;
}

std::string remaining(std::int64_t then, std::chrono::sys_seconds now) {
    const std::int64_t left = then - now.time_since_epoch().count();
    return left <= 0 ? std::string("ended") : policy::format_duration(std::chrono::seconds{left});
}

std::string render_status(const Dict& status) {
    std::ostringstream out;
    const bool enforcing = flag(status, "enforcing");
    out << "btfenced " << text(status, "daemon_version") << ": "
        << (enforcing ? "enforcing" : "NOT enforcing") << " (mode " << text(status, "mode")
        << ")\n";
    out << "Policy:          " << text(status, "policy_path") << '\n';
    out << "  sha256:        " << text(status, "policy_sha256") << '\n';
    out << "  loaded:        " << instant(seconds_of(status, "policy_loaded_at")) << " ("
        << text(status, "policy_rules") << " rules, default " << text(status, "default_verdict")
        << ")\n";
    out << "Started:         " << instant(seconds_of(status, "started_at")) << '\n';
    out << "bluetoothd:      " << text(status, "bluez") << '\n';
    out << "Default agent:   " << text(status, "default_agent") << '\n';
    out << "Lockdown:        " << text(status, "lockdown") << " (org.bluez D-Bus), "
        << text(status, "profile_lockdown") << " (profiles)\n";
    out << "Posture:         " << text(status, "posture") << '\n';
    if (const auto it = status.find("adapters");
        it != status.end() && it->second.peekValueType() == "aa{sv}") {
        for (const auto& adapter : it->second.get<std::vector<Dict>>()) {
            out << "Adapter:         " << text(adapter, "name") << ' ' << text(adapter, "address")
                << (flag(adapter, "managed") ? " managed" : " not managed")
                << ", service allowlist " << text(adapter, "service_allowlist") << '\n';
        }
    }
    out << "Devices known:   " << text(status, "devices_known") << '\n';
    const std::string state = text(status, "exemptions_state");
    out << "Exemptions:      "
        << (flag(status, "exemptions_allowed") ? "allowed by the policy" : "not allowed") << ", "
        << text(status, "exemptions_in_force") << " in force";
    if (const auto it = status.find("exemptions_max_duration");
        it != status.end() && it->second.peekValueType() == "t") {
        out << ", at most "
            << policy::format_duration(std::chrono::seconds{
                   static_cast<std::int64_t>(it->second.get<std::uint64_t>())});
    }
    out << (state == "ok" ? std::string() : " (" + state + ")") << '\n';
    if (const auto it = status.find("counters");
        it != status.end() && it->second.peekValueType() == "a{st}") {
        const auto counters = it->second.get<std::map<std::string, std::uint64_t>>();
        const auto count = [&](const char* key) {
            const auto found = counters.find(key);
            return found == counters.end() ? std::string("unknown") : std::to_string(found->second);
        };
        out << "Decisions:       " << count("decisions") << " (pairings allowed "
            << count("pairings_allowed") << ", denied " << count("pairings_denied") << "; removals "
            << count("removals") << ", failed " << count("removal_failures") << ")\n";
        out << "Verifications:   passed " << count("verifications_passed") << ", failed "
            << count("verifications_failed") << '\n';
        out << "Audit dropped:   " << count("audit_dropped") << '\n';
        // Repeats folded into summary events: counted above once their summary is written.
        if (counters.contains("audit_aggregated")) {
            out << "Audit repeats:   " << count("audit_aggregated")
                << " aggregated into summaries, " << count("audit_aggregation_pending")
                << " awaiting theirs\n";
        }
    }
    return out.str();
}

std::string render_devices(const std::vector<Dict>& devices, std::chrono::sys_seconds now) {
    if (devices.empty()) {
        return "No devices known to btfenced.\n";
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& device : devices) {
        const std::int64_t seen = seconds_of(device, "last_seen");
        const std::int64_t ago = now.time_since_epoch().count() - seen;
        rows.push_back(
            {text(device, "address"), text(device, "adapter"), text(device, "class"),
             text(device, "verdict"), text(device, "rule"), device_state(device),
             text(device, "verification"),
             seen == 0
                 ? "-"
                 : (ago <= 0 ? "now" : policy::format_duration(std::chrono::seconds{ago}) + " ago"),
             text(device, "name")});
    }
    std::sort(rows.begin(), rows.end());
    return table(
        {"ADDRESS", "ADAPTER", "CLASS", "VERDICT", "RULE", "STATE", "VERIFIED", "SEEN", "NAME"},
        rows);
}

std::string render_explain(const std::vector<Dict>& decisions) {
    std::ostringstream out;
    for (const auto& d : decisions) {
        out << text(d, "address") << " on " << text(d, "adapter") << " ("
            << (text(d, "name").empty() ? "no name" : "'" + text(d, "name") + "'")
            << "): " << text(d, "verdict") << " by rule " << text(d, "rule")
            << (flag(d, "enforced") ? ", enforced" : "") << '\n';
        out << "  class:   " << text(d, "class") << " (" << text(d, "class_reason") << ")\n";
        out << "  reason:  " << text(d, "reason") << '\n';
        if (!text(d, "rule_reason").empty()) {
            out << "  rule reason: " << text(d, "rule_reason") << '\n';
        }
        out << "  state:   " << device_state(d) << ", verification " << text(d, "verification")
            << (text(d, "aaguid").empty() ? std::string() : " (AAGUID " + text(d, "aaguid") + ")")
            << '\n';
        out << "  mode:    " << text(d, "mode")
            << (flag(d, "managed") ? "" : " (adapter not managed)") << '\n';
        out << "  next change: " << instant(seconds_of(d, "next_change")) << '\n';
    }
    return out.str();
}

std::string render_exemption(const Dict& e, std::chrono::sys_seconds now) {
    return "exemption " + text(e, "id") + " (rule " + text(e, "rule") +
           "): " + text(e, "target_kind") + " " + text(e, "target") + " until " +
           instant(seconds_of(e, "expires")) + " (" + remaining(seconds_of(e, "expires"), now) +
           " left), granted by " + text(e, "granted_by") + ": " + text(e, "reason") + "\n";
}

std::string render_exemptions(const std::vector<Dict>& exemptions, std::chrono::sys_seconds now) {
    if (exemptions.empty()) {
        return "No runtime exemptions in force.\n";
    }
    std::vector<std::vector<std::string>> rows;
    rows.reserve(exemptions.size());
    for (const auto& e : exemptions) {
        rows.push_back({text(e, "id"), text(e, "target"), instant(seconds_of(e, "expires")),
                        remaining(seconds_of(e, "expires"), now), text(e, "granted_by"),
                        text(e, "reason")});
    }
    return table({"ID", "TARGET", "EXPIRES", "LEFT", "GRANTED BY", "REASON"}, rows);
}

std::string render_reload(const Dict& result) {
    const std::string outcome = text(result, "outcome");
    std::string out =
        outcome == "rejected"
            ? "Rejected: the running policy stays in force (sha256 " +
                  text(result, "policy_sha256") + ")\n"
            : "Policy " + outcome + ": sha256 " + text(result, "policy_sha256") + "\n";
    if (const auto it = result.find("errors");
        it != result.end() && it->second.peekValueType() == "as") {
        for (const auto& error : it->second.get<std::vector<std::string>>()) {
            out += error + "\n";
        }
    }
    return out;
}

}  // namespace btfence::ctl
