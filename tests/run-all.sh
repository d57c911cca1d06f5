#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every test tier —
# unit, integration (private dbus-daemon + fake org.bluez + real btfenced), fuzz (bounded
# libFuzzer runs), packaging, and e2e (real kernel Bluetooth + bluetoothd in a QEMU VM).
#   BTFENCE_FUZZ_SECONDS  seconds per fuzz target (default 60)
#   BTFENCE_SKIP_E2E=1    skip the VM tier (it needs about 1 GiB of packages)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
fuzz_seconds=${BTFENCE_FUZZ_SECONDS:-60}

bash tests/install-deps.sh
[ -x tests/e2e/install-deps.sh ] && [ "${BTFENCE_SKIP_E2E:-0}" != 1 ] && bash tests/e2e/install-deps.sh
[ -x packaging/install-deps.sh ] && bash packaging/install-deps.sh

echo "== build (RelWithDebInfo, warnings are errors)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBTFENCE_WERROR=ON >/dev/null
cmake --build build

echo "== build fuzz targets (clang, ASan+UBSan)"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DBTFENCE_FUZZ=ON -DBTFENCE_BENCH=OFF -DBTFENCE_FUZZ_SECONDS="$fuzz_seconds" >/dev/null
cmake --build build-fuzz --target fuzz_targets

labels="unit|integration"
[ "${BTFENCE_SKIP_E2E:-0}" != 1 ] && labels="$labels|e2e"
echo "== ctest: $labels"
status=0
(cd build && ctest -L "^($labels)\$" -LE "^package\$" --output-on-failure) || status=1
echo "== ctest: fuzz (${fuzz_seconds}s per target)"
(cd build-fuzz && ctest -L '^fuzz$' --output-on-failure) || status=1
exit $status
