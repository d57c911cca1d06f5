#pragma once
// A FIDO GATT link whose far end is a script: every complete request frame written to
// fidoControlPoint is answered with the notifications the script returns. Waiting on an empty
// notification queue is the deadline passing (no clock, no sleeps).

#include <deque>
#include <functional>
#include <stdexcept>
#include <variant>

#include "ble_framing.hpp"
#include "fido_gatt_link.hpp"
#include "hex.hpp"
#include "probe_error.hpp"

namespace btfence::fido::test {

class ScriptedAuthenticator final : public FidoGattLink {
  public:
    using Fragments = std::vector<std::vector<std::uint8_t>>;
    using Script = std::function<Fragments(const BleFrame& request)>;

    ScriptedAuthenticator(std::size_t control_point_length, Script script)
        : control_point_length_(control_point_length), script_(std::move(script)) {}

    std::size_t control_point_length() const override { return control_point_length_; }

    void write_control_point(std::span<const std::uint8_t> fragment, Deadline) override {
        if (fragment.size() > control_point_length_) {
            throw std::logic_error("fragment longer than fidoControlPointLength");
        }
        written.push_back(hex(fragment));
        const DecodeStep step = decoder_.feed(fragment);
        if (const auto* frame = std::get_if<BleFrame>(&step)) {
            requests.push_back(*frame);
            for (auto& notification : script_(*frame)) {
                pending_.push_back(std::move(notification));
            }
        } else if (std::holds_alternative<FramingFailure>(step)) {
            throw std::logic_error("the client wrote a malformed frame");
        }
    }

    std::optional<std::vector<std::uint8_t>> next_notification(Deadline) override {
        if (pending_.empty()) {
            if (disconnect_when_idle) {
                throw ProbeError("the device disconnected", ProbeError::Kind::Interrupted);
            }
            return std::nullopt;
        }
        auto next = std::move(pending_.front());
        pending_.pop_front();
        return next;
    }

    std::vector<std::string> written;  ///< every fragment written, as hex
    std::vector<BleFrame> requests;    ///< every complete request frame
    bool disconnect_when_idle = false;

  private:
    std::size_t control_point_length_;
    Script script_;
    FrameDecoder decoder_;
    std::deque<std::vector<std::uint8_t>> pending_;
};

/// Answers every request with the same fragments.
inline ScriptedAuthenticator::Script always(const std::vector<std::string>& hex_fragments) {
    return [hex_fragments](const BleFrame&) {
        ScriptedAuthenticator::Fragments out;
        for (const auto& fragment : hex_fragments) {
            out.push_back(bytes(fragment));
        }
        return out;
    };
}

}  // namespace btfence::fido::test
