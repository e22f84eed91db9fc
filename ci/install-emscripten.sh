#!/usr/bin/env bash
# Install Debian's Emscripten into a private prefix (no system changes besides
# Debian's `patchelf` package), plus the Rust target. See shared TOOLCHAIN.md §1-2.
#   ci/install-emscripten.sh [testing|stable]     (default: testing)
# testing = Debian forky: Emscripten 6.0.5, LLVM 21, binaryen 131
# stable  = Debian trixie: Emscripten 3.1.69, LLVM 19, binaryen 120 (prebuilt system libs)
# Then: source "<prefix>/env.sh"  (prefix printed at the end)
set -euo pipefail

FLAVOR=${1:-testing}
case "$FLAVOR" in
  testing) SUITE=forky;  LV=21; EXTRA="libxml2-16 libicu78" ;;
  stable)  SUITE=trixie; LV=19; EXTRA="libxml2 libicu76" ;;
  *) echo "usage: $0 [testing|stable]" >&2; exit 2 ;;
esac
PREFIX=${CROSSIO_EMSDK_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/crossio/emscripten-$FLAVOR}
PKGS="emscripten clang-$LV lld-$LV llvm-$LV libllvm$LV libclang-cpp$LV libclang-common-$LV-dev
  llvm-$LV-linker-tools llvm-$LV-runtime binaryen node-acorn libc6 libstdc++6 libgcc-s1 libedit2
  libffi8 libz3-4 libzstd1 zlib1g libbsd0 libmd0 liblzma5 libtinfo6 $EXTRA"
STAMP="$PREFIX/.crossio-installed"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
log() { echo "install-emscripten: $*"; }

rust_target() {
  if rustup target list --installed | grep -qx wasm32-unknown-emscripten; then
    log "rust target wasm32-unknown-emscripten present"
  else
    log "rustup target add wasm32-unknown-emscripten"; rustup target add wasm32-unknown-emscripten
  fi
  if rustup component list --installed | grep -q '^rust-src'; then
    log "rust-src present"
  else
    log "rustup component add rust-src"; rustup component add rust-src
  fi
}

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$FLAVOR $PKGS" ] && [ -f "$PREFIX/env.sh" ]; then
  log "$FLAVOR toolchain already in $PREFIX"
  rust_target
  echo "source $PREFIX/env.sh"
  exit 0
fi

# Debian packages used from the system: patchelf, and node (Emscripten's compiler runs on it).
need=()
command -v patchelf >/dev/null || need+=(patchelf)
command -v node >/dev/null || need+=(nodejs)
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  $SUDO apt-get install -y -q "${need[@]}" >/dev/null ||
    { $SUDO apt-get update -q && $SUDO apt-get install -y -q "${need[@]}"; }
fi

# The machine's own Debian mirror (first non-security URI), with our suite.
MIRROR=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
[ -n "$MIRROR" ] || MIRROR=$(awk '/^deb / && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$MIRROR" ] || { echo "install-emscripten: no Debian mirror found in /etc/apt" >&2; exit 1; }

log "installing Emscripten ($FLAVOR: $SUITE from $MIRROR) into $PREFIX"
rm -rf "${PREFIX:?}/usr" "${PREFIX:?}/debs" "$STAMP"
APT="$PREFIX/apt"
mkdir -p "$APT/lists/partial" "$APT/archives/partial" "$PREFIX/debs" "$PREFIX/cache"
echo "deb $MIRROR $SUITE main" > "$APT/sources.list"
AO=(-q -o "Dir::Etc::sourcelist=$APT/sources.list" -o Dir::Etc::sourceparts=/dev/null
    -o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT" -o "Dir::Cache::archives=$APT/archives"
    -o APT::Sandbox::User="$(id -un)")
t0=$SECONDS
log "apt-get update ($SUITE, private state in $APT)"
apt-get "${AO[@]}" update >/dev/null
# shellcheck disable=SC2086
log "apt-get download:" $PKGS
# shellcheck disable=SC2086
(cd "$PREFIX/debs" && apt-get "${AO[@]}" download $PKGS >/dev/null)
for deb in "$PREFIX"/debs/*.deb; do dpkg -x "$deb" "$PREFIX"; done
log "downloaded $(du -sm "$PREFIX/debs" | cut -f1) MB, unpacked in $((SECONDS - t0)) s"
rm -rf "$PREFIX/debs"

# Make the newer binaries run on the prefix's own glibc and libraries.
LIB="$PREFIX/usr/lib/x86_64-linux-gnu"
RPATH="$LIB:$PREFIX/usr/lib/llvm-$LV/lib"
is_elf() { [ -f "$1" ] && [ ! -L "$1" ] && [ "$(head -c4 "$1" | tr -d '\0')" = $'\x7fELF' ]; }
n=0
for f in "$PREFIX/usr/lib/llvm-$LV/bin/"* "$PREFIX/usr/bin/"wasm-*; do
  is_elf "$f" || continue
  patchelf --set-interpreter "$LIB/ld-linux-x86-64.so.2" --force-rpath --set-rpath "$RPATH" "$f"
  n=$((n + 1))
done
# libLLVM/libclang-cpp/libLTO carry a RUNPATH of their own (clang then misses libxml2.so.16).
for f in "$PREFIX/usr/lib/"{"llvm-$LV/lib",x86_64-linux-gnu}/lib{LLVM,clang-cpp,LTO}.so."$LV"*; do
  f=$(readlink -f "$f")
  if is_elf "$f"; then patchelf --force-rpath --set-rpath "$RPATH" "$f"; fi
done
log "patchelf: $n executables"

EMDIR="$PREFIX/usr/share/emscripten"
log "copying acorn into $EMDIR/node_modules"
mkdir -p "$EMDIR/node_modules"
for m in acorn acorn-import-phases; do
  if [ -e "$PREFIX/usr/share/nodejs/$m" ]; then
    rm -rf "$EMDIR/node_modules/$m"; cp -rL "$PREFIX/usr/share/nodejs/$m" "$EMDIR/node_modules/$m"
  fi
done

CONF="$PREFIX/emscripten.config"
log "writing $CONF"
{
  sed -e "s|^LLVM_ROOT *=.*|LLVM_ROOT = '$PREFIX/usr/bin'|" \
      -e "s|^BINARYEN_ROOT *=.*|BINARYEN_ROOT = '$PREFIX/usr'|" \
      -e "s|^EMSCRIPTEN_ROOT *=.*|EMSCRIPTEN_ROOT = '$EMDIR'|" \
      -e "s|^NODE_JS *=.*|NODE_JS = '$(command -v node || echo /usr/bin/node)'|" \
      "$EMDIR/.emscripten"
  # 3.1.69 ships prebuilt system libraries (FROZEN_CACHE) in its own cache dir;
  # 6.0.5 builds them on first use into a writable cache.
  if [ "$FLAVOR" = testing ]; then echo "CACHE = '$PREFIX/cache'"; fi
} > "$CONF"

cat > "$PREFIX/env.sh" <<EOF
# crossio Emscripten $FLAVOR toolchain (generated by ci/install-emscripten.sh)
export CROSSIO_EM_FLAVOR=$FLAVOR
export CROSSIO_EMSDK_DIR='$PREFIX'
export CROSSIO_WASM_OPT='$PREFIX/usr/bin/wasm-opt'
export EM_CONFIG='$CONF'
export PATH='$EMDIR':"\$PATH"
export CC_wasm32_unknown_emscripten=emcc
export CXX_wasm32_unknown_emscripten=em++
export AR_wasm32_unknown_emscripten=emar
EOF

log "checking: emcc --version"
# shellcheck disable=SC1091
( . "$PREFIX/env.sh" && emcc --version | head -1 )
echo "$FLAVOR $PKGS" > "$STAMP"
rust_target
echo "source $PREFIX/env.sh"
