#pragma once
// Whether the two opt-in lockdowns of the admin guide are configured on this machine, for
// `Status` (docs/control-plane.md): the org.bluez D-Bus lockdown (an <include> of
// /usr/share/btfence/org.bluez-btfence-lockdown.conf in /etc/dbus-1/system-local.conf) and the
// profile lockdown (`btfencectl lockdown`'s bluetooth.service drop-in).
//
// "Configured" is what the files say, not what the running dbus-daemon and bluetoothd do: the
// first applies at `systemctl reload dbus`, the second at the next start of bluetoothd, and
// btfenced's sandbox (ProtectProc=invisible) cannot read bluetoothd's command line. A fleet
// tool that needs the effect checks it as the admin guide shows.
#include <filesystem>
#include <string>
#include <string_view>

namespace btfence::lockdown {

/// Where the package installs the D-Bus lockdown, and the one file that may include it so
/// that it is read after bluez's bluetooth.conf (admin guide, "Enable it").
inline constexpr std::string_view kDbusLockdownPath =
    "/usr/share/btfence/org.bluez-btfence-lockdown.conf";
inline constexpr std::string_view kDbusLocalConfPath = "/etc/dbus-1/system-local.conf";

enum class Configured { No, Yes, Unreadable };

struct LockdownState {
    Configured dbus = Configured::No;  ///< system-local.conf includes kDbusLockdownPath
    Configured profiles =
        Configured::No;  ///< the drop-in exists and starts bluetoothd with --noplugin
};

/// True when `busconfig` (the text of a dbus-daemon configuration file) has an <include> of
/// kDbusLockdownPath outside XML comments.
bool includes_dbus_lockdown(std::string_view busconfig);

/// Reads both files under `root` ("/" on a laptop; a directory in tests).
LockdownState read_lockdown_state(const std::filesystem::path& root);

/// "configured", "not-configured" or "unreadable": the words of Status.
std::string_view to_string(Configured configured);

}  // namespace btfence::lockdown
