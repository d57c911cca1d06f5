#pragma once
// bluetoothd's configuration files (/etc/bluetooth/main.conf, input.conf) read the way
// bluetoothd reads them: GLib's GKeyFile (GLib 2.74, Debian 12), as bluez 5.66 calls it
// (g_key_file_load_from_file, then g_key_file_get_boolean/_integer/_string per option).
// What matters for a posture report is what bluetoothd *ends up using*, so the quirks are
// kept: a file GKeyFile rejects is ignored as a whole (every option at its default); a value
// it cannot interpret is ignored (that option at its default); booleans are exactly
// true/false/1/0; the last of duplicate keys wins. Pure: text in, values out.
#include <map>
#include <optional>
#include <string>
#include <variant>

namespace btfence::bluez_config {

/// A file GKeyFile would refuse to load (bluetoothd then uses none of it).
struct KeyFileError {
    int line = 0;  ///< 1-based
    std::string message;
};

class KeyFile {
  public:
    /// The raw value of `key` in `group` (after GKeyFile's whitespace rules), if present.
    [[nodiscard]] std::optional<std::string> raw(const std::string& group,
                                                 const std::string& key) const;

    void set(const std::string& group, const std::string& key, std::string value);

  private:
    std::map<std::string, std::map<std::string, std::string>> groups_;
};

/// Parses the text of a key file.
std::variant<KeyFile, KeyFileError> parse_key_file(const std::string& text);

/// What g_key_file_get_boolean makes of a raw value: nullopt when it is not a boolean (then
/// bluetoothd keeps its default).
std::optional<bool> as_boolean(const std::string& raw);
/// g_key_file_get_integer: nullopt when not an int.
std::optional<int> as_integer(const std::string& raw);
/// g_key_file_get_string: escapes (\s \n \t \r \\) decoded; nullopt on an invalid escape.
std::optional<std::string> as_string(const std::string& raw);

}  // namespace btfence::bluez_config
