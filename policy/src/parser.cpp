// Policy file parsing and validation (PRODUCT.md §3). toml++ parses the syntax; everything
// else — keys, types, values, cross-field rules — is checked here, and every problem is
// reported with the line and column of the node it concerns, not just the first one.
#include "btfence/policy/parser.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <set>

#include "btfence/policy/address.hpp"
#include "btfence/policy/digest.hpp"
#include "btfence/policy/time_format.hpp"
#include "btfence/policy/uuid.hpp"

namespace btfence::policy {
namespace {

constexpr std::int64_t kSupportedVersion = 1;
constexpr std::int64_t kMinProbeTimeoutMs = 100;
constexpr std::int64_t kMaxProbeTimeoutMs = 60000;

bool is_adapter_name(std::string_view text) {
    if (text.size() < 4 || !text.starts_with("hci")) {
        return false;
    }
    return std::all_of(text.begin() + 3, text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string type_name(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a float";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::table:
            return "a table";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

class Validator {
  public:
    explicit Validator(std::string_view source) : source_(source) {}

    void error(const toml::source_region& where, std::string message) {
        errors_.push_back(PolicyError{source_, static_cast<int>(where.begin.line),
                                      static_cast<int>(where.begin.column), std::move(message)});
    }
    void error(const toml::node& node, std::string message) {
        error(node.source(), std::move(message));
    }

    /// Reports every key of `table` that is not in `allowed`.
    void only_keys(const toml::table& table, std::string_view where,
                   std::initializer_list<std::string_view> allowed) {
        for (const auto& [key, value] : table) {
            if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
                error(key.source(),
                      "unknown key '" + std::string(key.str()) + "' in " + std::string(where));
            }
        }
    }

    const toml::node* find(const toml::table& table, std::string_view key) {
        return table.get(key);
    }

    std::optional<std::string> string(const toml::table& table, std::string_view key,
                                      std::string_view where) {
        const toml::node* node = find(table, key);
        if (node == nullptr) {
            return std::nullopt;
        }
        if (!node->is_string()) {
            error(*node, std::string(where) + "." + std::string(key) + " must be a string, not " +
                             type_name(*node));
            return std::nullopt;
        }
        return node->as_string()->get();
    }

    /// A string that must be one of `choices`.
    std::optional<std::string> choice(const toml::table& table, std::string_view key,
                                      std::string_view where,
                                      std::initializer_list<std::string_view> choices) {
        auto value = string(table, key, where);
        if (!value) {
            return std::nullopt;
        }
        if (std::find(choices.begin(), choices.end(), *value) == choices.end()) {
            std::string list;
            for (const auto choice : choices) {
                list += (list.empty() ? "\"" : ", \"") + std::string(choice) + "\"";
            }
            error(*find(table, key), std::string(where) + "." + std::string(key) +
                                         " must be one of " + list + ", not \"" + *value + "\"");
            return std::nullopt;
        }
        return value;
    }

    std::optional<bool> boolean(const toml::table& table, std::string_view key,
                                std::string_view where) {
        const toml::node* node = find(table, key);
        if (node == nullptr) {
            return std::nullopt;
        }
        if (!node->is_boolean()) {
            error(*node, std::string(where) + "." + std::string(key) +
                             " must be true or false, not " + type_name(*node));
            return std::nullopt;
        }
        return node->as_boolean()->get();
    }

    std::optional<std::int64_t> integer(const toml::table& table, std::string_view key,
                                        std::string_view where) {
        const toml::node* node = find(table, key);
        if (node == nullptr) {
            return std::nullopt;
        }
        if (!node->is_integer()) {
            error(*node, std::string(where) + "." + std::string(key) + " must be an integer, not " +
                             type_name(*node));
            return std::nullopt;
        }
        return node->as_integer()->get();
    }

    /// An array of strings, each normalised by `normalize` (nullopt = invalid, reported with
    /// `what`). Invalid elements are reported at their own position and left out.
    template <typename Normalize>
    std::vector<std::string> string_list(const toml::table& table, std::string_view key,
                                         std::string_view where, std::string_view what,
                                         Normalize normalize) {
        std::vector<std::string> out;
        const toml::node* node = find(table, key);
        if (node == nullptr) {
            return out;
        }
        const toml::array* array = node->as_array();
        if (array == nullptr) {
            error(*node, std::string(where) + "." + std::string(key) +
                             " must be an array of strings, not " + type_name(*node));
            return out;
        }
        for (const toml::node& element : *array) {
            if (!element.is_string()) {
                error(element, std::string(where) + "." + std::string(key) +
                                   " must contain strings, not " + type_name(element));
                continue;
            }
            const std::string& text = element.as_string()->get();
            if (auto normalized = normalize(text)) {
                out.push_back(std::move(*normalized));
            } else {
                error(element, "not " + std::string(what) + ": \"" + text + "\"");
            }
        }
        return out;
    }

    std::optional<TimePoint> instant(const toml::table& table, std::string_view key,
                                     std::string_view where) {
        const toml::node* node = find(table, key);
        if (node == nullptr) {
            return std::nullopt;
        }
        const std::string name = std::string(where) + "." + std::string(key);
        if (const auto* value = node->as_date_time()) {
            const toml::date_time& dt = value->get();
            if (!dt.offset) {
                error(*node, name +
                                 " needs a UTC offset ('Z' or e.g. '+01:00'): a local time means "
                                 "different instants on different laptops");
                return std::nullopt;
            }
            const std::chrono::year_month_day date{std::chrono::year{dt.date.year},
                                                   std::chrono::month{dt.date.month},
                                                   std::chrono::day{dt.date.day}};
            return TimePoint{
                std::chrono::sys_days{date}.time_since_epoch() + std::chrono::hours{dt.time.hour} +
                std::chrono::minutes{dt.time.minute} + std::chrono::seconds{dt.time.second} -
                std::chrono::minutes{dt.offset->minutes}};
        }
        if (const auto* text = node->as_string()) {
            if (auto parsed = parse_rfc3339(text->get())) {
                return parsed;
            }
            error(*node,
                  name + " is not an RFC 3339 date-time with offset: \"" + text->get() + "\"");
            return std::nullopt;
        }
        error(*node, name + " must be a date-time with offset (e.g. 2026-12-01T00:00:00Z), not " +
                         type_name(*node));
        return std::nullopt;
    }

    std::vector<PolicyError> take_errors() { return std::move(errors_); }
    [[nodiscard]] bool ok() const { return errors_.empty(); }

  private:
    std::string source_;
    std::vector<PolicyError> errors_;
};

std::optional<std::string> normalize_adapter(std::string_view text) {
    if (is_adapter_name(text)) {
        return std::string(text);
    }
    return normalize_address(text);
}

void read_policy_table(Validator& v, const toml::table& root, Policy& policy) {
    const toml::node* node = root.get("policy");
    if (node == nullptr) {
        v.error(toml::source_region{{1, 1}, {1, 1}, nullptr},
                "missing [policy] table (with at least version = 1)");
        return;
    }
    const toml::table* table = node->as_table();
    if (table == nullptr) {
        v.error(*node, "policy must be a table: [policy]");
        return;
    }
    v.only_keys(*table, "[policy]", {"version", "mode", "default", "existing_bonds", "adapters"});
    if (const toml::node* version = table->get("version"); version == nullptr) {
        v.error(*table, "[policy] version is required (version = 1)");
    } else if (auto number = v.integer(*table, "version", "policy");
               number && *number != kSupportedVersion) {
        v.error(*version, "unsupported policy version " + std::to_string(*number) +
                              " (this btfence reads version 1)");
    }
    if (auto mode = v.choice(*table, "mode", "policy", {"enforce", "audit"})) {
        policy.mode = *mode == "audit" ? Mode::Audit : Mode::Enforce;
    }
    if (auto verdict = v.choice(*table, "default", "policy", {"allow", "deny"})) {
        policy.default_verdict = *verdict == "allow" ? Verdict::Allow : Verdict::Deny;
    }
    if (auto bonds = v.choice(*table, "existing_bonds", "policy", {"enforce", "keep"})) {
        policy.existing_bonds = *bonds == "keep" ? ExistingBonds::Keep : ExistingBonds::Enforce;
    }
    policy.adapters = v.string_list(*table, "adapters", "policy",
                                    "an adapter name (hciN) or address", normalize_adapter);
}

void read_fido_table(Validator& v, const toml::table& root, Policy& policy) {
    const toml::node* node = root.get("fido");
    if (node == nullptr) {
        return;
    }
    const toml::table* table = node->as_table();
    if (table == nullptr) {
        v.error(*node, "fido must be a table: [fido]");
        return;
    }
    v.only_keys(*table, "[fido]", {"verify", "probe_timeout_ms"});
    if (auto verify = v.boolean(*table, "verify", "fido")) {
        policy.fido.verify = *verify;
    }
    if (auto timeout = v.integer(*table, "probe_timeout_ms", "fido")) {
        if (*timeout < kMinProbeTimeoutMs || *timeout > kMaxProbeTimeoutMs) {
            v.error(*table->get("probe_timeout_ms"),
                    "fido.probe_timeout_ms must be between " + std::to_string(kMinProbeTimeoutMs) +
                        " and " + std::to_string(kMaxProbeTimeoutMs));
        } else {
            policy.fido.probe_timeout = std::chrono::milliseconds{*timeout};
        }
    }
}

void read_bluez_table(Validator& v, const toml::table& root, Policy& policy) {
    const toml::node* node = root.get("bluez");
    if (node == nullptr) {
        return;
    }
    const toml::table* table = node->as_table();
    if (table == nullptr) {
        v.error(*node, "bluez must be a table: [bluez]");
        return;
    }
    v.only_keys(*table, "[bluez]", {"service_allowlist", "extra_services"});
    if (auto mode = v.choice(*table, "service_allowlist", "bluez", {"auto", "off"})) {
        policy.bluez.service_allowlist =
            *mode == "off" ? ServiceAllowlistMode::Off : ServiceAllowlistMode::Auto;
    }
    policy.bluez.extra_services = v.string_list(
        *table, "extra_services", "bluez", "a service UUID (16-, 32- or 128-bit)", normalize_uuid);
}

void read_rule(Validator& v, const toml::table& table, std::set<std::string>& ids, Policy& policy) {
    Rule rule;
    rule.line = static_cast<int>(table.source().begin.line);
    v.only_keys(table, "[[rule]]",
                {"id", "verdict", "class", "address", "oui", "name", "adapter", "aaguid",
                 "verified", "not_before", "expires", "reason"});
    const std::string where = "rule";
    if (table.get("id") == nullptr) {
        v.error(table, "[[rule]] needs an id");
    } else if (auto id = v.string(table, "id", where)) {
        if (id->empty()) {
            v.error(*table.get("id"), "rule.id must not be empty");
        } else if (!ids.insert(*id).second) {
            v.error(*table.get("id"), "duplicate rule id \"" + *id + "\"");
        }
        rule.id = *id;
    }
    if (table.get("verdict") == nullptr) {
        v.error(table, "[[rule]] needs a verdict (\"allow\" or \"deny\")");
    } else if (auto verdict = v.choice(table, "verdict", where, {"allow", "deny"})) {
        rule.verdict = *verdict == "allow" ? Verdict::Allow : Verdict::Deny;
    }
    for (const auto& cls : v.string_list(table, "class", where,
                                         "a device class (\"fido-ble\", \"hybrid\", \"other\")",
                                         [](std::string_view text) -> std::optional<std::string> {
                                             if (device_class_from_string(text)) {
                                                 return std::string(text);
                                             }
                                             return std::nullopt;
                                         })) {
        rule.classes.push_back(*device_class_from_string(cls));
    }
    rule.addresses = v.string_list(table, "address", where,
                                   "a Bluetooth address (AA:BB:CC:DD:EE:FF)", normalize_address);
    rule.ouis = v.string_list(table, "oui", where, "an OUI (AA:BB:CC)", normalize_oui);
    rule.adapters = v.string_list(table, "adapter", where, "an adapter name (hciN) or address",
                                  normalize_adapter);
    rule.aaguids =
        v.string_list(table, "aaguid", where, "an AAGUID (8-4-4-4-12 hex)", normalize_aaguid);
    if (auto name = v.string(table, "name", where)) {
        if (name->empty()) {
            v.error(*table.get("name"),
                    "rule.name must not be empty (leave it out to match any name)");
        } else {
            rule.name_glob = *name;
        }
    }
    rule.verified = v.boolean(table, "verified", where);
    rule.not_before = v.instant(table, "not_before", where);
    rule.expires = v.instant(table, "expires", where);
    if (rule.not_before && rule.expires && *rule.expires <= *rule.not_before) {
        v.error(*table.get("expires"), "rule.expires must be after rule.not_before");
    }
    if (auto reason = v.string(table, "reason", where)) {
        rule.reason = *reason;
    }
    policy.rules.push_back(std::move(rule));
}

void read_rules(Validator& v, const toml::table& root, Policy& policy) {
    const toml::node* node = root.get("rule");
    if (node == nullptr) {
        return;
    }
    const toml::array* array = node->as_array();
    if (array == nullptr) {
        v.error(*node, "rules are written as [[rule]] tables");
        return;
    }
    std::set<std::string> ids;
    for (const toml::node& element : *array) {
        if (const toml::table* table = element.as_table()) {
            read_rule(v, *table, ids, policy);
        } else {
            v.error(element, "rules are written as [[rule]] tables, not " + type_name(element));
        }
    }
}

}  // namespace

std::string PolicyError::to_string() const {
    return source + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

ParseResult parse_policy(std::string_view text, std::string_view source) {
    ParseResult result;
    toml::table root;
    try {
        root = toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        result.errors.push_back(PolicyError{std::string(source),
                                            static_cast<int>(e.source().begin.line),
                                            static_cast<int>(e.source().begin.column),
                                            "TOML syntax: " + std::string(e.description())});
        return result;
    }
    Validator v(source);
    v.only_keys(root, "the policy file (tables: [policy], [fido], [bluez], [[rule]])",
                {"policy", "fido", "bluez", "rule"});
    Policy policy;
    read_policy_table(v, root, policy);
    read_fido_table(v, root, policy);
    read_bluez_table(v, root, policy);
    read_rules(v, root, policy);
    if (!v.ok()) {
        result.errors = v.take_errors();
        std::stable_sort(result.errors.begin(), result.errors.end(),
                         [](const PolicyError& a, const PolicyError& b) {
                             return a.line != b.line ? a.line < b.line : a.column < b.column;
                         });
        return result;
    }
    policy.source = std::string(source);
    policy.sha256 = sha256_hex(text);
    result.policy = std::move(policy);
    return result;
}

}  // namespace btfence::policy
