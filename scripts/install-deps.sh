#!/usr/bin/env bash
# Installs the Debian packages SmartTuner builds against, if any is missing.
# Safe to run repeatedly; needs root (or sudo) only when something must be installed.
set -euo pipefail

# ffmpeg: torchcodec needs its libraries, and coqui-tts (the adapter test, scripts/coqui-env.sh) needs torchcodec.
# postgresql-15: the PostgreSQL study store's tests run a throw-away server (scripts/postgres-server.sh).
# chromium, chromium-driver: the dashboard's browser test (headless, driven by selenium).
# iproute2: the host-failure test makes network namespaces as hosts (ip netns, veth, a bridge).
packages=(chromium chromium-driver iproute2 libsqlite3-dev libopenblas-dev libcurl4-openssl-dev pkg-config espeak-ng ffmpeg postgresql-15)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing missing Debian packages: ${missing[*]}" >&2
as_root=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    as_root=(sudo)
fi
"${as_root[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}"
