#include "profile_lockdown.hpp"

#include <algorithm>

#include "btfence/policy/uuid.hpp"

namespace btfence::lockdown {
namespace {

bool may_match_other(const policy::Rule& rule) {
    return rule.classes.empty() || std::find(rule.classes.begin(), rule.classes.end(),
                                             policy::DeviceClass::Other) != rule.classes.end();
}

// A rule with no matcher but its class: it decides every device of that class it sees.
bool unconditional(const policy::Rule& rule) {
    return rule.addresses.empty() && rule.ouis.empty() && !rule.name_glob &&
           rule.adapters.empty() && rule.aaguids.empty() && !rule.verified && !rule.not_before &&
           !rule.expires;
}

// The first way a device of class "other" can be allowed, said for an admin; "" when none.
std::string allows_other(const policy::Policy& policy) {
    for (const auto& rule : policy.rules) {
        if (!may_match_other(rule)) {
            continue;
        }
        if (rule.verdict == policy::Verdict::Allow) {
            return "rule \"" + rule.id + "\" allows class \"other\"";
        }
        if (unconditional(rule)) {
            return "";  // every "other" device stops here, denied
        }
    }
    if (policy.default_verdict == policy::Verdict::Allow) {
        return "the default verdict allows devices no rule matches, class \"other\" included";
    }
    return "";
}

std::string listed_service(const ProfilePlugin& plugin, const policy::Policy& policy) {
    for (const auto service : plugin.services) {
        const auto canonical = policy::normalize_uuid(service);
        if (canonical &&
            std::find(policy.bluez.extra_services.begin(), policy.bluez.extra_services.end(),
                      *canonical) != policy.bluez.extra_services.end()) {
            return "[bluez] extra_services lists " + std::string(service);
        }
    }
    return "";
}

std::string pad(std::string_view text, std::size_t width) {
    std::string out(text);
    out.resize(std::max(width, out.size()), ' ');
    return out;
}

}  // namespace

const std::vector<ProfilePlugin>& profile_plugins() {
    // bluez 5.66; plugins a build lacks (sap, neard, LE audio without --enable-experimental)
    // are harmless in --noplugin: the pattern matches nothing.
    static const std::vector<ProfilePlugin> kPlugins = {
        {"input",
         "classic HID host (0x1124)",
         "Bluetooth keyboards, mice and game controllers over BR/EDR",
         {"0x1124"}},
        {"hog",
         "HID over GATT (0x1812)",
         "Bluetooth LE keyboards, mice, presenters and remotes",
         {"0x1812"}},
        {"sixaxis", "PlayStation controller set-up over USB", "PlayStation controllers", {}},
        {"wiimote", "fixed PINs for Nintendo Wii remotes", "Wii remotes", {}},
        {"autopair",
         "made-up legacy PINs (0000, 1234, ...) for pairings the laptop starts",
         "classic headsets and mice with a fixed PIN pair only if a person types it",
         {}},
        {"a2dp",
         "A2DP audio streaming (0x110a, 0x110b, 0x110d)",
         "Bluetooth headphones and speakers",
         {"0x110a", "0x110b", "0x110d"}},
        {"avrcp",
         "AVRCP remote control (0x110c, 0x110e, 0x110f)",
         "play/pause and volume keys of headsets",
         {"0x110c", "0x110e", "0x110f"}},
        {"bap", "LE Audio streams (0x1850, 0x184e)", "LE Audio earbuds", {"0x1850", "0x184e"}},
        {"vcp", "LE Audio volume control (0x1844)", "LE Audio volume", {"0x1844"}},
        {"mcp",
         "LE Audio media control (0x1848, 0x1849)",
         "LE Audio media keys",
         {"0x1848", "0x1849"}},
        {"network",
         "PAN networking (0x1115, 0x1116, 0x1117)",
         "Bluetooth tethering",
         {"0x1115", "0x1116", "0x1117"}},
        {"sap", "SIM Access (0x112d)", "car kits that use the laptop's SIM", {"0x112d"}},
        {"health",
         "Health Device Profile (0x1400, 0x1401, 0x1402)",
         "Bluetooth medical devices (HDP)",
         {"0x1400", "0x1401", "0x1402"}},
        {"midi",
         "BLE MIDI (03b80e5a-ede8-4b33-a751-6ce34ec4c700)",
         "Bluetooth MIDI instruments",
         {"03b80e5a-ede8-4b33-a751-6ce34ec4c700"}},
        {"neard", "NFC pairing hand-over (neard)", "tap-to-pair through NFC", {}},
    };
    return kPlugins;
}

LockdownPlan plan_lockdown(const policy::Policy& policy) {
    LockdownPlan plan;
    const std::string other = allows_other(policy);
    for (const auto& plugin : profile_plugins()) {
        std::string because = other;
        if (because.empty()) {
            because = listed_service(plugin, policy);
        }
        if (because.empty()) {
            plan.disabled.push_back(&plugin);
        } else {
            plan.kept.push_back({&plugin, because});
        }
    }
    if (policy.mode == policy::Mode::Audit) {
        plan.notes.emplace_back(
            "The policy is in audit mode, but this drop-in enforces: bluetoothd has no such "
            "profiles whatever btfenced would log.");
    }
    if (!policy.adapters.empty()) {
        plan.notes.emplace_back(
            "The policy manages only some adapters; this drop-in applies to every adapter of "
            "bluetoothd, the unmanaged ones included.");
    }
    return plan;
}

std::string render_drop_in(const LockdownPlan& plan, const policy::Policy& policy,
                           std::string_view bluetoothd_path) {
    if (plan.disabled.empty()) {
        return "";
    }
    std::string out;
    const auto line = [&out](std::string_view text) {
        out += text.empty() ? "#\n" : "# " + std::string(text) + "\n";
    };
    line("btfence profile lockdown: a drop-in for bluetooth.service, printed by");
    line("`btfencectl lockdown` from " + policy.source + " (sha256 " + policy.sha256 + ").");
    line("");
    line("Install: save as " + std::string(kDropInPath) + ", then");
    line("  systemctl daemon-reload && systemctl restart bluetooth");
    line("Remove: delete the file, daemon-reload, restart bluetooth.");
    line("");
    line("bluetoothd then starts without the profile plugins this policy can never allow, so a");
    line("device that pairs anyway (around the pairing gate, or a \"key\" that reveals HID after");
    line("bonding) finds no profile to attach to. FIDO keys need none of them: they speak CTAP");
    line("over their own GATT service, which is no bluetoothd plugin.");
    line("");
    std::size_t width = 0;
    for (const auto* plugin : plan.disabled) {
        width = std::max(width, plugin->name.size());
    }
    line("Left out, and what stops working without it:");
    for (const auto* plugin : plan.disabled) {
        line("  " + pad(plugin->name, width) + "  " + std::string(plugin->serves));
        line("  " + pad("", width) + "  costs: " + std::string(plugin->costs));
    }
    if (!plan.kept.empty()) {
        line("Kept, because the policy may need them:");
        for (const auto& kept : plan.kept) {
            line("  " + pad(kept.plugin->name, width) + "  " + kept.because);
        }
    }
    line("Always kept: gap, deviceinfo, battery (a FIDO key may serve them), scanparam, policy,");
    line("hostname, admin.");
    line("Not covered: OBEX file transfer (obexd, a user service of bluez-obexd) and headset");
    line("audio gateways (HFP/HSP, registered at run time by PipeWire or oFono); btfenced's");
    line("pairing gate refuses their AuthorizeService. Mask obex.service to remove the former.");
    for (const auto& note : plan.notes) {
        line("");
        line("NOTE: " + note);
    }
    out += "[Service]\nExecStart=\nExecStart=" + std::string(bluetoothd_path) + " --noplugin=";
    for (std::size_t i = 0; i < plan.disabled.size(); ++i) {
        out += (i == 0 ? "" : ",") + std::string(plan.disabled[i]->name);
    }
    out += "\n";
    return out;
}

}  // namespace btfence::lockdown
