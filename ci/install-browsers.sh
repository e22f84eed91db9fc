#!/usr/bin/env bash
# Install headless browsers for ci/browser-run.sh from Debian: chromium and firefox-esr, and
# NSS's certutil (libnss3-tools: puts the test CA into a Firefox profile). emrun (shipped with
# Emscripten) needs python3. Idempotent: a no-op when all are present.
set -euo pipefail
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
need=()
command -v chromium >/dev/null || need+=(chromium)
command -v firefox-esr >/dev/null || need+=(firefox-esr)
command -v python3 >/dev/null || need+=(python3)
command -v certutil >/dev/null || need+=(libnss3-tools)
if [ ${#need[@]} -eq 0 ]; then
  echo "install-browsers: chromium, firefox-esr, certutil and python3 already installed"
  exit 0
fi
echo "install-browsers: apt-get install ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${need[@]}"
echo "install-browsers: done: $(chromium --version 2>/dev/null | head -1); $(firefox-esr --version 2>/dev/null | head -1)"
