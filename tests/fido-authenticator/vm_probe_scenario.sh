#!/bin/bash
# Runs inside the VM (tests/e2e/vm/run-vm.sh): the real btfence-probe on hci1 ("the laptop")
# against virtual_authenticator.py on hci0 ("the key"), through the real bluetoothd and the
# kernel's Bluetooth stack. For each case: start the key, pair with it from the laptop (Just
# Works), run the probe, check its verdict, forget both bonds.
#
#   vm_probe_scenario.sh PROBE [CASE...]     (default: every case below)
# Ends with "N passed, M failed"; exit 0 only when nothing failed. Logs go to $E2E_LOGS.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
probe=$1
shift
python=/usr/bin/python3
logs=${E2E_LOGS:-/tmp/fido-vm-logs}
mkdir -p "$logs"
aaguid=0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0

# case name | key options | python expression over the verdict v (and the key's events e)
cases=(
  "ctap2-rk|--mode ctap2-rk --aaguid $aaguid|v['passed'] is True and v['aaguid'] == '$aaguid' and v['versions'] == ['FIDO_2_0', 'FIDO_2_1'] and v['rk'] is True"
  "ctap2-rk-keepalives-cpl-64|--mode ctap2-rk --keepalives 2 --control-point-length 64|v['passed'] is True"
  "ctap2-no-rk|--mode ctap2-no-rk|v['passed'] is False and v['rk'] is False and 'rk=false' in v['detail']"
  "u2f-only-error|--mode u2f-only --u2f-answer error|v['passed'] is False and 'ERROR 0x01 (ERR_INVALID_CMD)' in v['detail']"
  "u2f-only-versions|--mode u2f-only --u2f-answer versions|v['passed'] is False and v['versions'] == ['U2F_V2']"
  "u2f-revision|--mode ctap2-rk --revision 0xc0|v['passed'] is False and 'does not offer FIDO2' in v['detail']"
  "garbage|--mode garbage --garbage-kind bad-sequence|v['passed'] is False and 'malformed BLE frame' in v['detail']"
  "silent|--mode silent|v['passed'] is False and v['detail'].startswith('no answer to authenticatorGetInfo') and any(x.get('event') == 'cancel' for x in e)"
)
selected=("$@")

# Waits until FILE has a JSON line with "event": EVENT, for at most SECONDS.
wait_event() {
  local file=$1 event=$2 seconds=$3 waited=0
  while ! grep -q "\"event\": \"$event\"" "$file" 2> /dev/null; do
    if ((waited >= seconds * 10)); then
      return 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

passed=0 failed=0
for entry in "${cases[@]}"; do
  IFS='|' read -r name options expectation <<< "$entry"
  if ((${#selected[@]})) && [[ ! " ${selected[*]} " == *" $name "* ]]; then
    continue
  fi
  echo "=== $name: key $options"
  key_log=$logs/key-$name.log
  # shellcheck disable=SC2086 # options are words
  $python "$here/virtual_authenticator.py" --adapter hci0 --no-advertise --accept-pairing \
    $options > "$key_log" 2>&1 &
  key_pid=$!
  ok=1
  if ! wait_event "$key_log" registered 20; then
    echo "the key did not register its GATT application:"; cat "$key_log"; ok=0
  fi
  device=""
  if ((ok)); then
    $python "$here/vm_laptop.py" pair --adapter hci1 --kick-pid $key_pid --timeout 60 \
      > "$logs/laptop-$name.log" 2>&1
    device=$($python -c 'import json,sys
for line in open(sys.argv[1]):
    event = json.loads(line)
    if event.get("event") == "paired":
        print(event["device"])' "$logs/laptop-$name.log")
    [ -n "$device" ] || { echo "pairing failed:"; cat "$logs/laptop-$name.log"; ok=0; }
  fi
  if ((ok)); then
    start=$(date +%s%N)
    "$probe" --device "$device" --timeout-ms 5000 --verbose > "$logs/verdict-$name.json" \
      2> "$logs/probe-$name.log"
    rc=$?
    end=$(date +%s%N)
    echo "probe exit $rc after $(((end - start) / 1000000)) ms: $(cat "$logs/verdict-$name.json")"
    kill -TERM $key_pid; wait $key_pid
    if [ $rc -eq 0 ] && $python -c 'import json,sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
v = json.loads(lines[0])
e = [json.loads(l) for l in open(sys.argv[2]) if l.startswith("{")]
sys.exit(0 if ('"$expectation"') else 1)' "$logs/verdict-$name.json" "$key_log"; then
      echo "PASS $name"; passed=$((passed + 1))
    else
      echo "FAIL $name (expected: $expectation)"; sed 's/^/  probe: /' "$logs/probe-$name.log" | tail -n 30
      failed=$((failed + 1))
    fi
  else
    kill -TERM $key_pid 2> /dev/null; wait $key_pid
    echo "FAIL $name (setup)"; failed=$((failed + 1))
  fi
  $python "$here/vm_laptop.py" forget-all > /dev/null 2>&1
done
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
