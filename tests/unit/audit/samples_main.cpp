// btfence_audit_samples: one sample of every event btfenced can emit, in every format, as JSON
// lines for the schema tests (schemas/), the Sigma rule test and docs/audit-events.md.
// Each line: {"action", "variant", "ecs": {...}, "ocsf": {...}, "journal": {NAME: value}}.
// Variants: "device" (a device decision, for every action: the field table allows a device on
// any event), "daemon" (no device), "audit-mode" (a denial in audit mode), "repeat-summary"
// (the aggregator's summary of repeats), and for audit-events-dropped "loss". "typical" marks
// the variant btfenced emits for that action (device events for the device actions).
// With --fields: the field table of event.hpp instead, one JSON object per field.
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "audit/aggregator.hpp"
#include "audit/chain.hpp"
#include "audit/ecs_line.hpp"
#include "audit/journal_fields.hpp"
#include "audit/ocsf_line.hpp"

namespace {

using namespace btfence::audit;
using btfence::policy::Mode;
using btfence::policy::Verdict;

bool allows(Action action) {
    switch (action) {
        case Action::PairingAllowed:
        case Action::ServiceAuthorized:
        case Action::BondKept:
        case Action::VerificationPassed:
        case Action::PasskeyDisplayed:
            return true;
        default:
            return false;
    }
}

Event base(Action action, std::uint64_t sequence) {
    Event event;
    event.action = action;
    event.outcome = Outcome::Success;
    event.message = "Sample " + std::string(info(action).name) + " event";
    event.policy_sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    event.policy_path = "/etc/btfence/policy.toml";
    event.sequence = sequence;
    event.timestamp_us = 1'795'849'262'123'456;  // 2026-11-28T07:01:02.123456Z
    event.host_name = "laptop-042";
    return event;
}

Event device_event(Action action, std::uint64_t sequence) {
    Event event = base(action, sequence);
    const bool allowed = allows(action);
    event.rule_id = allowed ? "fido-keys" : "default";
    if (allowed) {
        event.rule_reason = "ticket INC-1234";
    }
    event.verdict = allowed ? Verdict::Allow : Verdict::Deny;
    event.reason =
        allowed ? "rule fido-keys matched: class fido-ble" : "no rule matched; default deny";
    event.trigger = "RequestConfirmation";
    event.device = DeviceInfo{
        .adapter = "hci0",
        .address = allowed ? "C0:FF:EE:00:00:01" : "AA:BB:CC:DD:EE:01",
        .name = allowed ? "YubiKey 5C NFC" : "Logi K380",
        .device_class = allowed ? "fido-ble" : "other",
        .class_reason = allowed ? "advertises FIDO 0xFFFD only" : "serves HID 0x1812",
        .object_path = allowed ? "/org/bluez/hci0/dev_C0_FF_EE_00_00_01"
                               : "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01",
        .aaguid =
            action == Action::VerificationPassed ? "90a3ccdf-635c-4729-a248-9b709135078f" : "",
    };
    if (action == Action::VerificationFailed) {  // a keyboard passing itself off as a key
        event.rule_id = "verification-failed";
        event.reason =
            "failed the CTAP authenticatorGetInfo probe (no FIDO GATT service); denied as a "
            "suspected spoof";
        event.trigger = "verification";
        event.device->name = "FIDO key";
        event.device->device_class = "fido-ble";
        event.device->class_reason = "advertises FIDO 0xFFFD only";
    }
    if (action == Action::DeviceRemoved) {
        event.trigger = "Paired";
    }
    return event;
}

/// What the daemon puts into its device-less events (allowlist_guard.cpp, daemon.cpp).
void add_daemon_details(Event& event) {
    switch (event.action) {
        case Action::TamperDetected:
            event.trigger = "AdminPolicyStatus1.ServiceAllowList";
            event.reason = "found [], policy wants [0000fffd-0000-1000-8000-00805f9b34fb]";
            break;
        case Action::ServiceAllowlistApplied:
            event.trigger = "tamper-restore";
            event.reason = "[0000fffd-0000-1000-8000-00805f9b34fb]";
            break;
        case Action::PolicyRejected:
            event.reason = "/etc/btfence/policy.toml:3:1: unknown key 'mdoe'";
            break;
        case Action::AgentReleased:
            event.reason = "bluetoothd called Agent1.Release";
            break;
        case Action::StateFileError:
            event.outcome = Outcome::Failure;
            event.reason = "/var/lib/btfence/grandfathered-bonds.json: Permission denied";
            break;
        case Action::ExemptionGranted:
        case Action::ExemptionRevoked:
        case Action::ExemptionShortened:
            // A helpdesk exemption over org.btfence1.Manager1 (exemptions/exemption_service.cpp).
            event.rule_id = "exemption:3f2a9c";
            event.reason = "INC-4711 workshop";
            event.caller = CallerInfo{
                .uid = 1000, .pid = 4242, .unit = "session-4.scope", .bus_name = ":1.42"};
            event.exemption = ExemptionInfo{.id = "3f2a9c",
                                            .target = "AA:BB:CC:DD:EE:01",
                                            .target_kind = "address",
                                            .expires = 1'795'856'462};
            break;
        case Action::ControlDenied:
            event.reason = "not authorized for org.btfence1.exempt";
            event.caller = CallerInfo{
                .uid = 1000, .pid = 4242, .unit = "session-4.scope", .bus_name = ":1.42"};
            break;
        default:
            break;
    }
}

nlohmann::ordered_json journal_object(const Event& event) {
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    for (const std::string& field : to_journal_fields(event)) {
        const std::size_t equals = field.find('=');
        object[field.substr(0, equals)] = field.substr(equals + 1);
    }
    return object;
}

bool device_action(Action action) {
    switch (action) {
        case Action::PairingAllowed:
        case Action::PairingDenied:
        case Action::ServiceAuthorized:
        case Action::ServiceDenied:
        case Action::PasskeyDisplayed:
        case Action::PairingCancelled:
        case Action::DeviceRemoved:
        case Action::BondKept:
        case Action::VerificationPassed:
        case Action::VerificationFailed:
        case Action::VerificationInconclusive:
            return true;
        default:
            return false;
    }
}

void print_fields() {
    Event event = device_event(Action::PairingDenied, 1);
    event.device->aaguid = "90a3ccdf-635c-4729-a248-9b709135078f";
    event.repetition = Repetition{2, 1, 2};
    event.loss = Loss{"journal", 1};
    for_each_field(event, [](const FieldName& name, const FieldValue&) {
        std::cout << nlohmann::ordered_json{{"ecs", name.ecs},
                                            {"journal", name.journal},
                                            {"ocsf", name.ocsf},
                                            {"description", name.description}}
                         .dump()
                  << '\n';
    });
}

void print(std::string_view variant, const Event& event) {
    // The file formats as written: chained (the chain's fields are part of every line).
    const ChainLink link{kChainGenesis, std::string(kHmacHexLength, 'f')};
    nlohmann::ordered_json sample{
        {"action", info(event.action).name},
        {"variant", variant},
        {"typical", (variant == "device") == device_action(event.action) &&
                        (variant == "device" || variant == "daemon" || variant == "loss")},
        {"ecs", nlohmann::ordered_json::parse(to_ecs_line(event, &link))},
        {"ocsf", nlohmann::ordered_json::parse(to_ocsf_line(event, &link))},
        {"journal", journal_object(event)},
    };
    std::cout << sample.dump() << '\n';
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string_view(argv[1]) == "--fields") {
        print_fields();
        return 0;
    }
    std::uint64_t sequence = 0;
    for (const ActionInfo& entry : kActions) {
        print("device", device_event(entry.action, ++sequence));
        Event daemon = base(entry.action, ++sequence);
        add_daemon_details(daemon);
        if (entry.action == Action::AuditEventsDropped) {
            daemon.loss = Loss{"journal", 17};
            print("loss", daemon);
            continue;
        }
        print("daemon", daemon);
    }
    Event audit_mode = device_event(Action::PairingDenied, ++sequence);
    audit_mode.mode = Mode::Audit;
    print("audit-mode", audit_mode);
    for (const ActionInfo& entry : kActions) {  // what the aggregator emits for repeats
        if (!Aggregator::aggregates(entry.action)) {
            continue;
        }
        Event summary = device_action(entry.action) ? device_event(entry.action, ++sequence)
                                                    : base(entry.action, ++sequence);
        if (!device_action(entry.action)) {
            add_daemon_details(summary);
        }
        summary.repetition = Repetition{41, 1'795'849'202'000'000, 1'795'849'262'000'000};
        print("repeat-summary", summary);
    }
    return 0;
}
