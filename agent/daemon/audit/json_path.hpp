#pragma once
// Places a value at a dotted path ("btfence.device.address") in a JSON object, creating the
// objects on the way: how the ECS and OCSF serializers turn the flat field table of event.hpp
// into nested JSON.
#include <nlohmann/json.hpp>
#include <string_view>

namespace btfence::audit {

inline void set_path(nlohmann::ordered_json& root, std::string_view path,
                     nlohmann::ordered_json value) {
    nlohmann::ordered_json* node = &root;
    std::size_t start = 0;
    for (std::size_t dot = path.find('.'); dot != std::string_view::npos;
         dot = path.find('.', start)) {
        node = &(*node)[std::string(path.substr(start, dot - start))];
        start = dot + 1;
    }
    (*node)[std::string(path.substr(start))] = std::move(value);
}

}  // namespace btfence::audit
