#include "live_commands.hpp"

#include <ostream>

#include "btfence/policy/exemption.hpp"
#include "btfence/policy/time_format.hpp"
#include "live_view.hpp"

namespace btfence::ctl {

int run_status(ControlClient& client, const LiveOptions& options, std::ostream& out) {
    const Dict status = client.status();
    if (options.json) {
        out << json_answer(status).dump(2) << '\n';
    } else {
        out << render_status(status);
    }
    return kExitOk;
}

int run_devices(ControlClient& client, const LiveOptions& options, std::ostream& out) {
    const auto devices = client.devices();
    if (options.json) {
        out << json_answer("devices", devices).dump(2) << '\n';
    } else {
        out << render_devices(devices, options.now);
    }
    return kExitOk;
}

int run_live_explain(ControlClient& client, const std::string& address, const LiveOptions& options,
                     std::ostream& out) {
    const auto decisions = client.explain(address);
    if (options.json) {
        out << json_answer("decisions", decisions).dump(2) << '\n';
    } else {
        out << render_explain(decisions);
    }
    return kExitOk;
}

int run_reload(ControlClient& client, const LiveOptions& options, std::ostream& out,
               std::ostream& err) {
    const Dict result = client.reload();
    const auto outcome = result.find("outcome");
    const bool rejected = outcome != result.end() && outcome->second.peekValueType() == "s" &&
                          outcome->second.get<std::string>() == "rejected";
    if (options.json) {
        out << json_answer(result).dump(2) << '\n';
    } else {
        (rejected ? err : out) << render_reload(result);
    }
    return rejected ? kExitFailed : kExitOk;
}

int run_exempt_add(ControlClient& client, const ExemptAddOptions& add, const LiveOptions& options,
                   std::ostream& out, std::ostream& err) {
    Dict window;
    if (add.duration.has_value() == add.until.has_value()) {
        err << "btfencectl: exempt add needs exactly one of --for DURATION or --until TIME\n";
        return kExitUsage;
    }
    if (add.duration) {
        const auto duration = policy::parse_duration(*add.duration);
        if (!duration) {
            err << "btfencectl: --for: not a duration (e.g. 2h, 90m, 1h30m): " << *add.duration
                << '\n';
            return kExitUsage;
        }
        window["duration"] = sdbus::Variant(static_cast<std::uint64_t>(duration->count()));
    } else {
        const auto until = policy::parse_rfc3339(*add.until);
        if (!until) {
            err << "btfencectl: --until: not an RFC 3339 date-time with offset (e.g. "
                   "2026-12-08T18:00:00+01:00): "
                << *add.until << '\n';
            return kExitUsage;
        }
        window["until"] =
            sdbus::Variant(static_cast<std::int64_t>(until->time_since_epoch().count()));
    }
    const Dict exemption = client.add_exemption(add.target, window, add.reason);
    if (options.json) {
        out << json_answer(exemption).dump(2) << '\n';
    } else {
        out << "Granted " << render_exemption(exemption, options.now);
    }
    return kExitOk;
}

int run_exempt_list(ControlClient& client, const LiveOptions& options, std::ostream& out) {
    const auto exemptions = client.exemptions();
    if (options.json) {
        out << json_answer("exemptions", exemptions).dump(2) << '\n';
    } else {
        out << render_exemptions(exemptions, options.now);
    }
    return kExitOk;
}

int run_exempt_remove(ControlClient& client, const std::string& id, const LiveOptions& options,
                      std::ostream& out) {
    const Dict removed = client.remove_exemption(id);
    if (options.json) {
        out << json_answer(removed).dump(2) << '\n';
    } else {
        out << "Revoked " << render_exemption(removed, options.now);
    }
    return kExitOk;
}

int run_live(const std::function<int(ControlClient&)>& command, std::ostream& err,
             ControlClient* client) {
    try {
        if (client != nullptr) {
            return command(*client);
        }
        const auto connected = ControlClient::connect();
        return command(*connected);
    } catch (const ControlError& error) {
        err << "btfencectl: " << error.what() << '\n';
        return error.exit_status();
    }
}

}  // namespace btfence::ctl
