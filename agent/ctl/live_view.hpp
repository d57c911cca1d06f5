#pragma once
// How btfencectl shows what btfenced answers: `--json` for machines (the D-Bus dictionaries
// with the same keys, instants as RFC 3339 strings; docs/control-plane.md is the contract),
// tables and lines for people. Pure functions of the answers and "now", so tests can pin them.
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "control_client.hpp"

namespace btfence::ctl {

/// The version of every `--json` shape btfencectl prints (the "format_version" key).
inline constexpr int kJsonFormatVersion = 1;

/// One dictionary as JSON: same keys; keys holding Unix seconds (`*_at`, `expires`,
/// `last_seen`, `next_change`) become RFC 3339 strings, or null when 0.
nlohmann::ordered_json to_json(const Dict& dict);
/// A whole answer: {"format_version": 1, KEY: ...}; `key` names a list ("devices", ...), or is
/// empty for one dictionary merged at the top level (status, reload, one exemption).
nlohmann::ordered_json json_answer(const std::string& key, const std::vector<Dict>& list);
nlohmann::ordered_json json_answer(const Dict& dict);

std::string render_status(const Dict& status);
std::string render_devices(const std::vector<Dict>& devices, std::chrono::sys_seconds now);
std::string render_explain(const std::vector<Dict>& decisions);
std::string render_exemptions(const std::vector<Dict>& exemptions, std::chrono::sys_seconds now);
std::string render_exemption(const Dict& exemption, std::chrono::sys_seconds now);
std::string render_reload(const Dict& result);

/// "2h", "1h30m", "45s": how long from now until `then` (or "ended" when past).
std::string remaining(std::int64_t then, std::chrono::sys_seconds now);

}  // namespace btfence::ctl
