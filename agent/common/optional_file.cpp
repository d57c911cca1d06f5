#include "optional_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace btfence {

OptionalFile read_optional_file(const std::filesystem::path& path, std::size_t max_bytes) {
    OptionalFile file;
    std::error_code error;
    const auto status = std::filesystem::status(path, error);
    if (status.type() == std::filesystem::file_type::not_found) {
        return file;
    }
    if (error) {
        file.error = error.message();
        return file;
    }
    if (status.type() != std::filesystem::file_type::regular) {
        file.error = "not a regular file";
        return file;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        file.error = std::strerror(errno);
        return file;
    }
    std::string text(max_bytes, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    file.text = std::move(text);
    return file;
}

}  // namespace btfence
