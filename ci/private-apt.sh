# shellcheck shell=bash
# Sourced by ci/install-emscripten.sh and ci/install-node.sh: download Debian packages of any
# suite with apt's state kept in a private directory, and unpack them into a prefix (dpkg -x,
# no system change). Needs a `log` function in the caller.
#   private_apt_unpack PREFIX SUITE "PKG PKG ..."
# Removes PREFIX/usr first, then leaves the packages unpacked under PREFIX/usr.

# The machine's own Debian mirror: the first non-security URI of /etc/apt.
debian_mirror() {
  local m
  m=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  [ -n "$m" ] || m=$(awk '/^deb / && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  echo "$m"
}

private_apt_unpack() {
  local prefix=$1 suite=$2 pkgs=$3 mirror apt t0
  mirror=$(debian_mirror)
  [ -n "$mirror" ] || { log "no Debian mirror found in /etc/apt" >&2; return 1; }
  log "installing $suite packages from $mirror into $prefix"
  rm -rf "${prefix:?}/usr" "${prefix:?}/debs"
  apt="$prefix/apt"
  mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$prefix/debs"
  echo "deb $mirror $suite main" > "$apt/sources.list"
  local ao=(-q -o "Dir::Etc::sourcelist=$apt/sources.list" -o Dir::Etc::sourceparts=/dev/null
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt" -o "Dir::Cache::archives=$apt/archives"
    -o APT::Sandbox::User="$(id -un)")
  t0=$SECONDS
  log "apt-get update ($suite, private state in $apt)"
  apt-get "${ao[@]}" update >/dev/null
  # shellcheck disable=SC2086
  log "apt-get download:" $pkgs
  # shellcheck disable=SC2086
  (cd "$prefix/debs" && apt-get "${ao[@]}" download $pkgs >/dev/null)
  local deb
  for deb in "$prefix"/debs/*.deb; do dpkg -x "$deb" "$prefix"; done
  log "downloaded $(du -sm "$prefix/debs" | cut -f1) MB, unpacked in $((SECONDS - t0)) s"
  rm -rf "$prefix/debs"
}
