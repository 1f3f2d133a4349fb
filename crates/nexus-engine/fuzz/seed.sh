#!/usr/bin/env bash
# Seeds the fuzz corpora with the repository's fixtures (and the mingw samples when given a directory).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
fixtures="$here/../../../fixtures/binaries"
for target in analyze pe elf_macho; do
  mkdir -p "$here/corpus/$target"
  cp "$fixtures"/* "$here/corpus/$target/"
  if [ "${1:-}" != "" ]; then cp "$1"/* "$here/corpus/$target/"; fi
done
