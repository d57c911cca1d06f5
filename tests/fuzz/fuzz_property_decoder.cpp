// libFuzzer target: BlueZ's Device1 properties as btfenced reads them off the wire and decodes
// them (agent/daemon/bluez/property_reader.cpp, property_decoder.cpp), then classified. The
// values come from the radio (UUIDs, service data, names a device chooses) through
// bluetoothd; their D-Bus types are bluetoothd's to get right, and the reader and decoder must
// survive when they are wrong.
//
// Each round is a real PropertiesChanged message (sa{sv}as, built with sd-bus on a bus that is
// never connected), read by the same function the watch calls on every signal. Its a{sv} is
// built from a small byte language, values of any type, applied to one device in turn:
//   entry  := NAME TYPE VALUE          round separator: 0xFF
//   NAME   := 0..13 a known property (UUIDs, ServiceData, Name, ...) | 14+ [len] bytes
//   TYPE   := 0 s  1 b  2 as  3 a{sv} of ay  4 ay  5 n  6 u  7 o  8 v(v)  9 a{sv} of s  10 d
//   string := [len] bytes (an entry sd-bus refuses, e.g. invalid UTF-8, is left out)
// Besides sanitizer reports it checks after every update: the body is read (a well-formed
// message never fails); UUIDs are canonical, sorted and unique; ServiceData keys are
// canonical; the address is normalised; the problem list stays bounded (one per property,
// plus one per bad list element of the latest update) instead of growing with every malformed
// signal; classification gives a reason.
#include <systemd/sd-bus.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "bluez/property_decoder.hpp"
#include "bluez/property_reader.hpp"
#include "btfence/policy/address.hpp"
#include "btfence/policy/classification.hpp"
#include "btfence/policy/uuid.hpp"
#include "sd_bus_message_builder.hpp"

namespace {

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

  private:
    std::span<const std::uint8_t> data_;
};

// Appends one variant; counts list elements for the problem bound. Returns false when sd-bus
// refuses the value (the message is then unusable).
bool value(sd_bus_message* m, Reader& in, std::size_t& elements, int depth = 0) {
    switch (in.byte() % 11) {
        case 0:
            return sd_bus_message_append(m, "v", "s", in.string().c_str()) >= 0;
        case 1:
            return sd_bus_message_append(m, "v", "b", static_cast<int>(in.byte() & 1U)) >= 0;
        case 2: {
            std::vector<std::string> list;
            for (std::size_t n = in.byte() % kMaxListElements; n > 0 && !in.empty(); --n) {
                list.push_back(in.string());
            }
            elements += list.size();
            bool ok = sd_bus_message_open_container(m, 'v', "as") >= 0 &&
                      sd_bus_message_open_container(m, 'a', "s") >= 0;
            for (const auto& text : list) {
                ok = ok && sd_bus_message_append_basic(m, 's', text.c_str()) >= 0;
            }
            return ok && sd_bus_message_close_container(m) >= 0 &&
                   sd_bus_message_close_container(m) >= 0;
        }
        case 3:
        case 9: {
            const bool bytes = in.peek() % 2 == 0;
            std::map<std::string, std::string> dict;
            for (std::size_t n = in.byte() % kMaxListElements; n > 0 && !in.empty(); --n) {
                std::string key = in.string();
                dict[key] = in.string();
            }
            elements += dict.size();
            bool ok = sd_bus_message_open_container(m, 'v', "a{sv}") >= 0 &&
                      sd_bus_message_open_container(m, 'a', "{sv}") >= 0;
            for (const auto& [key, text] : dict) {
                ok = ok && sd_bus_message_open_container(m, 'e', "sv") >= 0 &&
                     sd_bus_message_append_basic(m, 's', key.c_str()) >= 0;
                if (bytes) {
                    ok = ok && sd_bus_message_open_container(m, 'v', "ay") >= 0 &&
                         sd_bus_message_append_array(m, 'y', text.data(), text.size()) >= 0 &&
                         sd_bus_message_close_container(m) >= 0;
                } else {
                    ok = ok && sd_bus_message_append(m, "v", "s", text.c_str()) >= 0;
                }
                ok = ok && sd_bus_message_close_container(m) >= 0;
            }
            return ok && sd_bus_message_close_container(m) >= 0 &&
                   sd_bus_message_close_container(m) >= 0;
        }
        case 4: {
            const std::string bytes = in.string();
            return sd_bus_message_open_container(m, 'v', "ay") >= 0 &&
                   sd_bus_message_append_array(m, 'y', bytes.data(), bytes.size()) >= 0 &&
                   sd_bus_message_close_container(m) >= 0;
        }
        case 5: {
            const unsigned high = in.byte();
            return sd_bus_message_append(
                       m, "v", "n",
                       static_cast<int>(static_cast<std::int16_t>(high << 8U | in.byte()))) >= 0;
        }
        case 6:
            return sd_bus_message_append(m, "v", "u", static_cast<unsigned>(in.byte())) >= 0;
        case 7:
            return sd_bus_message_append(m, "v", "o", in.string().c_str()) >= 0;
        case 8:
            if (depth < 3) {
                return sd_bus_message_open_container(m, 'v', "v") >= 0 &&
                       value(m, in, elements, depth + 1) && sd_bus_message_close_container(m) >= 0;
            }
            return sd_bus_message_append(m, "v", "s", in.string().c_str()) >= 0;
        default:
            return sd_bus_message_append(m, "v", "d", static_cast<double>(in.byte())) >= 0;
    }
}

// Appends one dictionary entry. sd-bus poisons a message a value was refused for, so each
// entry is first tried on a scratch message and only appended when sd-bus took it: the round
// goes on without it, as bluetoothd could not have sent it either.
bool entry(const btfence::testing::OfflineBus& bus, sd_bus_message* m, Reader& in,
           std::size_t& elements, std::string& name) {
    const std::uint8_t selector = in.byte();
    name = selector < kNames.size() ? kNames.at(selector) : in.string();
    const Reader start = in;
    {
        btfence::testing::MessageBuilder scratch(bus, "/", "org.freedesktop.DBus.Properties",
                                                 "PropertiesChanged");
        std::size_t ignored = 0;
        if (sd_bus_message_open_container(scratch.get(), 'a', "{sv}") < 0 ||
            sd_bus_message_open_container(scratch.get(), 'e', "sv") < 0 ||
            sd_bus_message_append_basic(scratch.get(), 's', name.c_str()) < 0 ||
            !value(scratch.get(), in, ignored)) {
            return false;
        }
    }
    Reader again = start;
    const bool ok = sd_bus_message_open_container(m, 'e', "sv") >= 0 &&
                    sd_bus_message_append_basic(m, 's', name.c_str()) >= 0 &&
                    value(m, again, elements) && sd_bus_message_close_container(m) >= 0;
    require(ok);  // the same value was accepted a moment ago
    return true;
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
    static const btfence::testing::OfflineBus bus;
    Reader in({data, size});
    btfence::policy::DeviceFacts facts;
    std::vector<std::string> problems;
    // Per property, the list elements of the value last applied: each may leave a problem.
    std::map<std::string, std::size_t> latest_elements;
    while (!in.empty()) {
        btfence::testing::MessageBuilder signal(bus, "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01",
                                                "org.freedesktop.DBus.Properties",
                                                "PropertiesChanged");
        require(sd_bus_message_append_basic(signal.get(), 's', "org.bluez.Device1") >= 0 &&
                sd_bus_message_open_container(signal.get(), 'a', "{sv}") >= 0);
        std::map<std::string, std::size_t> elements_now;
        while (!in.empty() && in.peek() != 0xFF) {
            std::size_t elements = 0;
            std::string name;
            if (entry(bus, signal.get(), in, elements, name)) {
                // A repeated name: the reader keeps the first, the bound counts the largest.
                elements_now[name] = std::max(elements_now[name], elements);
            }
        }
        in.byte();  // the round separator
        require(sd_bus_message_close_container(signal.get()) >= 0 &&
                sd_bus_message_append(signal.get(), "as", 0) >= 0);
        btfence::bluez::PropertyMap properties;
        try {
            require(btfence::bluez::read_properties_changed(signal.read(), properties) ==
                    "org.bluez.Device1");
        } catch (const btfence::bluez::MalformedBody&) {
            std::abort();  // a message sd-bus built and sealed is never malformed
        }
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
