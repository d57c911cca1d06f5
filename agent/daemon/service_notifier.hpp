#pragma once
// systemd's service protocol (sd_notify): READY, RELOADING, STOPPING, STATUS. A no-op when
// NOTIFY_SOCKET is unset, so btfenced runs the same by hand and under systemd.
#include <string>

namespace btfence {

class ServiceNotifier {
  public:
    virtual ~ServiceNotifier() = default;
    virtual void ready(const std::string& status) = 0;
    virtual void reloading() = 0;
    virtual void stopping() = 0;
    virtual void status(const std::string& status) = 0;
};

class SdNotifier final : public ServiceNotifier {
  public:
    void ready(const std::string& status) override;
    void reloading() override;
    void stopping() override;
    void status(const std::string& status) override;
};

}  // namespace btfence
