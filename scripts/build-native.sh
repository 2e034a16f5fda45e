#!/usr/bin/env bash
# Builds the optional N-API addon lib/native (direct convolutions, batch norm, elementwise kernels,
# optimiser updates and OpenBLAS matmul for the tfjs kernel pack).
# Always exits 0: without the addon everything still runs on wasm + JS, and the kernel-pack report says why.
# The build runs in a temporary directory; the finished .node file is then renamed into
# lib/native/build/Release, so processes that have the previous build loaded keep working and a
# failed build leaves the previous one in place.
set -u
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SRC="$ROOT/lib/native"
[ -d "$SRC" ] || { echo "build-native: lib/native not found; skipping"; exit 0; }
if [ ! -e /usr/include/x86_64-linux-gnu/cblas.h ] && [ ! -e /usr/include/cblas.h ]; then
  echo "build-native: OpenBLAS headers missing (apt-get install libopenblas-dev); skipping, wasm+JS kernels will be used"
  exit 0
fi
GYP=""
for cand in /usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js \
            "$(dirname "$(command -v npm 2>/dev/null || echo /usr/bin/npm)")/../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"; do
  if [ -f "$cand" ]; then GYP="$cand"; break; fi
done
if [ -z "$GYP" ]; then
  echo "build-native: node-gyp not found (it ships with npm); skipping, wasm+JS kernels will be used"
  exit 0
fi
LOG="${TMPDIR:-/tmp}/netstats-build-native.log"
NODEDIR="${npm_config_nodedir:-/usr}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/netstats-native.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
cp -r "$SRC/binding.gyp" "$SRC/src" "$WORK/"
if (cd "$WORK" && node "$GYP" rebuild --nodedir="$NODEDIR") >"$LOG" 2>&1; then
  mkdir -p "$SRC/build/Release"
  cp "$WORK/build/Release/netstats_native.node" "$SRC/build/Release/.netstats_native.node.new"
  mv -f "$SRC/build/Release/.netstats_native.node.new" "$SRC/build/Release/netstats_native.node"
  echo "build-native: built lib/native/build/Release/netstats_native.node"
else
  echo "build-native: build failed (log: $LOG); wasm+JS kernels will be used (a previous build, if any, is kept)"
  tail -n 20 "$LOG"
fi
exit 0
