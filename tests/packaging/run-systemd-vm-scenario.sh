#!/bin/bash
# Host side of systemd-vm-scenario.sh: boots the e2e VM in its systemd mode
# (tests/e2e/vm/run-vm.sh -S: systemd as PID 1, dbus.service, Debian's bluetooth.service, two
# btvirt LE controllers) and runs the scenario there against the .deb in DEBDIR.
#   tests/packaging/run-systemd-vm-scenario.sh DEBDIR [RUN-DIR]
# RUN-DIR keeps output.log and logs/ (journal.log, bluetoothd.log, dmesg.log, ...); without
# it they are kept only when the run fails (run-vm.sh prints where).
# Exit status: the scenario's (0 passed, 1 a check failed); run-vm.sh's 124 (time limit),
# 125 (the VM did not come up) or 126 (host packages missing: tests/e2e/install-deps.sh);
# 77 (skipped) when DEBDIR holds no btfence_*.deb (packaging/build-deb.sh DEBDIR).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
debdir=${1:?usage: $0 DEBDIR [RUN-DIR]}
run_dir=${2:-}

shopt -s nullglob
debs=("$debdir"/btfence_*.deb)
if [ ${#debs[@]} -ne 1 ]; then
    echo "SKIP: expected one btfence_*.deb in $debdir (packaging/build-deb.sh $debdir)"
    exit 77
fi
deb=$(cd "$(dirname "${debs[0]}")" && pwd)/$(basename "${debs[0]}")
echo "$(basename "$deb"), built $(date -r "$deb" '+%F %T')"
args=(-S -t 1500)
[ -n "$run_dir" ] && args+=(-o "$run_dir")
exec "$root/tests/e2e/vm/run-vm.sh" "${args[@]}" -- "$here/systemd-vm-scenario.sh" "$deb"
