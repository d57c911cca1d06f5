#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, and runs every test tier:
#   lint         clang-format and clang-tidy (the repository's configs; findings are errors)
#   unit         policy library, daemon logic, audit, CLI, CTAP framing, the unit file
#   integration  a private dbus-daemon + fake org.bluez + the real btfenced; the shipped
#                D-Bus policy files; the CTAP probe against a fake GATT server
#   fuzz         bounded libFuzzer runs (clang, ASan+UBSan)
#   e2e          real kernel Bluetooth + real bluetoothd in a QEMU VM (one boot per group)
#   package      the .deb built and linted, then installed and run under systemd in the VM
# Set a variable to 0 to leave a slow tier out while working (CI runs everything):
#   BTFENCE_LINT=0  BTFENCE_E2E=0  BTFENCE_PACKAGE=0
#   BTFENCE_FUZZ_SECONDS  seconds per fuzz target (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
fuzz_seconds=${BTFENCE_FUZZ_SECONDS:-60}
lint=${BTFENCE_LINT:-1}
e2e=${BTFENCE_E2E:-1}
package=${BTFENCE_PACKAGE:-1}
started=$SECONDS
step() { printf '\n== %s (%d s so far)\n' "$1" $((SECONDS - started)); }

step "install dependencies"
bash tests/install-deps.sh
if [ "$e2e" = 1 ] || [ "$package" = 1 ]; then bash tests/e2e/install-deps.sh; fi
if [ "$package" = 1 ]; then bash packaging/install-deps.sh; fi

step "build (RelWithDebInfo, warnings are errors)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBTFENCE_WERROR=ON \
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
cmake --build build

status=0
failed=()
run() { # NAME COMMAND...: runs a tier, remembers a failure, goes on with the next tier
  local name=$1
  shift
  step "$name"
  if ! "$@"; then
    status=1
    failed+=("$name")
  fi
}

if [ "$lint" = 1 ]; then
  run "lint: clang-format and clang-tidy" tests/lint/check.sh build
fi
run "ctest: unit and integration" \
  bash -c 'cd build && ctest -L "^(unit|integration)\$" -LE "^(e2e|package)\$" -j2 --output-on-failure'

step "build fuzz targets (clang, ASan+UBSan)"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DBTFENCE_FUZZ=ON -DBTFENCE_BENCH=OFF \
  -DBTFENCE_FUZZ_SECONDS="$fuzz_seconds" >/dev/null
cmake --build build-fuzz --target fuzz_targets
run "ctest: fuzz (${fuzz_seconds} s per target)" \
  bash -c 'cd build-fuzz && ctest -L "^fuzz\$" --output-on-failure'

if [ "$e2e" = 1 ]; then
  # The VM takes both cores: one test at a time (the tests are RUN_SERIAL anyway).
  run "ctest: e2e (QEMU VM, real bluetoothd)" \
    bash -c 'cd build && ctest -L "^e2e\$" -LE "^package\$" --output-on-failure'
fi
if [ "$package" = 1 ]; then
  run "ctest: package (.deb, lintian, installed under systemd in the VM)" \
    bash -c 'cd build && ctest -L "^package\$" --output-on-failure'
fi

step "done"
if [ $status -ne 0 ]; then
  printf 'FAILED: %s\n' "${failed[@]}"
fi
exit $status
