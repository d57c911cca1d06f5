#!/bin/bash
# Host side of systemd-vm-scenario.sh: boots a VM with systemd as PID 1, real dbus, real
# bluetoothd and two LE controllers, and runs the scenario there against the .deb in DEBDIR.
#   tests/packaging/run-systemd-vm-scenario.sh DEBDIR [ARTEFACT-DIR]
# The VM runner is the shared reference harness (../shared/vm-bluez/run-in-vm.sh beside the
# repository) until the project's own harness in tests/e2e/vm/ offers a systemd mode; set
# BTFENCE_VM_RUNNER to use another runner with the same options (-S systemd as PID 1, -L LE
# only, -o artefacts, -T command timeout).
# Exit status: the scenario's; 77 (skipped) when DEBDIR holds no .deb or there is no runner.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
debdir=${1:?usage: $0 DEBDIR [ARTEFACT-DIR]}
artefacts=${2:-}
runner=${BTFENCE_VM_RUNNER:-$root/../shared/vm-bluez/run-in-vm.sh}

shopt -s nullglob
debs=("$debdir"/btfence_*.deb)
if [ ${#debs[@]} -ne 1 ]; then
    echo "SKIP: expected one btfence_*.deb in $debdir (packaging/build-deb.sh $debdir)"
    exit 77
fi
if [ ! -x "$runner" ]; then
    echo "SKIP: no VM runner at $runner"
    exit 77
fi
deb=$(cd "$(dirname "${debs[0]}")" && pwd)/$(basename "${debs[0]}")
args=(-S -L -T 600)
[ -n "$artefacts" ] && args+=(-o "$artefacts")
exec "$runner" "${args[@]}" -- "$here/systemd-vm-scenario.sh" "$deb"
