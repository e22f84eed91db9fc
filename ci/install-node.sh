#!/usr/bin/env bash
# Install Debian testing's Node.js 24 into a private prefix (dpkg -x, patchelf to the prefix's
# own glibc), the way ci/install-emscripten.sh installs Emscripten. Shared TOOLCHAIN.md §10.
# The one system change: Debian's node loads three built-ins from fixed paths,
# /usr/share/nodejs/{undici,acorn,acorn-walk}; each is copied there from the prefix only where
# nothing is there yet. Idempotent. Prints the node binary's path last.
#   ci/install-node.sh     then: "$(bash ci/install-node.sh | tail -n1)" script.js
set -euo pipefail
PREFIX=${CROSSIO_NODE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/crossio/node-testing}
PKGS="nodejs libnode137 libada-url0-3 libbrotli1 libc6 libcares2 libgcc-s1 libhdr-histogram6
  libicu78 libllhttp9.4 libnghttp2-14 libsimdjson33 libsimdutf35 libsqlite3-0 libssl3t64
  libstdc++6 libuv1t64 libzstd1 zlib1g node-acorn node-undici"
STAMP="$PREFIX/.crossio-installed"
NODE="$PREFIX/usr/bin/node"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
log() { echo "install-node: $*"; }

builtins() {
  for m in undici acorn acorn-walk; do
    if [ -e "/usr/share/nodejs/$m" ]; then
      log "/usr/share/nodejs/$m present, left as is"
    else
      log "copying $m to /usr/share/nodejs/$m"
      $SUDO mkdir -p /usr/share/nodejs
      $SUDO cp -rL "$PREFIX/usr/share/nodejs/$m" "/usr/share/nodejs/$m"
    fi
  done
}

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$PKGS" ] && [ -x "$NODE" ]; then
  log "node already in $PREFIX"
  builtins
  echo "$NODE"
  exit 0
fi
command -v patchelf >/dev/null || { log "apt-get install patchelf"; $SUDO apt-get install -y -q patchelf >/dev/null; }

rm -f "$STAMP"
# shellcheck source=ci/private-apt.sh
source "$(dirname "$0")/private-apt.sh"
private_apt_unpack "$PREFIX" forky "$PKGS"

LIB="$PREFIX/usr/lib/x86_64-linux-gnu"
NODE=$(readlink -f "$NODE")
patchelf --set-interpreter "$LIB/ld-linux-x86-64.so.2" --force-rpath --set-rpath "$LIB" "$NODE"
builtins
log "checking: node --version: $("$NODE" --version)"
"$NODE" -e 'if (typeof WebSocket !== "function" || typeof fetch !== "function") process.exit(1)' ||
  { echo "install-node: this node lacks a global WebSocket or fetch" >&2; exit 1; }
echo "$PKGS" > "$STAMP"
echo "$PREFIX/usr/bin/node"
