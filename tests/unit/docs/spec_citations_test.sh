#!/usr/bin/env bash
# Comments and docs cite the repository's own docs, not the product specification
# (PRODUCT.md lives outside the repository: a reader of the code cannot follow such a
# citation). What the code relies on from the spec is written down in docs/ and cited there.
# Usage: spec_citations_test.sh SOURCE_DIR
set -u
cd "${1:?usage: $0 SOURCE_DIR}" || exit 2
found=0
while IFS= read -r hit; do
  file=${hit%%:*}
  # This script names the file it looks for.
  [ "$file" = tests/unit/docs/spec_citations_test.sh ] && continue
  echo "cites the product spec instead of docs/: $hit"
  found=$((found + 1))
done < <(grep -rn --exclude-dir=__pycache__ 'PRODUCT\.md' agent policy tests docs bench 2>/dev/null)
exit $((found > 0))
