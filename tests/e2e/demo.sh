#!/usr/bin/env bash
# btfence in action, on a machine without Bluetooth: installs what is missing, builds the
# project into ./build, boots a VM with Debian's kernel, the real bluetoothd and two virtual
# controllers, and plays three short scenes against the real btfenced while its audit events
# are printed as they are written:
#   1. a FIDO security key asks to pair             -> allowed, and its bond is kept
#   2. a keyboard asks to pair                      -> refused at the pairing gate
#   3. a user pairs the keyboard with their own     -> paired behind btfenced's back (no agent
#      agent (`bluetoothctl agent on; pair ...`)       is asked), then removed after the fact
# Takes a few minutes the first time (packages, build), about a minute after that.
set -euo pipefail
cd "$(dirname "$0")/../.."

title() { printf '\n=== %s\n' "$*"; }

title "Installing what is missing (Debian packages)"
if [ -x tests/install-deps.sh ]; then bash tests/install-deps.sh; fi
bash tests/e2e/install-deps.sh

title "Building btfence into ./build"
cmake -S . -B build -G Ninja > /dev/null
cmake --build build

title "Booting the VM (software emulation, 10 to 30 s)"
cat << 'EOF'
In the VM: Debian's kernel with its Bluetooth stack, a system D-Bus, bluetoothd 5.66 and two
virtual LE controllers that hear each other: hci0 is this laptop, which btfenced guards;
hci1 plays the devices nearby. btfenced runs from ./build with the policy printed below.
Lines starting with "audit |" are btfenced's audit events as they are written:
  time  action  verdict  device [class] on adapter  rule  -- reason
EOF
set +e
tests/e2e/vm/run-vm.sh -q -R -o build/e2e-demo -b packaging/dbus/org.btfence1.conf -t 300 -- \
  /usr/bin/python3 tests/e2e/scenarios/run.py --btfenced build/agent/daemon/btfenced \
  --group btfenced --narrate \
  --only a_fido_key_starting_the_pairing_itself_is_allowed_at_the_gate \
  --only a_keyboard_starting_a_pairing_is_refused_at_the_gate \
  --only a_keyboard_paired_from_the_laptop_by_a_user_with_their_own_agent_is_removed
status=$?
set -e
title "Logs of this run: build/e2e-demo/logs (audit.jsonl, btfenced.log, bluetoothd.log)"
echo "The full tier: ctest --test-dir build -L e2e --output-on-failure"
exit $status
