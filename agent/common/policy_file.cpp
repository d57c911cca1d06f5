#include "policy_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace btfence {
namespace {

policy::ParseResult failure(const std::string& path, std::string message) {
    policy::ParseResult result;
    result.errors.push_back(policy::PolicyError{path, 0, 0, std::move(message)});
    return result;
}

}  // namespace

std::optional<std::string> policy_file_permission_problem(const std::string& path) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) {
        return std::string("cannot stat: ") + std::strerror(errno);
    }
    if (st.st_uid != 0) {
        return "owned by uid " + std::to_string(st.st_uid) +
               ", not root: a non-root user could change the policy (chown root:root)";
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        return "writable by group or others: a non-root user could change the policy (chmod go-w)";
    }
    return std::nullopt;
}

policy::ParseResult load_policy_file(const std::string& path, bool check_permissions) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        return failure(path, std::string("cannot read the policy file: ") + std::strerror(errno));
    }
    if (check_permissions) {
        if (auto problem = policy_file_permission_problem(path)) {
            return failure(path, "refusing the policy file: " + *problem);
        }
    }
    std::ostringstream bytes;
    bytes << file.rdbuf();
    return policy::parse_policy(bytes.str(), path);
}

}  // namespace btfence
