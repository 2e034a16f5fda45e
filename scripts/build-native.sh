#!/usr/bin/env bash
# Builds the optional N-API addon lib/native (GEMM convolutions on OpenBLAS, used by the tfjs kernel pack).
# Always exits 0: without the addon everything still runs on wasm + JS, and the kernel-pack report says why.
set -u
cd "$(dirname "$0")/../lib/native" || { echo "build-native: lib/native not found; skipping"; exit 0; }
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
if node "$GYP" rebuild --nodedir="$NODEDIR" >"$LOG" 2>&1; then
  echo "build-native: built lib/native/build/Release/netstats_native.node"
else
  echo "build-native: build failed (log: $LOG); wasm+JS kernels will be used"
  tail -n 20 "$LOG"
fi
exit 0
