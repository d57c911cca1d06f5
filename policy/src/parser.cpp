// Policy file parsing and validation (docs/policy.md: keys, errors). toml++ parses the syntax;
// everything else — keys, types, values, cross-field rules — is checked here, and every problem is
// reported with the line and column of the node it concerns, not just the first one.
#include "btfence/policy/parser.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <map>
#include <span>

#include "btfence/policy/address.hpp"
#include "btfence/policy/decision.hpp"
#include "btfence/policy/digest.hpp"
#include "btfence/policy/exemption.hpp"
#include "btfence/policy/time_format.hpp"
#include "btfence/policy/uuid.hpp"

namespace btfence::policy {
namespace {

constexpr std::int64_t kSupportedVersion = 1;
// Below 100 ms no BLE round trip completes; above a minute a hung probe holds a bond too long.
constexpr std::int64_t kMinProbeTimeoutMs = 100;
constexpr std::int64_t kMaxProbeTimeoutMs = 60000;

using Keys = std::span<const std::string_view>;
using Choices = std::initializer_list<std::string_view>;

// An exemption shorter than a minute is no use to a helpdesk; one longer than 30 days is a
// policy change and belongs in the file.
constexpr std::chrono::seconds kMinExemptionMax{60};
constexpr std::chrono::seconds kMaxExemptionMax{std::chrono::days{30}};

constexpr std::array<std::string_view, 5> kTopLevelKeys = {"policy", "fido", "bluez", "exemptions",
                                                           "rule"};
constexpr std::array<std::string_view, 5> kPolicyKeys = {"version", "mode", "default",
                                                         "existing_bonds", "adapters"};
constexpr std::array<std::string_view, 3> kFidoKeys = {"verify", "probe_timeout_ms", "spoof_block"};
constexpr std::chrono::seconds kMaxSpoofBlock = std::chrono::days{365};
constexpr std::array<std::string_view, 2> kBluezKeys = {"service_allowlist", "extra_services"};
constexpr std::array<std::string_view, 2> kExemptionsKeys = {"allowed", "max_duration"};
constexpr std::array<std::string_view, 13> kRuleKeys = {
    "id",     "verdict",  "class",      "address", "oui",    "name",    "adapter",
    "aaguid", "verified", "not_before", "expires", "reason", "services"};

std::string join(Keys keys, std::string_view separator) {
    std::string out;
    for (const auto key : keys) {
        if (!out.empty()) {
            out += separator;
        }
        out += key;
    }
    return out;
}

bool is_adapter_name(std::string_view text) {
    if (text.size() < 4 || !text.starts_with("hci")) {
        return false;
    }
    return std::all_of(text.begin() + 3, text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Adapters are named ("hci0") or given by their own address.
std::optional<std::string> normalize_adapter(std::string_view text) {
    if (is_adapter_name(text)) {
        return std::string(text);
    }
    return normalize_address(text);
}

bool has_control_character(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte < 0x20 || byte == 0x7F;
    });
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

TimePoint to_time_point(const toml::date_time& dt) {
    const std::chrono::year_month_day date{std::chrono::year{dt.date.year},
                                           std::chrono::month{dt.date.month},
                                           std::chrono::day{dt.date.day}};
    const std::chrono::minutes offset{dt.offset ? dt.offset->minutes : 0};
    return TimePoint{std::chrono::sys_days{date}.time_since_epoch() +
                     std::chrono::hours{dt.time.hour} + std::chrono::minutes{dt.time.minute} +
                     std::chrono::seconds{dt.time.second} - offset};
}

/// Reads typed values out of toml++ tables and records every problem with its position.
/// Each accessor returns nullopt both for "absent" and for "present but invalid"; the error,
/// if any, has been recorded by then, so callers only decide what absence means.
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

    /// Reports every key of `table` that is not in `allowed`, at the key itself.
    void only_keys(const toml::table& table, std::string_view where, Keys allowed) {
        for (const auto& [key, value] : table) {
            if (std::find(allowed.begin(), allowed.end(), key.str()) == allowed.end()) {
                error(key.source(), "unknown key '" + std::string(key.str()) + "' in " +
                                        std::string(where) +
                                        " (expected one of: " + join(allowed, ", ") + ")");
            }
        }
    }

    /// A table-valued top-level key such as [fido]; nullptr when absent or not a table.
    const toml::table* section(const toml::table& root, std::string_view key) {
        const toml::node* node = root.get(key);
        if (node == nullptr) {
            return nullptr;
        }
        if (!node->is_table()) {
            error(*node, std::string(key) + " must be a table: [" + std::string(key) + "], not " +
                             type_name(*node));
            return nullptr;
        }
        return node->as_table();
    }

    std::optional<std::string> string(const toml::table& table, std::string_view key,
                                      std::string_view where) {
        const toml::node* node = table.get(key);
        if (node == nullptr) {
            return std::nullopt;
        }
        if (!node->is_string()) {
            error(*node, name(where, key) + " must be a string, not " + type_name(*node));
            return std::nullopt;
        }
        return node->as_string()->get();
    }

    /// A string that must be one of `choices`.
    std::optional<std::string> choice(const toml::table& table, std::string_view key,
                                      std::string_view where, Choices choices) {
        auto value = string(table, key, where);
        if (!value) {
            return std::nullopt;
        }
        if (std::find(choices.begin(), choices.end(), *value) == choices.end()) {
            error(*table.get(key), name(where, key) + " must be one of \"" +
                                       join(Keys(choices.begin(), choices.size()), "\", \"") +
                                       "\", not \"" + *value + "\"");
            return std::nullopt;
        }
        return value;
    }

    std::optional<bool> boolean(const toml::table& table, std::string_view key,
                                std::string_view where) {
        const toml::node* node = table.get(key);
        if (node == nullptr) {
            return std::nullopt;
        }
        if (!node->is_boolean()) {
            error(*node, name(where, key) + " must be true or false, not " + type_name(*node));
            return std::nullopt;
        }
        return node->as_boolean()->get();
    }

    std::optional<std::int64_t> integer(const toml::table& table, std::string_view key,
                                        std::string_view where) {
        const toml::node* node = table.get(key);
        if (node == nullptr) {
            return std::nullopt;
        }
        if (!node->is_integer()) {
            error(*node, name(where, key) + " must be an integer, not " + type_name(*node));
            return std::nullopt;
        }
        return node->as_integer()->get();
    }

    /// An array of strings, each normalised by `normalize` (nullopt = invalid, reported as
    /// "not <what>"). Invalid elements are reported at their own position and left out.
    /// With `allow_empty` false, `key = []` is an error: in a rule an empty matcher list would
    /// silently mean "any", the opposite of what whoever wrote it probably meant.
    template <typename Normalize>
    std::vector<std::string> string_list(const toml::table& table, std::string_view key,
                                         std::string_view where, std::string_view what,
                                         bool allow_empty, Normalize normalize) {
        std::vector<std::string> out;
        const toml::node* node = table.get(key);
        if (node == nullptr) {
            return out;
        }
        const toml::array* array = node->as_array();
        if (array == nullptr) {
            error(*node, name(where, key) + " must be an array of strings, not " +
                             type_name(*node) + " (write " + std::string(key) + " = [...])");
            return out;
        }
        if (array->empty() && !allow_empty) {
            error(*node, name(where, key) + " is empty; leave the key out to match any " +
                             std::string(key));
            return out;
        }
        for (const toml::node& element : *array) {
            if (!element.is_string()) {
                error(element,
                      name(where, key) + " must contain strings, not " + type_name(element));
                continue;
            }
            const std::string& text = element.as_string()->get();
            if (auto normalized = normalize(text)) {
                if (std::find(out.begin(), out.end(), *normalized) == out.end()) {
                    out.push_back(std::move(*normalized));
                }
            } else {
                error(element, "not " + std::string(what) + ": \"" + text + "\"");
            }
        }
        return out;
    }

    /// An instant: a TOML offset date-time or an RFC 3339 string. Local date-times are
    /// refused: they would name different instants on laptops in different time zones.
    std::optional<TimePoint> instant(const toml::table& table, std::string_view key,
                                     std::string_view where) {
        const toml::node* node = table.get(key);
        if (node == nullptr) {
            return std::nullopt;
        }
        const std::string what = name(where, key);
        const std::string needs_offset =
            what +
            " needs a UTC offset ('Z' or e.g. '+01:00'): a local time means different instants "
            "on different laptops";
        if (const auto* value = node->as_date_time()) {
            if (!value->get().offset) {
                error(*node, needs_offset);
                return std::nullopt;
            }
            return to_time_point(value->get());
        }
        if (const auto* text = node->as_string()) {
            if (auto parsed = parse_rfc3339(text->get())) {
                return parsed;
            }
            if (parse_rfc3339(text->get() + "Z")) {
                error(*node, needs_offset);
            } else {
                error(*node,
                      what + " is not an RFC 3339 date-time with offset: \"" + text->get() + "\"");
            }
            return std::nullopt;
        }
        error(*node, what + " must be a date-time with offset (e.g. 2026-12-01T00:00:00Z), not " +
                         type_name(*node));
        return std::nullopt;
    }

    std::vector<PolicyError> take_errors() { return std::move(errors_); }
    [[nodiscard]] bool ok() const { return errors_.empty(); }

  private:
    static std::string name(std::string_view where, std::string_view key) {
        return std::string(where) + "." + std::string(key);
    }

    std::string source_;
    std::vector<PolicyError> errors_;
};

void read_policy_table(Validator& v, const toml::table& root, Policy& policy) {
    if (root.get("policy") == nullptr) {
        v.error(toml::source_region{{1, 1}, {1, 1}, nullptr},
                "missing [policy] table (with at least version = 1)");
        return;
    }
    const toml::table* table = v.section(root, "policy");
    if (table == nullptr) {
        return;
    }
    v.only_keys(*table, "[policy]", kPolicyKeys);
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
    // Empty is meaningful here: "manage every adapter".
    policy.adapters =
        v.string_list(*table, "adapters", "policy", "an adapter name (hciN) or address",
                      /*allow_empty=*/true, normalize_adapter);
}

void read_fido_table(Validator& v, const toml::table& root, Policy& policy) {
    const toml::table* table = v.section(root, "fido");
    if (table == nullptr) {
        return;
    }
    v.only_keys(*table, "[fido]", kFidoKeys);
    if (auto verify = v.boolean(*table, "verify", "fido")) {
        policy.fido.verify = *verify;
    }
    if (auto timeout = v.integer(*table, "probe_timeout_ms", "fido")) {
        if (*timeout < kMinProbeTimeoutMs || *timeout > kMaxProbeTimeoutMs) {
            v.error(*table->get("probe_timeout_ms"),
                    "fido.probe_timeout_ms must be between " + std::to_string(kMinProbeTimeoutMs) +
                        " and " + std::to_string(kMaxProbeTimeoutMs) + ", not " +
                        std::to_string(*timeout));
        } else {
            policy.fido.probe_timeout = std::chrono::milliseconds{*timeout};
        }
    }
    if (auto text = v.string(*table, "spoof_block", "fido")) {
        // "0" (forget at once) or a duration as exemptions write it (exemption.hpp).
        const auto duration =
            *text == "0" ? std::optional(std::chrono::seconds{0}) : parse_duration(*text);
        if (!duration || *duration > kMaxSpoofBlock) {
            v.error(*table->get("spoof_block"),
                    "fido.spoof_block must be a duration such as \"24h\", \"30m\" or \"7d\" "
                    "(at most 365d), or \"0\" to forget suspected spoofs at once, not \"" +
                        *text + "\"");
        } else {
            policy.fido.spoof_block = *duration;
        }
    }
}

void read_bluez_table(Validator& v, const toml::table& root, Policy& policy) {
    const toml::table* table = v.section(root, "bluez");
    if (table == nullptr) {
        return;
    }
    v.only_keys(*table, "[bluez]", kBluezKeys);
    if (auto mode = v.choice(*table, "service_allowlist", "bluez", {"auto", "off"})) {
        policy.bluez.service_allowlist =
            *mode == "off" ? ServiceAllowlistMode::Off : ServiceAllowlistMode::Auto;
    }
    policy.bluez.extra_services =
        v.string_list(*table, "extra_services", "bluez", "a service UUID (16-, 32- or 128-bit)",
                      /*allow_empty=*/true, normalize_uuid);
}

void read_exemptions_table(Validator& v, const toml::table& root, Policy& policy) {
    const toml::table* table = v.section(root, "exemptions");
    if (table == nullptr) {
        return;
    }
    v.only_keys(*table, "[exemptions]", kExemptionsKeys);
    if (auto allowed = v.boolean(*table, "allowed", "exemptions")) {
        policy.exemptions.allowed = *allowed;
    }
    if (auto text = v.string(*table, "max_duration", "exemptions")) {
        const auto duration = parse_duration(*text);
        if (!duration) {
            v.error(*table->get("max_duration"),
                    "exemptions.max_duration is not a duration (e.g. \"8h\", \"90m\", "
                    "\"1d\"): \"" +
                        *text + "\"");
        } else if (*duration < kMinExemptionMax || *duration > kMaxExemptionMax) {
            v.error(*table->get("max_duration"),
                    "exemptions.max_duration must be between 1m and 30d, not " +
                        format_duration(*duration));
        } else {
            policy.exemptions.max_duration = *duration;
        }
    }
}

/// Rule ids seen so far, with the line of their first use (for the duplicate message).
using SeenIds = std::map<std::string, int, std::less<>>;

// Ids the daemon puts in rule.id for decisions no rule made (decision.hpp, and btfenced's
// fail-closed overrides and non-decision events): a rule may not take one of them.
bool is_reserved_rule_id(std::string_view id) {
    static constexpr std::array<std::string_view, 10> kReserved = {kDefaultRuleId,
                                                                   kUnmanagedRuleId,
                                                                   kMalformedRuleId,
                                                                   kVerificationFailedRuleId,
                                                                   kVerificationInconclusiveRuleId,
                                                                   kVerificationPendingRuleId,
                                                                   "unknown-device",
                                                                   "bluez-not-loaded",
                                                                   "none",
                                                                   "suspected-spoof"};
    return std::find(kReserved.begin(), kReserved.end(), id) != kReserved.end();
}

void read_rule_id(Validator& v, const toml::table& table, SeenIds& seen, Rule& rule) {
    if (table.get("id") == nullptr) {
        v.error(table, "[[rule]] needs an id");
        return;
    }
    auto id = v.string(table, "id", "rule");
    if (!id) {
        return;
    }
    const toml::node& node = *table.get("id");
    if (id->empty()) {
        v.error(node, "rule.id must not be empty");
    } else if (is_reserved_rule_id(*id)) {
        v.error(node,
                "rule.id \"" + *id + "\" is reserved: events use it for decisions no rule made");
    } else if (id->starts_with(kExemptionRulePrefix)) {
        v.error(node, "rule.id must not start with \"" + std::string(kExemptionRulePrefix) +
                          "\": events name runtime exemptions that way");
    } else if (has_control_character(*id)) {
        v.error(node, "rule.id must not contain control characters");
    } else if (const auto [first, inserted] = seen.emplace(*id, rule.line); !inserted) {
        v.error(node, "duplicate rule id \"" + *id + "\" (first used by the rule on line " +
                          std::to_string(first->second) + ")");
    }
    rule.id = std::move(*id);
}

void read_rule(Validator& v, const toml::table& table, SeenIds& seen, Policy& policy) {
    Rule rule;
    rule.line = static_cast<int>(table.source().begin.line);
    v.only_keys(table, "[[rule]]", kRuleKeys);
    read_rule_id(v, table, seen, rule);

    const std::string where = "rule";
    if (table.get("verdict") == nullptr) {
        v.error(table, "[[rule]] needs a verdict (\"allow\" or \"deny\")");
    } else if (auto verdict = v.choice(table, "verdict", where, {"allow", "deny"})) {
        rule.verdict = *verdict == "allow" ? Verdict::Allow : Verdict::Deny;
    }

    const auto known_class = [](std::string_view text) -> std::optional<std::string> {
        if (device_class_from_string(text)) {
            return std::string(text);
        }
        return std::nullopt;
    };
    for (const auto& cls : v.string_list(table, "class", where,
                                         "a device class (\"fido-ble\", \"hybrid\", \"other\")",
                                         /*allow_empty=*/false, known_class)) {
        rule.classes.push_back(*device_class_from_string(cls));
    }
    rule.addresses =
        v.string_list(table, "address", where, "a Bluetooth address (AA:BB:CC:DD:EE:FF)",
                      /*allow_empty=*/false, normalize_address);
    rule.ouis = v.string_list(table, "oui", where, "an OUI (AA:BB:CC)", /*allow_empty=*/false,
                              normalize_oui);
    rule.adapters = v.string_list(table, "adapter", where, "an adapter name (hciN) or address",
                                  /*allow_empty=*/false, normalize_adapter);
    rule.aaguids = v.string_list(table, "aaguid", where, "an AAGUID (8-4-4-4-12 hex digits)",
                                 /*allow_empty=*/false, normalize_aaguid);
    rule.services = v.string_list(table, "services", where, "a service UUID (16-, 32- or 128-bit)",
                                  /*allow_empty=*/true, normalize_uuid);
    if (!rule.services.empty() && rule.verdict == Verdict::Deny) {
        v.error(*table.get("services"),
                "rule.services grants services to the devices a rule allows; a deny rule "
                "grants nothing");
    }
    if (auto name = v.string(table, "name", where)) {
        if (name->empty()) {
            v.error(*table.get("name"),
                    "rule.name must not be empty (leave it out to match any name)");
        } else {
            rule.name_glob = *name;
        }
    }
    rule.verified = v.boolean(table, "verified", where);
    // An AAGUID is only known once the CTAP probe passed, so the two contradict each other.
    if (rule.verified == false && table.get("aaguid") != nullptr) {
        v.error(*table.get("verified"),
                "rule.aaguid only matches verified devices; with verified = false this rule "
                "can never match");
    }
    rule.not_before = v.instant(table, "not_before", where);
    rule.expires = v.instant(table, "expires", where);
    if (rule.not_before && rule.expires && *rule.expires <= *rule.not_before) {
        v.error(*table.get("expires"), "rule.expires (" + format_rfc3339(*rule.expires) +
                                           ") must be after rule.not_before (" +
                                           format_rfc3339(*rule.not_before) + ")");
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
        v.error(*node, "rules are written as [[rule]] tables, not " + type_name(*node));
        return;
    }
    SeenIds seen;
    for (const toml::node& element : *array) {
        if (const toml::table* table = element.as_table()) {
            read_rule(v, *table, seen, policy);
        } else {
            v.error(element, "rules are written as [[rule]] tables, not " + type_name(element));
        }
    }
}

}  // namespace

std::string PolicyError::to_string() const {
    if (line <= 0) {  // nothing to point at (the file could not be read, or is not safe)
        return source + ": " + message;
    }
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
    v.only_keys(root, "the policy file", kTopLevelKeys);
    Policy policy;
    read_policy_table(v, root, policy);
    read_fido_table(v, root, policy);
    read_bluez_table(v, root, policy);
    read_exemptions_table(v, root, policy);
    read_rules(v, root, policy);
    if (!v.ok()) {
        // toml++ keeps keys sorted, not in file order; admins read errors top to bottom.
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
