#pragma once
// The sd_bus_message behind an sdbus-c++ Message. sdbus-c++ 1.2 reads a body only through its
// own API (a std::string signature per container, a message per Variant), which cost more than
// the bus itself for each BlueZ signal (docs/performance.md); btfenced reads the bodies it
// cares about with sd-bus directly (bluez/property_reader.hpp). sdbus-c++ keeps the pointer in
// a protected member and has no accessor, so a class derived from Message forms a pointer to
// that member: standard C++, no layout assumption. Borrowed: valid while the Message lives.
#include <sdbus-c++/Message.h>
#include <systemd/sd-bus.h>

namespace btfence::bluez {

class RawMessage : private sdbus::Message {
  public:
    RawMessage() = delete;
    static sd_bus_message* of(const sdbus::Message& message) {
        return static_cast<sd_bus_message*>(message.*(&RawMessage::msg_));
    }
};

}  // namespace btfence::bluez
