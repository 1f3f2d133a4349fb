#!/usr/bin/env bash
# Installs the reference tools the nexus-engine comparison tests and benchmarks need:
# ssdeep, tlsh (tlsh-tools), yara, mingw-w64 (to build the test PEs), and Python's pefile; and
# moto's S3 server (`moto_server`), the local S3-compatible server nexus-analysis's S3 sample
# store is tested against; and stix2-validator and pymisp, the independent checkers of the
# analysis exports; and pypdf, the independent reader of the PDF reports.
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

# The independent checkers of nexus-analysis's exports (tests/api/export.rs): OASIS's STIX 2.1
# validator and MISP's own library, pinned with the dependencies they resolved to.
if ! command -v stix2_validator >/dev/null 2>&1 || ! python3 -c 'import pymisp' >/dev/null 2>&1; then
  echo "engine-tools: installing stix2-validator and pymisp from PyPI"
  export_checkers=('stix2-validator==3.3.2' 'stix2-patterns==2.1.2' 'antlr4-python3-runtime==4.13.2'
    'jsonschema==4.26.0' 'cpe==1.3.1' 'simplejson==4.3.0' 'pymisp==2.5.34.4')
  python3 -m pip install --quiet "${export_checkers[@]}" \
    || python3 -m pip install --quiet --break-system-packages "${export_checkers[@]}"
fi

# The independent reader of nexus-analysis's PDF reports (tests/api/report.rs): pure Python,
# no dependencies of its own.
if ! python3 -c 'import pypdf' >/dev/null 2>&1; then
  echo "engine-tools: installing pypdf from PyPI"
  python3 -m pip install --quiet 'pypdf==6.4.0' \
    || python3 -m pip install --quiet --break-system-packages 'pypdf==6.4.0'
fi

# The independent verifier of nexus-notification's webhook signatures (tests/api/webhooks.rs):
# the Standard Webhooks project's own Python library.
if ! python3 -c 'import standardwebhooks' >/dev/null 2>&1; then
  echo "engine-tools: installing standardwebhooks from PyPI"
  python3 -m pip install --quiet 'standardwebhooks==1.1.0' \
    || python3 -m pip install --quiet --break-system-packages 'standardwebhooks==1.1.0'
fi

echo "engine-tools: ssdeep=$(command -v ssdeep) tlsh=$(command -v tlsh) yara=$(command -v yara)"
echo "engine-tools: mingw=$(command -v i686-w64-mingw32-gcc) pefile=$(python3 -c 'import pefile; print(pefile.__version__)') moto=$(python3 -c 'import moto; print(moto.__version__)') stix2_validator=$(command -v stix2_validator) pymisp=$(python3 -c 'import pymisp; print(pymisp.__version__)') pypdf=$(python3 -c 'import pypdf; print(pypdf.__version__)')"
