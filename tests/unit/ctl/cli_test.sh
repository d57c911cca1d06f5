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

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
