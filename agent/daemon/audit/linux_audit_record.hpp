#pragma once
// The Linux audit format: the text of the USER_DEVICE record btfenced sends for each device
// decision (linux_audit_sink.hpp), in the kernel audit's name=value convention, as USBGuard
// does for USB devices. `ausearch -m USER_DEVICE` finds them; auditd adds pid, uid, auid,
// ses, subj, exe, hostname and res itself.
#include <optional>
#include <string>
#include <string_view>

#include "audit/event.hpp"

namespace btfence::audit {

/// "op=pairing-denied device=AA:BB:CC:DD:EE:01 name=\"Logi K380\" class=\"other\"
/// adapter=\"hci0\" verdict=deny mode=enforce rule=\"default\" seq=7" for an event with a
/// device and a verdict (a device decision); nullopt for any other event. Text values are
/// quoted, or hex-encoded when they hold a space-free-unsafe byte (quote, control, non-ASCII,
/// space inside an unquotable value), exactly as libaudit's audit_encode_nv_string does, so a
/// device name cannot forge fields.
std::optional<std::string> to_linux_audit_message(const Event& event);

/// name="value", or name=HEX when the value needs encoding (audit_value_needs_encoding).
std::string encode_audit_field(std::string_view name, std::string_view value);

}  // namespace btfence::audit
