#!/usr/bin/env bash
# Install WebKit for ci/browser-run.sh from Debian: WebKitGTK's WebDriver (webkit2gtk-driver,
# which brings MiniBrowser's engine) and a virtual X server (xvfb). Shared TOOLCHAIN.md §10.
# Idempotent: a no-op when both are present.
set -euo pipefail
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
need=()
command -v WebKitWebDriver >/dev/null || need+=(webkit2gtk-driver)
command -v xvfb-run >/dev/null || need+=(xvfb xauth)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -eq 0 ]; then
  echo "install-webkit: WebKitWebDriver and xvfb-run already installed"
  exit 0
fi
echo "install-webkit: apt-get install ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
t0=$SECONDS
$SUDO apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null ||
  { $SUDO apt-get update -q >/dev/null && $SUDO apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null; }
echo "install-webkit: done in $((SECONDS - t0)) s: $(dpkg-query -W -f='${Package} ${Version}\n' webkit2gtk-driver 2>/dev/null)"
