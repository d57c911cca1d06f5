#include "btfence/policy/classification.hpp"

#include <algorithm>
#include <array>

#include "btfence/policy/uuid.hpp"

namespace btfence::policy {
namespace {

// Services a genuine FIDO BLE authenticator may expose beside 0xFFFD after GATT resolution.
constexpr std::array<std::uint16_t, 4> kFidoCompanionServices = {
    uuids::kGap, uuids::kGatt, uuids::kDeviceInformation, uuids::kBattery};

bool is_fido_or_companion(const std::string& uuid) {
    const auto short_id = short_from_uuid(uuid);
    if (!short_id) {
        return false;
    }
    return *short_id == uuids::kFido ||
           std::find(kFidoCompanionServices.begin(), kFidoCompanionServices.end(), *short_id) !=
               kFidoCompanionServices.end();
}

std::string join_described(const std::vector<std::string>& uuid_list) {
    std::string out;
    for (const auto& uuid : uuid_list) {
        if (!out.empty()) {
            out += ", ";
        }
        out += describe_uuid(uuid);
    }
    return out;
}

// The longest hybrid service data entry, with the UUID it was found under.
struct HybridData {
    std::string uuid;
    std::size_t size = 0;
};

std::optional<HybridData> find_hybrid_service_data(const DeviceFacts& device) {
    std::optional<HybridData> best;
    for (const auto short_id : {uuids::kHybrid, uuids::kHybridLegacy}) {
        const auto it = device.service_data.find(uuid_from_short(short_id));
        if (it != device.service_data.end() && (!best || it->second.size() > best->size)) {
            best = HybridData{it->first, it->second.size()};
        }
    }
    return best;
}

}  // namespace

std::string_view to_string(DeviceClass cls) {
    switch (cls) {
        case DeviceClass::FidoBle:
            return "fido-ble";
        case DeviceClass::Hybrid:
            return "hybrid";
        case DeviceClass::Other:
            return "other";
    }
    return "other";
}

std::optional<DeviceClass> device_class_from_string(std::string_view text) {
    for (const auto cls : {DeviceClass::FidoBle, DeviceClass::Hybrid, DeviceClass::Other}) {
        if (to_string(cls) == text) {
            return cls;
        }
    }
    return std::nullopt;
}

Classification classify(const DeviceFacts& device) {
    const std::string fido = uuid_from_short(uuids::kFido);
    const bool has_fido =
        std::find(device.uuids.begin(), device.uuids.end(), fido) != device.uuids.end();

    std::vector<std::string> foreign;
    for (const auto& uuid : device.uuids) {
        if (!is_fido_or_companion(uuid)) {
            foreign.push_back(uuid);
        }
    }

    if (has_fido && foreign.empty()) {
        return {DeviceClass::FidoBle,
                "offers 0xFFFD (FIDO) and no services beyond GAP/GATT/DIS/Battery"};
    }

    std::string fido_mismatch;
    if (has_fido) {
        fido_mismatch = "offers 0xFFFD (FIDO) but also " + join_described(foreign);
    }

    const auto hybrid = find_hybrid_service_data(device);
    if (hybrid && hybrid->size >= kHybridServiceDataMinBytes) {
        std::string reason = "hybrid advert: " + std::to_string(hybrid->size) +
                             " bytes of service data under " + describe_uuid(hybrid->uuid);
        if (!fido_mismatch.empty()) {
            reason += "; " + fido_mismatch;
        }
        return {DeviceClass::Hybrid, reason};
    }

    if (!fido_mismatch.empty()) {
        return {DeviceClass::Other, fido_mismatch};
    }
    if (hybrid) {
        return {DeviceClass::Other, "service data under " + describe_uuid(hybrid->uuid) + " has " +
                                        std::to_string(hybrid->size) +
                                        " bytes; a hybrid advert has at least " +
                                        std::to_string(kHybridServiceDataMinBytes)};
    }
    if (device.uuids.empty()) {
        return {DeviceClass::Other, "offers no service UUIDs (no 0xFFFD FIDO service)"};
    }
    return {DeviceClass::Other, "no 0xFFFD (FIDO) service; offers " + join_described(device.uuids)};
}

}  // namespace btfence::policy
