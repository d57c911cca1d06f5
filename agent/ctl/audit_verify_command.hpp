#pragma once
// `btfencectl audit verify FILE...`: checks the tamper-evident chain of audit files
// (agent/daemon/audit/chain.hpp) with the host's chain key. The key is in btfenced's state
// directory, readable by btfenced's user and root only: run it as root.
#include <string>
#include <vector>

namespace btfence::ctl {

struct AuditVerifyOptions {
    std::vector<std::string> files;
    std::string state_dir = "/var/lib/btfence";  ///< audit-chain.key and the saved heads
    std::string key_path;                        ///< overrides STATE_DIR/audit-chain.key
    bool check_head = true;                      ///< compare the end with the head btfenced saved
};

/// Exit 0: the chain holds (prints a summary and any notes). 1: the first problem as
/// FILE:LINE: what. 2: no key, unreadable input.
int run_audit_verify(const AuditVerifyOptions& options);

}  // namespace btfence::ctl
