#pragma once
// bluetoothd's own posture: the settings in /etc/bluetooth that reopen what btfence closes
// (or that btfence cannot close), each named with what it reopens. Used by btfenced (the
// `posture` audit event, at start and whenever /etc/bluetooth changes) and by
// `btfencectl posture`: one function, so that both say the same.
//
// Names, sections and defaults are bluez 5.66's (src/main.c parse_config, profiles/input/
// manager.c input_init), with the differences of later releases that an admin meets on
// Debian 12 noted where they change the answer (ClassicBondedOnly's default, SecureConnections
// from 5.67). Pure: file contents in, findings out.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace btfence::bluez_config {

enum class Severity { High, Medium, Low, Info };
std::string_view to_string(Severity severity);  ///< "high" | "medium" | "low" | "info"

struct PostureFinding {
    std::string file;       ///< "main.conf", "input.conf", or "bluetoothd"
    std::string section;    ///< "General", "GATT", ...; "" for file-level findings
    std::string key;        ///< "JustWorksRepairing", ...; "" for file-level findings
    std::string value;      ///< as written, or "(unset)"
    std::string effective;  ///< what bluetoothd uses
    Severity severity = Severity::Info;
    std::string risk;    ///< what it reopens
    std::string advice;  ///< what to set instead

    /// "main.conf [General] JustWorksRepairing" (or just the file for file-level findings).
    [[nodiscard]] std::string setting() const;
    bool operator==(const PostureFinding&) const = default;
};

struct PostureSources {
    std::optional<std::string> main_conf;   ///< nullopt: the file does not exist
    std::optional<std::string> input_conf;  ///< nullopt: the file does not exist
    /// Whether bluetoothd exports org.bluez.AdminPolicySet1 (the admin plugin); nullopt when
    /// nobody could tell (bluetoothd not running, or not asked).
    std::optional<bool> admin_policy;
    /// Files that exist but could not be read ("main.conf: Permission denied"): the posture is
    /// then unknown, which is a finding of its own.
    std::vector<std::string> read_errors;
};

/// Every risky setting (and the informational ones), most severe first, then in file order.
std::vector<PostureFinding> assess_posture(const PostureSources& sources);

/// One line for an event's reason: "2 high, 1 low: input.conf [General] ClassicBondedOnly=false,
/// ..." or "no risky setting".
std::string summarize(const std::vector<PostureFinding>& findings);

/// Reads main.conf and input.conf from `directory` (normally /etc/bluetooth); admin_policy
/// stays unknown.
PostureSources read_posture_files(const std::string& directory);

}  // namespace btfence::bluez_config
