#pragma once
// Builds sd-bus messages without a bus, as bluetoothd would send them — or as it must not —
// for the tests and the fuzz target of the property reader (agent/daemon/bluez/
// property_reader.hpp). sd-bus creates messages only on a bus that has been started; started
// without an address, sd_bus_start fails but leaves the bus "opening", which is enough (what
// sdbus-c++ does for its own local messages). Nothing is ever sent.
#include <systemd/sd-bus.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace btfence::testing {

class OfflineBus {
  public:
    OfflineBus() {
        if (sd_bus_new(&bus_) < 0) {
            throw std::runtime_error("sd_bus_new failed");
        }
        (void)sd_bus_start(bus_);  // -EINVAL: no address; the bus is now usable for messages
    }
    ~OfflineBus() { sd_bus_unref(bus_); }
    OfflineBus(const OfflineBus&) = delete;
    OfflineBus& operator=(const OfflineBus&) = delete;
    [[nodiscard]] sd_bus* get() const { return bus_; }

  private:
    sd_bus* bus_ = nullptr;
};

/// A signal (path, interface, member) whose body the caller appends with the raw sd-bus
/// calls; read() seals it and returns it positioned at the start of the body.
class MessageBuilder {
  public:
    MessageBuilder(const OfflineBus& bus, const std::string& path, const char* interface,
                   const char* member) {
        if (sd_bus_message_new_signal(bus.get(), &message_, path.c_str(), interface, member) < 0) {
            throw std::runtime_error("sd_bus_message_new_signal failed");
        }
    }
    ~MessageBuilder() { sd_bus_message_unref(message_); }
    MessageBuilder(const MessageBuilder&) = delete;
    MessageBuilder& operator=(const MessageBuilder&) = delete;

    [[nodiscard]] sd_bus_message* get() const { return message_; }
    /// sd_bus_message_append with a check: a test that cannot build its message fails loudly.
    template <typename... Args>
    MessageBuilder& append(const char* types, Args... args) {
        if (sd_bus_message_append(message_, types, args...) < 0) {
            throw std::runtime_error(std::string("sd_bus_message_append failed: ") + types);
        }
        return *this;
    }
    sd_bus_message* read() {
        if (sd_bus_message_seal(message_, ++cookie_, 0) < 0) {
            throw std::runtime_error("sd_bus_message_seal failed");
        }
        return message_;
    }

  private:
    sd_bus_message* message_ = nullptr;
    std::uint64_t cookie_ = 0;
};

}  // namespace btfence::testing
