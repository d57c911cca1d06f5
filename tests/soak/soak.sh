#!/bin/sh
# Soak test of btfenced (tests/soak/soak.py): floods, policy reloads, bluetoothd restarts,
# interfaces coming and going and random call faults against the fake bluetoothd of the
# integration tier; at the end, every denied bond must be gone and every allowed one kept.
#
#   tests/soak/soak.sh [BUILD_DIR]         default build/, 10 minutes
#   BTFENCE_SOAK_SECONDS=60 tests/soak/soak.sh
#   BTFENCE_SOAK_SEED=1234 BTFENCE_SOAK_REPORT=/tmp/soak.json tests/soak/soak.sh
#
# Needs what the integration tier needs (tests/deps.txt). The one-minute version is ctest's
# `soak.short` (labels integration and soak, so tests/run-all.sh runs it). Results:
# docs/reliability.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
set -- --btfenced "$build/agent/daemon/btfenced" --seconds "${BTFENCE_SOAK_SECONDS:-600}"
if [ -n "${BTFENCE_SOAK_SEED:-}" ]; then set -- "$@" --seed "$BTFENCE_SOAK_SEED"; fi
if [ -n "${BTFENCE_SOAK_REPORT:-}" ]; then set -- "$@" --report "$BTFENCE_SOAK_REPORT"; fi
PYTHONDONTWRITEBYTECODE=1 exec /usr/bin/python3 "$here/soak.py" "$@"
