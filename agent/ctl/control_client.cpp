#include "control_client.hpp"

#include "org_btfence1_manager1_proxy.h"

namespace btfence::ctl {
namespace {

constexpr const char* kBusName = "org.btfence1";
constexpr const char* kObjectPath = "/org/btfence1";

class ManagerProxy final : public sdbus::ProxyInterfaces<org::btfence1::Manager1_proxy> {
  public:
    explicit ManagerProxy(sdbus::IConnection& connection)
        : ProxyInterfaces(connection, kBusName, kObjectPath) {
        registerProxy();
    }
    ~ManagerProxy() { unregisterProxy(); }
    ManagerProxy(const ManagerProxy&) = delete;
    ManagerProxy& operator=(const ManagerProxy&) = delete;

  private:
    void onDecisionMade(const Dict& /*decision*/) override {}
    void onPolicyLoaded(const Dict& /*policy*/) override {}
};

class SdbusControlClient final : public ControlClient {
  public:
    explicit SdbusControlClient(std::unique_ptr<sdbus::IConnection> connection)
        : connection_(std::move(connection)), proxy_(*connection_) {}

    /// Runs one proxy call; its sdbus::Error becomes the ControlError a person reads.
    template <typename Call>
    static auto call(Call&& invoke) -> decltype(invoke()) {
        try {
            return invoke();
        } catch (const sdbus::Error& error) {
            throw explain_error(error);
        }
    }

    Dict status() override {
        return call([&] { return proxy_.Status(); });
    }
    std::vector<Dict> devices() override {
        return call([&] { return proxy_.Devices(); });
    }
    std::vector<Dict> explain(const std::string& address) override {
        return call([&] { return proxy_.Explain(address); });
    }
    Dict reload() override {
        return call([&] { return proxy_.Reload(); });
    }
    Dict add_exemption(const std::string& target, const Dict& options,
                       const std::string& reason) override {
        return call([&] { return proxy_.AddExemption(target, options, reason); });
    }
    Dict remove_exemption(const std::string& id) override {
        return call([&] { return proxy_.RemoveExemption(id); });
    }
    std::vector<Dict> exemptions() override {
        return call([&] { return proxy_.Exemptions(); });
    }

  private:
    std::unique_ptr<sdbus::IConnection> connection_;
    ManagerProxy proxy_;
};

}  // namespace

ControlError explain_error(const sdbus::Error& error) {
    const std::string& name = error.getName();
    const std::string& text = error.getMessage();
    if (name == "org.freedesktop.DBus.Error.ServiceUnknown" ||
        name == "org.freedesktop.DBus.Error.NameHasNoOwner") {
        return {kExitNotRunning,
                "btfenced is not running (nobody owns org.btfence1 on the system bus); see "
                "'systemctl status btfence'"};
    }
    if (name == "org.freedesktop.DBus.Error.UnknownObject" ||
        name == "org.freedesktop.DBus.Error.UnknownInterface" ||
        name == "org.freedesktop.DBus.Error.UnknownMethod") {
        return {kExitNotRunning,
                "the btfenced on the bus does not offer org.btfence1.Manager1 (an older "
                "version, or still starting): " +
                    text};
    }
    if (name == "org.freedesktop.DBus.Error.NoReply" ||
        name == "org.freedesktop.DBus.Error.Timeout" ||
        name == "org.freedesktop.DBus.Error.TimedOut") {
        return {kExitNotRunning, "btfenced did not answer: " + text};
    }
    if (name == "org.btfence1.Error.NotAuthorized") {
        return {kExitNotAuthorized, text};  // names the polkit action already
    }
    if (name == "org.freedesktop.DBus.Error.AccessDenied") {
        return {kExitNotAuthorized,
                "not authorized by the D-Bus policy (is "
                "/usr/share/dbus-1/system.d/org.btfence1.conf installed?): " +
                    text};
    }
    if (name == "org.btfence1.Error.InvalidArgument") {
        return {kExitUsage, text};
    }
    if (name.rfind("org.btfence1.Error.", 0) == 0) {
        return {kExitRefused, text};
    }
    return {kExitNotRunning, "cannot talk to btfenced: " + name + ": " + text};
}

std::unique_ptr<ControlClient> ControlClient::connect() {
    std::unique_ptr<sdbus::IConnection> connection;
    try {
        connection = sdbus::createSystemBusConnection();
    } catch (const sdbus::Error& error) {
        throw ControlError(kExitNotRunning,
                           "cannot connect to the system bus: " + error.getMessage());
    }
    return std::make_unique<SdbusControlClient>(std::move(connection));
}

}  // namespace btfence::ctl
