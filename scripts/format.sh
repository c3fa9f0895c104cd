#!/usr/bin/env bash
# Lays out every C++ file of swath as .clang-format says (`make format`); with --check, lists the files that differ
# and fails instead (the `format` test).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "format: clang-format is missing (make setup installs it)" >&2; exit 1; }
mapfile -t files < <(find apps lib tests bench examples -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) \
  -not -path '*/node_modules/*' 2>/dev/null | sort)
if [[ "${1:-}" != --check ]]; then
  clang-format -i "${files[@]}"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]} > 0)); then
  printf 'format: %s is not laid out as .clang-format says\n' "${bad[@]}" >&2
  echo "format: run 'make format' and commit the result" >&2
  exit 1
fi
echo "format: ${#files[@]} files laid out as .clang-format says"
