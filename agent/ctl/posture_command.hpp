#pragma once
// `btfencectl posture [--config-dir DIR] [--json]`: the settings of bluetoothd that reopen what
// btfence closes, each with what it reopens; the same findings btfenced audits as its
// `posture` event (agent/common/bluez_posture.hpp). Offline: reads the files only, so whether
// bluetoothd has the admin plugin is not reported here (btfenced's event says it).
#include <string>

namespace btfence::ctl {

struct PostureOptions {
    std::string config_dir = "/etc/bluetooth";
    bool json = false;
};

/// Prints the findings (a table, or one JSON object). Exit 0 when nothing is rated above low,
/// 1 when a setting is rated medium or high.
int run_posture(const PostureOptions& options);

}  // namespace btfence::ctl
