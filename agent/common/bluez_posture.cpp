#include "bluez_posture.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <sstream>

#include "bluez_key_file.hpp"
#include "optional_file.hpp"

namespace btfence::bluez_config {
namespace {

constexpr const char* kMainConf = "main.conf";
constexpr const char* kInputConf = "input.conf";
constexpr const char* kUnset = "(unset)";
constexpr std::size_t kMaxFileBytes = std::size_t{1} << 20U;  // bluetoothd's files are tiny
constexpr int kMinKeySize = 7;
constexpr int kMaxKeySize = 16;

// A parsed file, or an empty one when absent or rejected (bluetoothd then uses defaults).
struct Loaded {
    KeyFile file;
    bool present = false;
};

class Assessment {
  public:
    Loaded load(const char* name, const std::optional<std::string>& text) {
        Loaded loaded;
        if (!text) {
            return loaded;
        }
        auto parsed = parse_key_file(*text);
        if (auto* error = std::get_if<KeyFileError>(&parsed)) {
            add({name, "", "", "line " + std::to_string(error->line) + ": " + error->message,
                 "every option at its default", Severity::Medium,
                 "bluetoothd cannot parse the file and ignores all of it: whatever it sets "
                 "(e.g. ClassicBondedOnly=true) is not in force",
                 "fix the line; GLib key-file syntax"});
            return loaded;
        }
        loaded.file = std::get<KeyFile>(std::move(parsed));
        loaded.present = true;
        return loaded;
    }

    void add(PostureFinding finding) { findings_.push_back(std::move(finding)); }

    /// A value bluetoothd cannot interpret: it keeps its default, which the admin may not
    /// expect. `severity` reflects how much that default matters.
    void ignored(const char* file, const char* section, const char* key, const std::string& raw,
                 const std::string& default_text, Severity severity, const std::string& expected) {
        add({file, section, key, raw, default_text + " (the value is ignored)", severity,
             "bluetoothd does not understand the value and keeps its default",
             "write " + expected});
    }

    std::vector<PostureFinding> take() {
        std::stable_sort(findings_.begin(), findings_.end(),
                         [](const PostureFinding& a, const PostureFinding& b) {
                             return static_cast<int>(a.severity) < static_cast<int>(b.severity);
                         });
        return std::move(findings_);
    }

  private:
    std::vector<PostureFinding> findings_;
};

std::optional<bool> read_boolean(Assessment& out, const KeyFile& file, const char* name,
                                 const char* section, const char* key, bool default_value,
                                 Severity ignored_severity) {
    const auto raw = file.raw(section, key);
    if (!raw) {
        return std::nullopt;
    }
    const auto value = as_boolean(*raw);
    if (!value) {
        out.ignored(name, section, key, *raw, default_value ? "true" : "false", ignored_severity,
                    "true or false (lower case)");
    }
    return value;
}

void assess_main_conf(Assessment& out, const KeyFile& file) {
    if (read_boolean(out, file, kMainConf, "General", "AlwaysPairable", false, Severity::Low)
            .value_or(false)) {
        out.add({kMainConf, "General", "AlwaysPairable", "true", "true", Severity::High,
                 "bluetoothd stays bondable with no agent at all: while btfenced is stopped or "
                 "has lost the default agent, a remote device pairs with Just Works and nobody "
                 "is asked (btfence's 'no agent, no pairing' fail-safe is gone)",
                 "AlwaysPairable = false"});
    }

    if (const auto raw = file.raw("General", "JustWorksRepairing")) {
        const auto text = as_string(*raw);
        if (text == "always") {
            out.add({kMainConf, "General", "JustWorksRepairing", *raw, "always", Severity::High,
                     "a device that claims the address of a bonded one re-pairs with Just Works "
                     "and no agent is asked: an impersonator replaces an allowed key's bond "
                     "without the pairing gate seeing it",
                     "JustWorksRepairing = never"});
        } else if (text == "confirm") {
            out.add({kMainConf, "General", "JustWorksRepairing", *raw, "confirm", Severity::Medium,
                     "re-pairing of a bonded device is asked as a Just Works confirmation: the "
                     "gate decides on the claimed identity (its address), which an impersonator "
                     "copies, and the new key replaces the old bond",
                     "JustWorksRepairing = never"});
        } else if (text != "never") {
            out.ignored(kMainConf, "General", "JustWorksRepairing", *raw, "never", Severity::Info,
                        "never, confirm or always");
        }
    }

    if (read_boolean(out, file, kMainConf, "General", "DebugKeys", false, Severity::Low)
            .value_or(false)) {
        out.add({kMainConf, "General", "DebugKeys", "true", "true", Severity::Medium,
                 "link keys made in SSP debug mode (whose private key is published) are kept: "
                 "anyone who recorded such a pairing can decrypt that device's traffic",
                 "DebugKeys = false"});
    }

    if (const auto raw = file.raw("General", "SecureConnections")) {
        const auto text = as_string(*raw);
        if (text == "off") {
            out.add({kMainConf, "General", "SecureConnections", *raw, "off (bluez >= 5.67)",
                     Severity::Medium,
                     "only legacy pairing: LE legacy pairing is broken by a passive listener "
                     "(its short TK is brute-forced, e.g. crackle) and BR/EDR falls back to "
                     "P-192 without Secure Connections. bluez 5.66 ignores the key and keeps "
                     "Secure Connections on; 5.67 and later honour it",
                     "SecureConnections = on (or only)"});
        } else if (text != "on" && text != "only") {
            out.ignored(kMainConf, "General", "SecureConnections", *raw, "on", Severity::Info,
                        "off, on or only");
        }
    }

    const auto key_size_raw = file.raw("GATT", "KeySize");
    int key_size = 0;
    if (key_size_raw) {
        const auto value = as_integer(*key_size_raw);
        if (value && (*value == 0 || (*value >= kMinKeySize && *value <= kMaxKeySize))) {
            key_size = *value;
        } else {
            out.ignored(kMainConf, "GATT", "KeySize", *key_size_raw, "0", Severity::Info,
                        "0 or 7 to 16");
        }
    }
    if (key_size < kMaxKeySize) {
        out.add({kMainConf, "GATT", "KeySize", key_size_raw.value_or(kUnset),
                 key_size == 0 ? "0 (no minimum)" : std::to_string(key_size), Severity::Low,
                 "secured GATT attributes are served over links encrypted with keys shorter "
                 "than 16 bytes: a key-size downgrade (KNOB, CVE-2019-9506) weakens them",
                 "KeySize = 16"});
    }

    if (const auto raw = file.raw("General", "ControllerMode")) {
        const auto text = as_string(*raw);
        if (text == "le") {
            out.add({kMainConf, "General", "ControllerMode", *raw, "le", Severity::Info,
                     "BR/EDR is off: classic HID (CVE-2023-45866), audio, PAN and OBEX cannot "
                     "reach this machine at all",
                     ""});
        } else if (text == "bredr") {
            out.add({kMainConf, "General", "ControllerMode", *raw, "bredr", Severity::Info,
                     "LE is off: FIDO BLE keys cannot connect; only classic devices can",
                     "ControllerMode = le (or dual)"});
        }
    }
}

void assess_input_conf(Assessment& out, const KeyFile& file) {
    const auto bonded_only = read_boolean(out, file, kInputConf, "General", "ClassicBondedOnly",
                                          false, Severity::Medium);
    if (bonded_only == std::optional<bool>{false}) {
        out.add({kInputConf, "General", "ClassicBondedOnly", "false", "false", Severity::High,
                 "classic HID connections are accepted from devices that never bonded: a "
                 "device in radio range injects keystrokes without pairing (CVE-2023-45866)",
                 "ClassicBondedOnly = true"});
    } else if (!file.raw("General", "ClassicBondedOnly")) {
        out.add({kInputConf, "General", "ClassicBondedOnly", kUnset,
                 "bluetoothd's built-in default", Severity::Low,
                 "the default is true from bluez 5.71 and in Debian's 5.66-1+deb12u1 and later, "
                 "but false in earlier builds, which accept unbonded classic HID "
                 "(CVE-2023-45866)",
                 "ClassicBondedOnly = true, written out"});
    }
    if (read_boolean(out, file, kInputConf, "General", "UserspaceHID", false, Severity::Info)
            .value_or(false)) {
        out.add({kInputConf, "General", "UserspaceHID", "true", "true", Severity::Info,
                 "classic HID is handled by bluetoothd through uhid instead of the kernel's "
                 "HIDP: input devices appear under uhid, which is where to look for them",
                 ""});
    }
}

void assess_admin_plugin(Assessment& out, std::optional<bool> admin_policy) {
    if (!admin_policy) {
        return;
    }
    if (*admin_policy) {
        out.add({"bluetoothd", "", "", "AdminPolicySet1 present", "admin plugin loaded",
                 Severity::Info,
                 "btfenced applies its service allowlist through AdminPolicySet1 (layer 4)", ""});
    } else {
        out.add({"bluetoothd", "", "", "no AdminPolicySet1", "no admin plugin", Severity::Info,
                 "profiles (HID, audio, PAN) cannot be blocked at run time; only bluetoothd's "
                 "plugins can be left out at start",
                 "install the drop-in printed by `btfencectl lockdown`"});
    }
}

std::string read_errors_text(const std::vector<std::string>& errors) {
    std::string text;
    for (const auto& error : errors) {
        text += (text.empty() ? "" : "; ") + error;
    }
    return text;
}

}  // namespace

std::string_view to_string(Severity severity) {
    switch (severity) {
        case Severity::High:
            return "high";
        case Severity::Medium:
            return "medium";
        case Severity::Low:
            return "low";
        case Severity::Info:
            return "info";
    }
    return "info";
}

std::string PostureFinding::setting() const {
    if (key.empty()) {
        return file;
    }
    return file + " [" + section + "] " + key;
}

std::vector<PostureFinding> assess_posture(const PostureSources& sources) {
    Assessment out;
    if (!sources.read_errors.empty()) {
        out.add({"/etc/bluetooth", "", "", read_errors_text(sources.read_errors), "unknown",
                 Severity::Medium,
                 "btfenced cannot read bluetoothd's configuration, so it cannot tell which of "
                 "the settings below are in force",
                 "make main.conf and input.conf readable (0644)"});
    }
    const Loaded main_conf = out.load(kMainConf, sources.main_conf);
    assess_main_conf(out, main_conf.file);
    const Loaded input_conf = out.load(kInputConf, sources.input_conf);
    assess_input_conf(out, input_conf.file);
    assess_admin_plugin(out, sources.admin_policy);
    return out.take();
}

std::string summarize(const std::vector<PostureFinding>& findings) {
    std::array<int, 3> counts{};
    std::string list;
    for (const auto& finding : findings) {
        if (finding.severity == Severity::Info) {
            continue;
        }
        ++counts.at(static_cast<std::size_t>(finding.severity));
        list += (list.empty() ? "" : ", ") + finding.setting() + "=" + finding.value;
    }
    if (list.empty()) {
        return "no risky setting";
    }
    std::string text;
    const std::array<Severity, 3> order = {Severity::High, Severity::Medium, Severity::Low};
    for (const auto severity : order) {
        const int count = counts.at(static_cast<std::size_t>(severity));
        if (count > 0) {
            text += (text.empty() ? "" : ", ") + std::to_string(count) + " " +
                    std::string(to_string(severity));
        }
    }
    return text + ": " + list;
}

PostureSources read_posture_files(const std::string& directory) {
    PostureSources sources;
    const auto read = [&](const char* name) -> std::optional<std::string> {
        auto file = read_optional_file(std::filesystem::path(directory) / name, kMaxFileBytes);
        if (!file.error.empty()) {
            sources.read_errors.push_back(std::string(name) + ": " + file.error);
        }
        return std::move(file.text);
    };
    sources.main_conf = read(kMainConf);
    sources.input_conf = read(kInputConf);
    return sources;
}

}  // namespace btfence::bluez_config
