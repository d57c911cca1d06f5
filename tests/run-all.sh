#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every test tier —
# unit, integration (private dbus-daemon + fake org.bluez + real btfenced, and the shipped
# D-Bus policy files), fuzz (bounded libFuzzer runs), and with BTFENCE_E2E=1 the e2e tier
# (real kernel Bluetooth + bluetoothd in a QEMU VM).
#   BTFENCE_FUZZ_SECONDS  seconds per fuzz target (default 60)
#   BTFENCE_E2E=1         also run the VM tier (ctest -L e2e). Off by default for now: its
#                         scenarios that tear links down mid-pairing hit a Debian 12 kernel
#                         Bluetooth crash in the VM often enough to fail runs (docs/testing.md).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
fuzz_seconds=${BTFENCE_FUZZ_SECONDS:-60}

bash tests/install-deps.sh
if [ "${BTFENCE_E2E:-0}" = 1 ]; then bash tests/e2e/install-deps.sh; fi

echo "== build (RelWithDebInfo, warnings are errors)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBTFENCE_WERROR=ON >/dev/null
cmake --build build

echo "== build fuzz targets (clang, ASan+UBSan)"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DBTFENCE_FUZZ=ON -DBTFENCE_BENCH=OFF -DBTFENCE_FUZZ_SECONDS="$fuzz_seconds" >/dev/null
cmake --build build-fuzz --target fuzz_targets

labels="unit|integration"
if [ "${BTFENCE_E2E:-0}" = 1 ]; then labels="$labels|e2e"; fi
echo "== ctest: $labels"
status=0
(cd build && ctest -L "^($labels)\$" -LE "^package\$" --output-on-failure) || status=1
echo "== ctest: fuzz (${fuzz_seconds}s per target)"
(cd build-fuzz && ctest -L '^fuzz$' --output-on-failure) || status=1
exit $status
