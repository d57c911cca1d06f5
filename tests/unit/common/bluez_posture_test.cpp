// The posture findings (agent/common/bluez_posture.hpp): each risky bluez 5.66 setting is
// named with what it reopens; what bluetoothd ignores is reported as ignored; safe files say
// nothing risky.
#include "bluez_posture.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace btfence::bluez_config {
namespace {

const PostureFinding* find(const std::vector<PostureFinding>& findings, const std::string& key) {
    const auto it = std::find_if(findings.begin(), findings.end(),
                                 [&](const PostureFinding& f) { return f.key == key; });
    return it == findings.end() ? nullptr : &*it;
}

std::vector<PostureFinding> assess(const std::optional<std::string>& main_conf,
                                   const std::optional<std::string>& input_conf) {
    PostureSources sources;
    sources.main_conf = main_conf;
    sources.input_conf = input_conf;
    return assess_posture(sources);
}

constexpr const char* kHardenedMain =
    "[General]\nJustWorksRepairing = never\n[GATT]\nKeySize = 16\n";
constexpr const char* kHardenedInput = "[General]\nClassicBondedOnly=true\n";

TEST(BluezPosture, OfAHardenedConfigurationHasNoRiskySetting) {
    const auto findings = assess(kHardenedMain, kHardenedInput);
    EXPECT_TRUE(std::all_of(findings.begin(), findings.end(),
                            [](const auto& f) { return f.severity == Severity::Info; }));
    EXPECT_EQ(summarize(findings), "no risky setting");
}

TEST(BluezPosture, NamesClassicBondedOnlyFalseAsTheHidInjectionCve) {
    const auto findings = assess(kHardenedMain, "[General]\nClassicBondedOnly = false\n");
    const auto* finding = find(findings, "ClassicBondedOnly");
    ASSERT_NE(finding, nullptr);
    EXPECT_EQ(finding->severity, Severity::High);
    EXPECT_EQ(finding->setting(), "input.conf [General] ClassicBondedOnly");
    EXPECT_NE(finding->risk.find("CVE-2023-45866"), std::string::npos);
    EXPECT_EQ(summarize(findings), "1 high: input.conf [General] ClassicBondedOnly=false");
}

TEST(BluezPosture, WarnsThatAnUnsetClassicBondedOnlyDependsOnTheBuild) {
    for (const auto& input : {std::optional<std::string>{}, std::optional<std::string>{""}}) {
        const auto findings = assess(kHardenedMain, input);
        const auto* finding = find(findings, "ClassicBondedOnly");
        ASSERT_NE(finding, nullptr);
        EXPECT_EQ(finding->severity, Severity::Low);
        EXPECT_EQ(finding->value, "(unset)");
    }
}

TEST(BluezPosture, TreatsAMisspelledBooleanAsTheDefaultBluetoothdFallsBackTo) {
    // "False" is not a GLib boolean: bluetoothd keeps its default and says nothing.
    const auto findings = assess(kHardenedMain, "[General]\nClassicBondedOnly=True\n");
    const auto* finding = find(findings, "ClassicBondedOnly");
    ASSERT_NE(finding, nullptr);
    EXPECT_EQ(finding->severity, Severity::Medium);
    EXPECT_NE(finding->effective.find("ignored"), std::string::npos);
}

TEST(BluezPosture, ReportsEachRiskyMainConfSettingWithWhatItReopens) {
    const auto findings = assess(
        "[General]\nAlwaysPairable=true\nJustWorksRepairing=always\nDebugKeys=1\n"
        "SecureConnections=off\n[GATT]\nKeySize=7\n",
        kHardenedInput);
    ASSERT_NE(find(findings, "AlwaysPairable"), nullptr);
    EXPECT_EQ(find(findings, "AlwaysPairable")->severity, Severity::High);
    EXPECT_EQ(find(findings, "JustWorksRepairing")->severity, Severity::High);
    EXPECT_EQ(find(findings, "DebugKeys")->severity, Severity::Medium);
    EXPECT_EQ(find(findings, "SecureConnections")->severity, Severity::Medium);
    EXPECT_NE(find(findings, "SecureConnections")->risk.find("5.67"), std::string::npos);
    EXPECT_EQ(find(findings, "KeySize")->severity, Severity::Low);
    EXPECT_EQ(find(findings, "KeySize")->effective, "7");
    // Most severe first.
    EXPECT_TRUE(std::is_sorted(findings.begin(), findings.end(), [](const auto& a, const auto& b) {
        return static_cast<int>(a.severity) < static_cast<int>(b.severity);
    }));
    EXPECT_EQ(summarize(findings).substr(0, 24), "2 high, 2 medium, 1 low:");
}

TEST(BluezPosture, RatesJustWorksRepairingConfirmBelowAlwaysAndIgnoresUnknownWords) {
    EXPECT_EQ(find(assess("[General]\nJustWorksRepairing=confirm\n", kHardenedInput),
                   "JustWorksRepairing")
                  ->severity,
              Severity::Medium);
    const auto findings = assess("[General]\nJustWorksRepairing=Always\n", kHardenedInput);
    ASSERT_NE(find(findings, "JustWorksRepairing"), nullptr);
    EXPECT_EQ(find(findings, "JustWorksRepairing")->severity, Severity::Info);
    EXPECT_EQ(find(findings, "JustWorksRepairing")->effective, "never (the value is ignored)");
}

TEST(BluezPosture, CountsAKeySizeBluetoothdRefusesAsNoMinimum) {
    for (const char* value : {"5", "17", "sixteen"}) {
        const auto findings =
            assess(std::string("[GATT]\nKeySize=") + value + "\n", kHardenedInput);
        const auto it = std::find_if(findings.begin(), findings.end(), [](const auto& f) {
            return f.key == "KeySize" && f.severity == Severity::Low;
        });
        ASSERT_NE(it, findings.end()) << value;
        EXPECT_EQ(it->effective, "0 (no minimum)") << value;
    }
}

TEST(BluezPosture, SaysThatAFileBluetoothdCannotParseIsIgnoredAsAWhole) {
    // bluetoothd drops input.conf for the one bad line, so ClassicBondedOnly=true is not in force.
    const auto findings =
        assess(kHardenedMain, "[General]\nClassicBondedOnly=true\nthis is not a key\n");
    const auto file_level = std::find_if(findings.begin(), findings.end(), [](const auto& f) {
        return f.file == "input.conf" && f.key.empty();
    });
    ASSERT_NE(file_level, findings.end());
    EXPECT_EQ(file_level->severity, Severity::Medium);
    EXPECT_NE(file_level->value.find("line 3"), std::string::npos);
    EXPECT_EQ(find(findings, "ClassicBondedOnly")->value, "(unset)");
}

TEST(BluezPosture, ReportsWhetherTheAdminPluginIsThereOnlyWhenKnown) {
    PostureSources sources;
    sources.main_conf = kHardenedMain;
    sources.input_conf = kHardenedInput;
    EXPECT_TRUE(assess_posture(sources).empty());
    sources.admin_policy = false;
    const auto findings = assess_posture(sources);
    ASSERT_EQ(findings.size(), 1U);
    EXPECT_EQ(findings[0].file, "bluetoothd");
    EXPECT_NE(findings[0].advice.find("btfencectl lockdown"), std::string::npos);
}

TEST(BluezPosture, ReadsTheFilesOfADirectoryAndTakesAMissingOneAsAbsent) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("btfence-posture-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "input.conf") << "[General]\nClassicBondedOnly=false\n";
    const auto sources = read_posture_files(dir.string());
    std::filesystem::remove_all(dir);
    EXPECT_EQ(sources.main_conf, std::nullopt);
    EXPECT_EQ(sources.input_conf, "[General]\nClassicBondedOnly=false\n");
    EXPECT_TRUE(sources.read_errors.empty());
}

}  // namespace
}  // namespace btfence::bluez_config
