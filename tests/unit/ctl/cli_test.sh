#!/usr/bin/env bash
# btfencectl as an admin runs it: exit codes, FILE:LINE:COLUMN errors, the permission check
# and explain's JSON. Usage: cli_test.sh BTFENCECTL EXAMPLES_DIR
set -u
ctl=$1
examples=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
check() {  # check NAME CONDITION-COMMAND...
  local name=$1
  shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $name"; fi
}

for policy in "$examples"/*.toml; do
  check "example $(basename "$policy") is valid" "$ctl" check --no-permission-check "$policy"
done

printf '[policy]\nversion = 1\nmode = "enforced"\n\n[[rule]]\nid = "x"\nverdict = "allow"\nclass = ["keyboard"]\n' > "$tmp/bad.toml"
"$ctl" check --no-permission-check "$tmp/bad.toml" > "$tmp/out" 2> "$tmp/err"
check "an invalid policy exits 1" [ $? -eq 1 ]
check "the bad mode is reported at 3:8" grep -q "^$tmp/bad.toml:3:8: policy.mode must be one of" "$tmp/err"
check "the bad class is reported at 8:10" grep -q "^$tmp/bad.toml:8:10: not a device class" "$tmp/err"

cp "$examples/passkey-only.toml" "$tmp/open.toml"
chmod 0666 "$tmp/open.toml"
"$ctl" check "$tmp/open.toml" 2> "$tmp/err"
check "a world-writable policy is refused" [ $? -eq 1 ]
check "the refusal says why" grep -q "writable by group or others" "$tmp/err"
check "--no-permission-check accepts it" "$ctl" check --no-permission-check "$tmp/open.toml"

out=$("$ctl" explain --no-permission-check --policy "$examples/passkey-only.toml" "$examples/devices/fido-key-resolved.json")
check "explain allows a resolved FIDO key" grep -q '"verdict": "allow"' <<< "$out"
check "explain names the rule" grep -q '"rule": "fido-keys"' <<< "$out"
out=$("$ctl" explain --no-permission-check --policy "$examples/passkey-only.toml" "$examples/devices/fido-liar.json")
check "explain denies 0xFFFD+HID" grep -q '"verdict": "deny"' <<< "$out"
check "and calls it other" grep -q '"class": "other"' <<< "$out"
out=$("$ctl" explain --no-permission-check --policy "$examples/temporary-exemption.toml" --at 2026-12-08T16:59:59Z "$examples/devices/keyboard.json")
check "the exemption allows the keyboard a second before it expires" grep -q '"verdict": "allow"' <<< "$out"
out=$("$ctl" explain --no-permission-check --policy "$examples/temporary-exemption.toml" --at 2026-12-08T17:00:00Z "$examples/devices/keyboard.json")
check "and denies it at the expiry instant" grep -q '"verdict": "deny"' <<< "$out"
"$ctl" explain --no-permission-check --policy "$examples/passkey-only.toml" "$tmp/missing.json" 2> /dev/null
check "a missing DEVICE.json exits 2" [ $? -eq 2 ]

# check: the one-line summary of a valid policy
out=$("$ctl" check --no-permission-check "$examples/passkey-only.toml")
check "check prints one summary line" grep -Eq "^$examples/passkey-only.toml: valid: 1 rule, mode enforce, default deny, existing_bonds enforce, sha256 [0-9a-f]{16}\$" <<< "$out"
check "and nothing else" [ "$(wc -l <<< "$out")" -eq 1 ]

# check: rules that can never match are warnings on standard error, exit 0 unless --strict
printf '[policy]\nversion = 1\n[fido]\nverify = false\n\n[[rule]]\nid = "old-exemption"\nverdict = "allow"\naddress = ["C8:3F:26:11:22:33"]\nexpires = 2001-01-01T00:00:00Z\n\n[[rule]]\nid = "issued-keys"\nverdict = "allow"\nclass = ["fido-ble"]\nverified = true\n\n[[rule]]\nid = "fido-keys"\nverdict = "allow"\nclass = ["fido-ble"]\n\n[[rule]]\nid = "recalled"\nverdict = "deny"\nclass = ["fido-ble"]\nname = "Bad*"\n' > "$tmp/warn.toml"
"$ctl" check --no-permission-check "$tmp/warn.toml" > "$tmp/out" 2> "$tmp/err"
check "a policy with rules that never match is still valid (exit 0)" [ $? -eq 0 ]
check "the summary counts the warnings" grep -Eq "^$tmp/warn.toml: valid: 4 rules, .*, sha256 [0-9a-f]{16}, 3 warnings\$" "$tmp/out"
check "the expired exemption is named at its line" grep -q "^$tmp/warn.toml:6: warning: rule \"old-exemption\" expired at 2001-01-01T00:00:00Z" "$tmp/err"
check "the verified rule under verify = false is named" grep -q "^$tmp/warn.toml:12: warning: rule \"issued-keys\" needs a verified key .* fido.verify = false" "$tmp/err"
check "the rule behind a broader one is named with that rule" grep -q "^$tmp/warn.toml:23: warning: rule \"recalled\" is never reached: rule \"fido-keys\" (line 18)" "$tmp/err"
check "and nothing else is reported" [ "$(wc -l < "$tmp/err")" -eq 3 ]
"$ctl" check --strict --no-permission-check "$tmp/warn.toml" > /dev/null 2>&1
check "--strict makes a warning fail the check (exit 1)" [ $? -eq 1 ]
check "--strict passes a policy without warnings" "$ctl" check --strict --no-permission-check "$examples/passkey-only.toml"

# check: every error, each as PATH:LINE:COLUMN: message
printf '[policy]\nversion = 2\nmode = "x"\n[[rule]]\nid = "a"\nverdict = "allow"\naddress = ["nope"]\n' > "$tmp/three.toml"
"$ctl" check --no-permission-check "$tmp/three.toml" > /dev/null 2> "$tmp/err"
check "three errors exit 1" [ $? -eq 1 ]
check "all three are printed with their positions" [ "$(grep -Ec "^$tmp/three.toml:[0-9]+:[0-9]+: " "$tmp/err")" -eq 3 ]
check "in file order" diff <(grep -Eo "^$tmp/three.toml:[0-9]+:[0-9]+" "$tmp/err") <(printf '%s\n' "$tmp/three.toml:2:11" "$tmp/three.toml:3:8" "$tmp/three.toml:7:12")
"$ctl" check --no-permission-check "$tmp/absent.toml" 2> "$tmp/err"
check "a missing policy exits 1" [ $? -eq 1 ]
check "and says it cannot be read" grep -q "^$tmp/absent.toml: cannot read the policy file: No such file or directory" "$tmp/err"

# explain: one JSON object with every documented key
out=$("$ctl" explain --no-permission-check --policy "$examples/temporary-exemption.toml" --at 2026-12-05T00:00:00Z "$examples/devices/keyboard.json")
check "explain prints one JSON object with the documented keys" python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
want = {"verdict", "rule", "class", "reason", "class_reason", "mode", "managed", "next_change"}
sys.exit(0 if want <= d.keys() and d["next_change"] == "2026-12-08T17:00:00Z" and d["managed"] is True else 1)' <<< "$out"
out=$("$ctl" explain --no-permission-check --policy "$examples/passkey-only.toml" --at 2026-12-05T00:00:00Z "$examples/devices/hybrid-phone.json")
check "a phone's hybrid advert is class hybrid" grep -q '"class": "hybrid"' <<< "$out"
check "with no next change under a policy without time limits" grep -q '"next_change": null' <<< "$out"

# explain decides with the daemon's function: verification facts and the fail-closed overrides
out=$("$ctl" explain --no-permission-check --policy "$examples/passkey-only.toml" "$examples/devices/fido-key-failed-probe.json")
check "a key that failed its probe is denied although the rules allow fido-ble" grep -q '"verdict": "deny"' <<< "$out"
check "as verification-failed, the rule id btfenced uses" grep -q '"rule": "verification-failed"' <<< "$out"
check "and explain shows the verification state it decided on" grep -q '"verification": "failed"' <<< "$out"
sed 's/^verify = true .*/verify = false/' "$examples/passkey-only.toml" > "$tmp/no-verify.toml"
out=$("$ctl" explain --no-permission-check --policy "$tmp/no-verify.toml" "$examples/devices/fido-key-failed-probe.json")
check "with verify = false a probe result is no override" grep -q '"rule": "fido-keys"' <<< "$out"
printf '[policy]\nversion = 1\n[[rule]]\nid = "issued-keys"\nverdict = "allow"\nclass = ["fido-ble"]\nverified = true\naaguid = ["ee882879-721c-4913-9775-3dfcce97072a"]\n' > "$tmp/issued.toml"
out=$("$ctl" explain --no-permission-check --policy "$tmp/issued.toml" "$examples/devices/fido-key-resolved.json")
check "a key not verified yet under a verified+aaguid rule is pending, not denied" grep -q '"rule": "verification-pending"' <<< "$out"
check "pending keeps the bond (allow)" grep -q '"verdict": "allow"' <<< "$out"
check "and says it is pending" grep -q '"pending_verification": true' <<< "$out"
out=$("$ctl" explain --no-permission-check --policy "$tmp/issued.toml" "$examples/devices/fido-key-verified.json")
check "a key that passed with a listed AAGUID matches the rule" grep -q '"rule": "issued-keys"' <<< "$out"
check "and is no longer pending" grep -q '"pending_verification": false' <<< "$out"
printf '{"Verification": {"state": "maybe"}}' > "$tmp/bad-state.json"
"$ctl" explain --no-permission-check --policy "$tmp/issued.toml" "$tmp/bad-state.json" 2> "$tmp/err"
check "an unknown verification state exits 2" [ $? -eq 2 ]
check "naming the field" grep -q "Verification.state must be" "$tmp/err"

# explain: bad input exits 2
"$ctl" explain --no-permission-check --policy "$examples/passkey-only.toml" --at tomorrow "$examples/devices/keyboard.json" 2> "$tmp/err"
check "a malformed --at exits 2" [ $? -eq 2 ]
check "and says so" grep -q "^--at: not an RFC 3339 date-time" "$tmp/err"
"$ctl" explain --no-permission-check --policy "$tmp/three.toml" "$examples/devices/keyboard.json" 2> "$tmp/err"
check "an invalid policy exits 2 in explain" [ $? -eq 2 ]
check "with the policy's errors" grep -q "^$tmp/three.toml:2:11: " "$tmp/err"
printf '{"Address": "AA:BB"}' > "$tmp/bad.json"
"$ctl" explain --no-permission-check --policy "$examples/passkey-only.toml" "$tmp/bad.json" 2> "$tmp/err"
check "an invalid DEVICE.json exits 2" [ $? -eq 2 ]
check "naming the file and the property" grep -q "^$tmp/bad.json: Address is not a Bluetooth address" "$tmp/err"
"$ctl" > /dev/null 2>&1
check "no subcommand is a usage error (exit 2)" [ $? -eq 2 ]
"$ctl" check --help > /dev/null 2>&1
check "--help exits 0" [ $? -eq 0 ]

# lockdown: the bluetooth.service drop-in for a passkey-only policy
out=$("$ctl" lockdown --no-permission-check --policy "$examples/passkey-only.toml")
check "lockdown exits 0 for a passkey-only policy" [ $? -eq 0 ]
check "and resets ExecStart before starting bluetoothd without the profile plugins" \
  grep -Pzq '\[Service\]\nExecStart=\nExecStart=/usr/libexec/bluetooth/bluetoothd --noplugin=input,hog,' <<< "$out"
check "every line before [Service] is a comment" bash -c '! sed "/^\[Service\]/,\$d" | grep -qv "^#"' <<< "$out"
out=$("$ctl" lockdown --no-permission-check --policy "$examples/passkey-only.toml" --bluetoothd /opt/bluez/bluetoothd)
check "--bluetoothd names the binary" grep -q '^ExecStart=/opt/bluez/bluetoothd --noplugin=' <<< "$out"
printf '[policy]\nversion = 1\n[[rule]]\nid = "keyboards"\nverdict = "allow"\nclass = ["other"]\n' > "$tmp/keyboards.toml"
"$ctl" lockdown --no-permission-check --policy "$tmp/keyboards.toml" > "$tmp/out" 2> "$tmp/err"
check "a policy allowing class other has nothing to leave out: exit 1" [ $? -eq 1 ]
check "and says which rule keeps the plugins" grep -q 'rule "keyboards" allows class "other"' "$tmp/err"
check "and prints no drop-in" [ ! -s "$tmp/out" ]
"$ctl" lockdown --no-permission-check --policy "$tmp/three.toml" 2> /dev/null
check "an invalid policy exits 2 in lockdown" [ $? -eq 2 ]

# posture: bluetoothd's risky settings, as a table and as JSON
mkdir -p "$tmp/bt"
printf '[General]\nClassicBondedOnly = false\n' > "$tmp/bt/input.conf"
printf '[GATT]\nKeySize = 16\n' > "$tmp/bt/main.conf"
out=$("$ctl" posture --config-dir "$tmp/bt")
check "posture exits 1 with a high finding" [ $? -eq 1 ]
check "the table names the setting and the CVE" grep -q "^high .*input.conf \[General\] ClassicBondedOnly=false .*CVE-2023-45866" <<< "$out"
out=$("$ctl" posture --config-dir "$tmp/bt" --json)
check "--json gives the same finding" python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
f = d["findings"][0]
sys.exit(0 if f["severity"] == "high" and f["key"] == "ClassicBondedOnly" and d["summary"].startswith("1 high") else 1)' <<< "$out"
printf '[General]\nClassicBondedOnly = true\n' > "$tmp/bt/input.conf"
"$ctl" posture --config-dir "$tmp/bt" > /dev/null
check "posture exits 0 once nothing is above low" [ $? -eq 0 ]

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
