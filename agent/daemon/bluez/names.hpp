#pragma once
// BlueZ's D-Bus names, in one place (bluez 5.66 doc/*-api.txt).
#include <string_view>

namespace btfence::bluez {

inline constexpr std::string_view kService = "org.bluez";
inline constexpr std::string_view kRootPath = "/";
inline constexpr std::string_view kBluezPath = "/org/bluez";
inline constexpr std::string_view kAdapterInterface = "org.bluez.Adapter1";
inline constexpr std::string_view kDeviceInterface = "org.bluez.Device1";
inline constexpr std::string_view kAgentManagerInterface = "org.bluez.AgentManager1";
inline constexpr std::string_view kAgentInterface = "org.bluez.Agent1";
inline constexpr std::string_view kAdminPolicySetInterface = "org.bluez.AdminPolicySet1";
inline constexpr std::string_view kAdminPolicyStatusInterface = "org.bluez.AdminPolicyStatus1";
inline constexpr std::string_view kObjectManagerInterface = "org.freedesktop.DBus.ObjectManager";
inline constexpr std::string_view kPropertiesInterface = "org.freedesktop.DBus.Properties";
inline constexpr std::string_view kRejectedError = "org.bluez.Error.Rejected";
inline constexpr std::string_view kCanceledError = "org.bluez.Error.Canceled";

}  // namespace btfence::bluez
