#!/usr/bin/env bash
# The lint tier: every C++ file in the repository formatted as .clang-format says, and the
# daemon, CLI, probe and policy library clean under .clang-tidy (its WarningsAsErrors: '*').
#   tests/lint/check.sh BUILD_DIR     (BUILD_DIR configured with CMAKE_EXPORT_COMPILE_COMMANDS)
# Tests and benchmarks are formatted but not tidied: their findings would be about gtest's
# macros more than about our code, and the run would take twice as long on 2 cores.
set -uo pipefail
cd "$(dirname "$0")/../.."
build=${1:?usage: $0 BUILD_DIR}
status=0

mapfile -t sources < <(git ls-files '*.cpp' '*.hpp' '*.h' 2>/dev/null ||
                       find agent policy tests bench -name '*.[ch]pp' -o -name '*.h')
echo "clang-format: ${#sources[@]} files"
if ! clang-format --dry-run --Werror "${sources[@]}"; then
  echo "clang-format: the files above differ from .clang-format (fix: clang-format -i FILE)"
  status=1
fi

if [ ! -f "$build/compile_commands.json" ]; then
  echo "clang-tidy: no $build/compile_commands.json (configure with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)"
  exit 1
fi
echo "clang-tidy: agent/ and policy/ (.clang-tidy; every finding is an error)"
if ! run-clang-tidy -quiet -p "$build" -j "$(nproc)" "$PWD/(agent|policy)/" > "$build/clang-tidy.log" 2>&1; then
  grep -E "(error|warning):" "$build/clang-tidy.log" | sort -u
  echo "clang-tidy: findings above (full output: $build/clang-tidy.log)"
  status=1
else
  echo "clang-tidy: clean"
fi
exit $status
