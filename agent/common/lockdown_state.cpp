#include "lockdown_state.hpp"

#include <fstream>
#include <optional>
#include <sstream>

#include "profile_lockdown.hpp"

namespace btfence::lockdown {
namespace {

// The file's text; nullopt when it does not exist. Throws nothing: an unreadable file is
// reported as such, never as "not configured".
std::optional<std::string> read_text(const std::filesystem::path& path, bool& unreadable) {
    std::error_code error;
    if (!std::filesystem::exists(path, error)) {
        unreadable = static_cast<bool>(error);
        return std::nullopt;
    }
    std::ifstream in(path);
    if (!std::filesystem::is_regular_file(path, error) || !in) {
        unreadable = true;
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string without_comments(std::string_view xml) {
    std::string out;
    while (!xml.empty()) {
        const auto open = xml.find("<!--");
        out.append(xml.substr(0, open));
        if (open == std::string_view::npos) {
            break;
        }
        const auto close = xml.find("-->", open + 4);
        if (close == std::string_view::npos) {
            break;  // an unterminated comment hides the rest, as for dbus-daemon's parser
        }
        xml.remove_prefix(close + 3);
    }
    return out;
}

std::string_view trimmed(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

Configured configured(bool yes, bool unreadable) {
    if (unreadable) {
        return Configured::Unreadable;
    }
    return yes ? Configured::Yes : Configured::No;
}

}  // namespace

bool includes_dbus_lockdown(std::string_view busconfig) {
    const std::string text = without_comments(busconfig);
    std::string_view rest = text;
    for (auto start = rest.find("<include"); start != std::string_view::npos;
         start = rest.find("<include")) {
        rest.remove_prefix(start);
        const auto tag_end = rest.find('>');
        const auto close = rest.find("</include>");
        if (tag_end == std::string_view::npos || close == std::string_view::npos ||
            close < tag_end) {
            return false;
        }
        if (trimmed(rest.substr(tag_end + 1, close - tag_end - 1)) == kDbusLockdownPath) {
            return true;
        }
        rest.remove_prefix(close);
    }
    return false;
}

LockdownState read_lockdown_state(const std::filesystem::path& root) {
    LockdownState state;
    const auto under_root = [&root](std::string_view absolute) {
        return root / std::filesystem::path(absolute).relative_path();
    };
    bool unreadable = false;
    const auto local = read_text(under_root(kDbusLocalConfPath), unreadable);
    state.dbus = configured(local && includes_dbus_lockdown(*local), unreadable);
    unreadable = false;
    const auto drop_in = read_text(under_root(kDropInPath), unreadable);
    state.profiles =
        configured(drop_in && drop_in->find("--noplugin=") != std::string::npos, unreadable);
    return state;
}

std::string_view to_string(Configured configured) {
    switch (configured) {
        case Configured::Yes:
            return "configured";
        case Configured::Unreadable:
            return "unreadable";
        case Configured::No:
            break;
    }
    return "not-configured";
}

}  // namespace btfence::lockdown
