#include "bluez_key_file.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <string_view>

namespace btfence::bluez_config {
namespace {

// g_ascii_isspace: space, \t, \n, \v, \f, \r.
bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::string_view trim_left(std::string_view text) {
    while (!text.empty() && is_space(text.front())) {
        text.remove_prefix(1);
    }
    return text;
}

std::string_view trim_right(std::string_view text) {
    while (!text.empty() && is_space(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

bool has_control_character(std::string_view text) {
    for (const char c : text) {
        if (static_cast<unsigned char>(c) < 0x20U || c == 0x7F) {
            return true;
        }
    }
    return false;
}

// "[Group]" followed by nothing but whitespace; the name non-empty, without brackets or
// control characters. nullopt: not a valid group line.
std::optional<std::string> group_name(std::string_view line) {
    const auto close = line.find(']');
    if (close == std::string_view::npos || !trim_left(line.substr(close + 1)).empty()) {
        return std::nullopt;
    }
    const std::string_view name = line.substr(1, close - 1);
    if (name.empty() || name.find('[') != std::string_view::npos || has_control_character(name)) {
        return std::nullopt;
    }
    return std::string(name);
}

// GKeyFile's key names: non-empty, no '=' or ']', optionally "Key[locale]" at the very end.
bool valid_key(std::string_view key) {
    const auto special = key.find_first_of("[]");
    if (special == 0) {
        return false;
    }
    if (special == std::string_view::npos) {
        return true;
    }
    if (key[special] == ']') {
        return false;
    }
    const std::string_view locale = key.substr(special + 1);
    return locale.size() >= 2 && locale.back() == ']' &&
           locale.substr(0, locale.size() - 1).find_first_of("[]") == std::string_view::npos;
}

bool valid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        const auto byte = static_cast<unsigned char>(text[i]);
        std::size_t length = 0;
        std::uint32_t code = 0;
        if (byte < 0x80U) {
            ++i;
            continue;
        }
        if ((byte & 0xE0U) == 0xC0U) {
            length = 2;
            code = byte & 0x1FU;
        } else if ((byte & 0xF0U) == 0xE0U) {
            length = 3;
            code = byte & 0x0FU;
        } else if ((byte & 0xF8U) == 0xF0U) {
            length = 4;
            code = byte & 0x07U;
        } else {
            return false;
        }
        if (i + length > text.size()) {
            return false;
        }
        for (std::size_t k = 1; k < length; ++k) {
            const auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0U) != 0x80U) {
                return false;
            }
            code = (code << 6U) | (next & 0x3FU);
        }
        const bool overlong = (length == 2 && code < 0x80U) || (length == 3 && code < 0x800U) ||
                              (length == 4 && code < 0x10000U);
        if (overlong || code > 0x10FFFFU || (code >= 0xD800U && code <= 0xDFFFU)) {
            return false;
        }
        i += length;
    }
    return true;
}

}  // namespace

std::optional<std::string> KeyFile::raw(const std::string& group, const std::string& key) const {
    const auto g = groups_.find(group);
    if (g == groups_.end()) {
        return std::nullopt;
    }
    const auto k = g->second.find(key);
    if (k == g->second.end()) {
        return std::nullopt;
    }
    return k->second;
}

void KeyFile::set(const std::string& group, const std::string& key, std::string value) {
    groups_[group][key] = std::move(value);
}

std::variant<KeyFile, KeyFileError> parse_key_file(const std::string& text) {
    KeyFile file;
    std::optional<std::string> group;
    std::size_t start = 0;
    int line_number = 0;
    while (start <= text.size()) {
        const auto end = text.find('\n', start);
        std::string_view line(text.data() + start,
                              (end == std::string::npos ? text.size() : end) - start);
        start = end == std::string::npos ? text.size() + 1 : end + 1;
        ++line_number;
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        line = trim_left(line);
        if (line.empty() || line.front() == '#') {
            continue;
        }
        if (line.front() == '[') {
            group = group_name(line);
            if (!group) {
                return KeyFileError{line_number, "not a valid group line: " + std::string(line)};
            }
            continue;
        }
        const auto equals = line.find('=');
        if (equals == std::string_view::npos || equals == 0) {
            return KeyFileError{line_number,
                                "not a key-value pair, group or comment: " + std::string(line)};
        }
        const std::string_view key = trim_right(line.substr(0, equals));
        if (!valid_key(key)) {
            return KeyFileError{line_number, "invalid key name: " + std::string(key)};
        }
        if (!group) {
            return KeyFileError{line_number, "the file does not start with a group"};
        }
        file.set(*group, std::string(key), std::string(trim_left(line.substr(equals + 1))));
    }
    return file;
}

std::optional<bool> as_boolean(const std::string& raw) {
    const std::string_view value = trim_right(raw);
    if (value == "true" || value == "1") {
        return true;
    }
    if (value == "false" || value == "0") {
        return false;
    }
    return std::nullopt;
}

std::optional<int> as_integer(const std::string& raw) {
    if (raw.empty()) {
        return std::nullopt;
    }
    char* end = nullptr;
    errno = 0;
    const long value = std::strtol(raw.c_str(), &end, 10);  // NOLINT(*-magic-numbers)
    if (end == raw.c_str() || (*end != '\0' && !is_space(*end)) || errno == ERANGE ||
        value < INT_MIN || value > INT_MAX) {
        return std::nullopt;
    }
    return static_cast<int>(value);
}

std::optional<std::string> as_string(const std::string& raw) {
    if (!valid_utf8(raw)) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '\\') {
            out.push_back(raw[i]);
            continue;
        }
        if (++i == raw.size()) {
            return std::nullopt;
        }
        switch (raw[i]) {
            case 's':
                out.push_back(' ');
                break;
            case 'n':
                out.push_back('\n');
                break;
            case 't':
                out.push_back('\t');
                break;
            case 'r':
                out.push_back('\r');
                break;
            case '\\':
                out.push_back('\\');
                break;
            default:
                return std::nullopt;
        }
    }
    return out;
}

}  // namespace btfence::bluez_config
