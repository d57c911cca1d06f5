#include "enforce/suspected_spoofs.hpp"

#include <nlohmann/json.hpp>

#include "btfence/policy/address.hpp"
#include "btfence/policy/time_format.hpp"

namespace btfence::enforce {
namespace {

constexpr int kFormatVersion = 1;

}  // namespace

std::optional<std::string> SuspectedSpoofs::load() {
    if (!file_) {
        return std::nullopt;
    }
    std::string error;
    const auto text = file_->read(error);
    if (!text) {
        if (error.empty()) {
            return std::nullopt;  // no file yet: nothing suspected so far
        }
        file_unreadable_ = true;
        return "cannot read " + file_->path().string() + ": " + error;
    }
    std::map<std::string, SpoofRecord> loaded;
    try {
        const auto json = nlohmann::json::parse(*text);
        if (json.at("version").get<int>() != kFormatVersion) {
            throw std::runtime_error("unknown version " + json.at("version").dump());
        }
        for (const auto& entry : json.at("spoofs")) {
            SpoofRecord record;
            const auto address = policy::normalize_address(entry.at("address").get<std::string>());
            const auto until = policy::parse_rfc3339(entry.at("until").get<std::string>());
            if (!address || !until) {
                throw std::runtime_error("bad address or time in " + entry.dump());
            }
            record.address = *address;
            record.until = *until;
            record.name = entry.value("name", "");
            record.reason = entry.value("reason", "");
            loaded[record.address] = std::move(record);
        }
    } catch (const std::exception& e) {
        file_unreadable_ = true;
        return file_->path().string() + " is corrupt (" + e.what() + ")";
    }
    records_ = std::move(loaded);
    return std::nullopt;
}

std::optional<std::string> SuspectedSpoofs::save() const {
    if (!file_) {
        return std::nullopt;
    }
    if (file_unreadable_) {
        return "not writing " + file_->path().string() +
               ": it could not be read at start, and what it holds must not be lost";
    }
    nlohmann::json spoofs = nlohmann::json::array();
    for (const auto& [address, record] : records_) {
        spoofs.push_back({{"address", record.address},
                          {"until", policy::format_rfc3339(record.until)},
                          {"name", record.name},
                          {"reason", record.reason}});
    }
    const nlohmann::json json{{"version", kFormatVersion}, {"spoofs", std::move(spoofs)}};
    std::string error;
    if (!file_->write(json.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
                      error)) {
        return error;
    }
    return std::nullopt;
}

std::optional<std::string> SuspectedSpoofs::remember(SpoofRecord record) {
    auto& slot = records_[record.address];
    if (slot.until > record.until) {
        record.until = slot.until;  // never shortens a block already in force
    }
    slot = std::move(record);
    return save();
}

const SpoofRecord* SuspectedSpoofs::find(const std::string& address, policy::TimePoint now) const {
    const auto it = records_.find(address);
    return it != records_.end() && now < it->second.until ? &it->second : nullptr;
}

std::vector<SpoofRecord> SuspectedSpoofs::expire(policy::TimePoint now,
                                                 std::optional<std::string>& error) {
    std::vector<SpoofRecord> expired;
    for (auto it = records_.begin(); it != records_.end();) {
        if (it->second.until <= now) {
            expired.push_back(std::move(it->second));
            it = records_.erase(it);
        } else {
            ++it;
        }
    }
    if (!expired.empty()) {
        error = save();
    }
    return expired;
}

std::optional<policy::TimePoint> SuspectedSpoofs::next_expiry() const {
    std::optional<policy::TimePoint> next;
    for (const auto& [address, record] : records_) {
        if (!next || record.until < *next) {
            next = record.until;
        }
    }
    return next;
}

}  // namespace btfence::enforce
