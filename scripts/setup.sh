#!/usr/bin/env bash
# One-time setup on Debian/Ubuntu: OS packages, npm dependencies, the native kernel addon, the library build,
# and (on the development machines) the shared datasets unpacked into datasets/. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# jupyter-notebook: the server for interactive use (README, "Working with the notebooks") and npm run test:browser.
# redis-server: the queue that spreads a grid over workers (README, "Many machines") and npm run test:queue; the
# package's own service is left as Debian starts it, the tests start their own server on a free port.
OS_PACKAGES=(chromium jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipykernel dataset-fashion-mnist libopenblas-dev g++ make redis-server)

missing=()
for p in "${OS_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: not a Debian/Ubuntu system; install the equivalents of: ${missing[*]} (see README.md)" >&2
  elif [ "$(id -u)" = 0 ]; then
    echo "setup: apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: installing OS packages with sudo: ${missing[*]}"
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

# oneDNN (the library PyTorch runs its CPU convolutions in): the native addon's convolutions use it when its headers
# are there at build time. Optional: where the package is missing (older releases), the addon's C kernels run.
if command -v apt-get >/dev/null 2>&1 && ! dpkg -s libdnnl-dev >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "setup: apt-get install libdnnl-dev (optional: oneDNN convolutions)"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libdnnl-dev >/dev/null \
    || echo "setup: libdnnl-dev not installed; the native addon uses its own C convolutions"
fi

echo "setup: npm ci"
npm ci --no-audit --no-fund

if [ -f scripts/build-native.sh ]; then
  echo "setup: native kernel addon"
  bash scripts/build-native.sh || echo "setup: native addon not built; training runs on wasm + JS kernels"
fi

echo "setup: building @netstats/lib"
npm run build --silent

# Development machines keep CIFAR-10, the ImageNet sample and Tiny Darknet in ../shared; elsewhere see datasets/README.md.
if [ -d ../shared/datasets ] && [ -f scripts/unpack-shared-data.sh ]; then
  bash scripts/unpack-shared-data.sh ../shared datasets
fi

# Whatever is still missing is downloaded (verified, resumable) when the network allows; offline the tests use small
# generated fixtures and `npm run reproduce` skips the notebooks that need the data, so setup goes on.
echo "setup: fetching missing datasets (npm run datasets -- --fetch)"
if npm run --silent datasets -- --fetch; then
  echo "setup: datasets complete"
else
  echo "setup: could not fetch every dataset (offline, or see the message above); going on without them."
  echo "setup: the tests do not need them; fetch later with: npm run datasets -- --fetch"
fi
# Every dataset present is checked against its published checksums and decoded once into datasets/.cache, so that
# no notebook or test pays the first decode (CIFAR-10's 60,000 JPEGs take about 3 minutes on 2 cores).
echo "setup: checking and decoding the datasets once (npm run datasets)"
npm run --silent datasets > "${TMPDIR:-/tmp}/netstats-datasets.log" 2>&1 \
  && echo "setup: datasets checked (report: ${TMPDIR:-/tmp}/netstats-datasets.log)" \
  || { echo "setup: a dataset failed its check:"; tail -n 20 "${TMPDIR:-/tmp}/netstats-datasets.log"; }
echo "setup: done"
