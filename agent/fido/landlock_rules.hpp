#pragma once
// Landlock for the probe (layer 3 of sandbox.hpp): deny-by-default file system access with
// read-only exceptions, no TCP, and (ABI 6, Linux 6.12) no signal or abstract-socket
// connection out of the probe's domain. Written against Debian 12's linux/landlock.h (ABI 2);
// the later access bits are stable kernel ABI and defined in landlock_rules.cpp.
#include <string>
#include <vector>

namespace btfence::fido {

struct LandlockOutcome {
    int abi = 0;        ///< the ABI whose rights are in force; 0 = none
    std::string issue;  ///< why Landlock is not (fully) in force; "" when complete
};

/// Restricts this thread (and what it creates later) for good. Needs PR_SET_NO_NEW_PRIVS.
/// Never throws: a kernel without Landlock, or one whose Landlock is older than ABI 6, is
/// described in `issue`.
LandlockOutcome restrict_with_landlock(const std::vector<std::string>& readable_directories);

}  // namespace btfence::fido
