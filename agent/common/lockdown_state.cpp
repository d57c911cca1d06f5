#include "lockdown_state.hpp"

#include "optional_file.hpp"
#include "profile_lockdown.hpp"

namespace btfence::lockdown {
namespace {

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
    const auto local = read_optional_file(under_root(kDbusLocalConfPath));
    state.dbus =
        configured(local.text && includes_dbus_lockdown(*local.text), !local.error.empty());
    const auto drop_in = read_optional_file(under_root(kDropInPath));
    state.profiles =
        configured(drop_in.text && drop_in.text->find("--noplugin=") != std::string::npos,
                   !drop_in.error.empty());
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
