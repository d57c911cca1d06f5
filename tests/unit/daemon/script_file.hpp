#pragma once
// An executable shell script in the temporary directory, removed with the object: a stand-in
// for btfence-probe in the daemon's unit tests.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace btfence::testing {

class ScriptFile {
  public:
    explicit ScriptFile(const std::string& body)
        : path_(std::filesystem::temp_directory_path() /
                ("btfence-probe-" + std::to_string(getpid()) + "-" + std::to_string(counter_++) +
                 ".sh")) {
        std::ofstream(path_) << "#!/bin/sh\n" << body << "\n";
        chmod(path_.c_str(), 0700);
    }
    ~ScriptFile() { std::filesystem::remove(path_); }
    ScriptFile(const ScriptFile&) = delete;
    ScriptFile& operator=(const ScriptFile&) = delete;
    [[nodiscard]] std::string path() const { return path_.string(); }

  private:
    static inline int counter_ = 0;
    std::filesystem::path path_;
};

}  // namespace btfence::testing
