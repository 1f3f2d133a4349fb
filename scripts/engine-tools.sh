#!/usr/bin/env bash
# Installs the reference tools the nexus-engine comparison tests and benchmarks need:
# ssdeep, tlsh (tlsh-tools), yara, mingw-w64 (to build the test PEs), and Python's pefile; and
# moto's S3 server (`moto_server`), the local S3-compatible server nexus-analysis's S3 sample
# store is tested against.
# Idempotent: already-installed tools are left alone. Run as root (or with sudo) on Debian/Ubuntu.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

need_apt=()
command -v ssdeep >/dev/null 2>&1 || need_apt+=(ssdeep)
command -v tlsh >/dev/null 2>&1 || need_apt+=(tlsh-tools)
command -v yara >/dev/null 2>&1 || need_apt+=(yara)
command -v yarac >/dev/null 2>&1 || need_apt+=(yara)
command -v i686-w64-mingw32-gcc >/dev/null 2>&1 || need_apt+=(mingw-w64)
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || need_apt+=(mingw-w64)
command -v x86_64-w64-mingw32-windres >/dev/null 2>&1 || need_apt+=(mingw-w64)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3 python3-pip)
python3 -m pip --version >/dev/null 2>&1 || need_apt+=(python3-pip)

if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "engine-tools: installing ${need_apt[*]}"
  $SUDO apt-get update -q
  # Duplicates are harmless to apt-get.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${need_apt[@]}"
fi

if ! python3 -c 'import pefile' >/dev/null 2>&1; then
  echo "engine-tools: installing pefile from PyPI"
  python3 -m pip install --quiet pefile \
    || python3 -m pip install --quiet --break-system-packages pefile
fi

if ! command -v moto_server >/dev/null 2>&1 && ! python3 -c 'import moto.server' >/dev/null 2>&1; then
  echo "engine-tools: installing moto[server] from PyPI"
  python3 -m pip install --quiet 'moto[server]' \
    || python3 -m pip install --quiet --break-system-packages 'moto[server]'
fi

echo "engine-tools: ssdeep=$(command -v ssdeep) tlsh=$(command -v tlsh) yara=$(command -v yara)"
echo "engine-tools: mingw=$(command -v i686-w64-mingw32-gcc) pefile=$(python3 -c 'import pefile; print(pefile.__version__)') moto=$(python3 -c 'import moto; print(moto.__version__)')"
