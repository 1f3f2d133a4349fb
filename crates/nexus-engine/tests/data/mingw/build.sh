#!/usr/bin/env bash
# Builds the mingw-w64 test PEs into OUT_DIR (default: a new temp dir) and prints OUT_DIR.
# Needs Debian's mingw-w64 (scripts/engine-tools.sh installs it). Samples are never executed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$(mktemp -d)}"
mkdir -p "$out"
# -Wl,--no-insert-timestamp keeps the builds reproducible.
i686-w64-mingw32-gcc -O1 -s -Wl,--no-insert-timestamp -o "$out/injector.exe" "$here/injector.c"
x86_64-w64-mingw32-gcc -O1 -Wl,--no-insert-timestamp -o "$out/tlscb.exe" "$here/tlscb.c"
x86_64-w64-mingw32-windres "$here/version.rc" -O coff -o "$out/version.res"
x86_64-w64-mingw32-gcc -O1 -s -shared -Wl,--no-insert-timestamp -o "$out/exports.dll" "$here/exports.c" "$out/version.res"
rm -f "$out/version.res"
echo "$out"
