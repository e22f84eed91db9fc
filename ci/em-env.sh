#!/usr/bin/env bash
# Print the env.sh path of an installed Emscripten flavor (same prefix rule as install-emscripten.sh).
#   source "$(bash ci/em-env.sh testing)"
set -euo pipefail
FLAVOR=${1:-testing}
echo "${CROSSIO_EMSDK_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/crossio/emscripten-$FLAVOR}/env.sh"
