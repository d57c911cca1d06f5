// libFuzzer target: BlueZ's Device1 properties as btfenced decodes them (agent/daemon/bluez/
// property_decoder.cpp), then classified. The values come from the radio (UUIDs, service
// data, names a device chooses) through bluetoothd; their D-Bus types are bluetoothd's to
// get right, and the decoder must survive when they are wrong.
//
// The seam is below the wire: sdbus-c++ 1.2 offers no way to build a Message from raw bytes,
// so the target builds the a{sv} dictionary itself, as sdbus::Variant values of any type,
// from a small byte language, and applies a series of updates to one device:
//   entry  := NAME TYPE VALUE          round separator: 0xFF
//   NAME   := 0..13 a known property (UUIDs, ServiceData, Name, ...) | 14+ [len] bytes
//   TYPE   := 0 s  1 b  2 as  3 a{sv} of ay  4 ay  5 n  6 u  7 o  8 v(v)  9 a{sv} of s  10 d
//   string := [len] bytes (a value sd-bus refuses, e.g. invalid UTF-8, drops the entry)
// Besides sanitizer reports it checks after every update: UUIDs are canonical, sorted and
// unique; ServiceData keys are canonical; the address is normalised; the problem list stays
// bounded (one per property, plus one per bad list element of the latest update) instead of
// growing with every malformed signal; classification gives a reason.
#include <sdbus-c++/sdbus-c++.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "bluez/property_decoder.hpp"
#include "btfence/policy/address.hpp"
#include "btfence/policy/classification.hpp"
#include "btfence/policy/uuid.hpp"

namespace {

using btfence::bluez::PropertyMap;

void require(bool condition) {
    if (!condition) {
        std::abort();
    }
}

constexpr std::array<const char*, 14> kNames = {
    "UUIDs",   "ServiceData",      "Name",   "Alias",           "AddressType",
    "Address", "Paired",           "Bonded", "Connected",       "Trusted",
    "Blocked", "ServicesResolved", "RSSI",   "ManufacturerData"};
constexpr std::size_t kMaxListElements = 16;

class Reader {
  public:
    explicit Reader(std::span<const std::uint8_t> data) : data_(data) {}
    [[nodiscard]] bool empty() const { return data_.empty(); }
    std::uint8_t byte() {
        if (data_.empty()) {
            return 0;
        }
        const std::uint8_t b = data_[0];
        data_ = data_.subspan(1);
        return b;
    }
    std::uint8_t peek() const { return data_.empty() ? 0 : data_[0]; }
    std::string string() {
        const std::size_t length = std::min<std::size_t>(byte(), data_.size());
        std::string out(reinterpret_cast<const char*>(data_.data()), length);  // NOLINT
        data_ = data_.subspan(length);
        return out;
    }
    std::vector<std::uint8_t> bytes() {
        const std::string s = string();
        return {s.begin(), s.end()};
    }

  private:
    std::span<const std::uint8_t> data_;
};

// Builds one value; counts list elements for the problem bound. Throws sdbus::Error when
// sd-bus refuses the value.
sdbus::Variant value(Reader& in, std::size_t& elements, int depth = 0) {
    switch (in.byte() % 11) {
        case 0:
            return sdbus::Variant(in.string());
        case 1:
            return sdbus::Variant(static_cast<bool>(in.byte() & 1U));
        case 2: {
            std::vector<std::string> list;
            for (std::size_t n = in.byte() % kMaxListElements; n > 0 && !in.empty(); --n) {
                list.push_back(in.string());
            }
            elements += list.size();
            return sdbus::Variant(list);
        }
        case 3:
        case 9: {
            const bool bytes = in.peek() % 2 == 0;
            std::map<std::string, sdbus::Variant> dict;
            for (std::size_t n = in.byte() % kMaxListElements; n > 0 && !in.empty(); --n) {
                std::string key = in.string();
                dict[key] = bytes ? sdbus::Variant(in.bytes()) : sdbus::Variant(in.string());
            }
            elements += dict.size();
            return sdbus::Variant(dict);
        }
        case 4:
            return sdbus::Variant(in.bytes());
        case 5: {
            const unsigned high = in.byte();
            return sdbus::Variant(static_cast<std::int16_t>(high << 8U | in.byte()));
        }
        case 6:
            return sdbus::Variant(static_cast<std::uint32_t>(in.byte()));
        case 7:
            return sdbus::Variant(sdbus::ObjectPath(in.string()));
        case 8:
            return depth < 3 ? sdbus::Variant(value(in, elements, depth + 1))
                             : sdbus::Variant(in.string());
        default:
            return sdbus::Variant(static_cast<double>(in.byte()));
    }
}

void check(const btfence::policy::DeviceFacts& facts, const std::vector<std::string>& problems,
           const std::map<std::string, std::size_t>& latest_elements) {
    std::size_t elements = 0;
    for (const auto& [name, count] : latest_elements) {
        elements += count;
    }
    require(std::is_sorted(facts.uuids.begin(), facts.uuids.end()));
    require(std::adjacent_find(facts.uuids.begin(), facts.uuids.end()) == facts.uuids.end());
    for (const auto& uuid : facts.uuids) {
        require(btfence::policy::normalize_uuid(uuid) == uuid);
    }
    for (const auto& [uuid, bytes] : facts.service_data) {
        require(btfence::policy::normalize_uuid(uuid) == uuid);
    }
    require(facts.address.empty() ||
            btfence::policy::normalize_address(facts.address) == facts.address);
    require(problems.size() <= kNames.size() + elements);
    for (const auto& problem : problems) {
        require(problem.size() <= 256);
    }
    require(!btfence::policy::classify(facts).reason.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Reader in({data, size});
    btfence::policy::DeviceFacts facts;
    std::vector<std::string> problems;
    // Per property, the list elements of the value last applied: each may leave a problem.
    std::map<std::string, std::size_t> latest_elements;
    while (!in.empty()) {
        PropertyMap properties;
        std::map<std::string, std::size_t> elements_now;
        while (!in.empty() && in.peek() != 0xFF) {
            const std::uint8_t selector = in.byte();
            const std::string name = selector < kNames.size() ? kNames.at(selector) : in.string();
            std::size_t elements = 0;
            try {
                properties[name] = value(in, elements);
                elements_now[name] = elements;
            } catch (const sdbus::Error&) {
                // sd-bus refuses it (invalid UTF-8, a malformed object path): bluetoothd could
                // not have sent it either.
            }
        }
        in.byte();  // the round separator
        btfence::bluez::apply_device_properties(properties, facts, problems);
        (void)btfence::bluez::string_property(properties, "Name");
        (void)btfence::bluez::string_list_property(properties, "UUIDs");
        for (const auto& [name, count] : elements_now) {
            latest_elements[name] = count;
        }
        check(facts, problems, latest_elements);
    }
    return 0;
}
