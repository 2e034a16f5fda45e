#!/usr/bin/env bash
# Do two commits write the same CSV tables? Runs `reproduce` of notebooks 01-05 at one scale in a fresh worktree of
# each commit (fresh caches, --no-export, figures into a temporary NETSTATS_FIGURES) and compares every CSV cell by
# cell (scripts/compare-csv.ts): per notebook, files compared, cells equal and the largest relative difference.
#
#   scripts/compare-quick-csv.sh COMMIT_A COMMIT_B [SCALE]        (SCALE: quick by default; tiny for a smoke test)
#
# Environment: COMPARE_NOTEBOOKS (default "01 02 03 04 05"), COMPARE_RTOL (default 1e-6), COMPARE_ATOL (default 0), COMPARE_WORK (a folder for
# the worktrees, caches and logs; default a new one under /tmp), COMPARE_KEEP=1 keeps the worktrees afterwards,
# NETSTATS_DATA (default: datasets/ of this checkout). node_modules, lib/node_modules and the native build are REAL
# copies (cp -a) of this checkout's: hard links would share inodes with a checkout whose notebook kernel may be running.
# COMPARE_KERNEL_STARTUP_S (default 300): how long the notebook runner waits for a kernel to start, set in both
# worktrees' scripts/run_notebook.py (nbclient's startup_timeout, 60 s there): on a loaded machine under nice 19 a
# tslab kernel took longer than 60 s to answer. Both worktrees also get this checkout's kernel folder
# (jupyter/kernels/tslab: preloads that keep the kernel alive under load). The harness only; the library and the notebooks run as committed.
# COMPARE_REUSE_CACHE=1: side B starts from a copy of side A's finished cache instead of an empty one, so B recomputes
# only what its cache keys do not find (the script prints how many entries B added: 0 means every result came from
# the same cache keys, and the tables are B's code over A's trained models). Half the cost; it checks the keys and
# everything after training, not the training code itself.
# Every run is under `nice -n 19`. The two commits run one after the other, so they never compete for the CPU.
# The whole script is one function, parsed before it runs: editing the file during a run cannot change the run.
set -euo pipefail

main() {

if [ $# -lt 2 ]; then
  sed -n '2,16p' "$0"
  exit 2
fi
A_REF=$1
B_REF=$2
SCALE=${3:-quick}
NOTEBOOKS=${COMPARE_NOTEBOOKS:-01 02 03 04 05}
RTOL=${COMPARE_RTOL:-1e-6}
ATOL=${COMPARE_ATOL:-0}
HERE=$(git rev-parse --show-toplevel)
DATA=${NETSTATS_DATA:-$HERE/datasets}
WORK=${COMPARE_WORK:-$(mktemp -d /tmp/netstats-compare.XXXXXX)}
mkdir -p "$WORK"
A=$(git -C "$HERE" rev-parse --verify "$A_REF^{commit}")
B=$(git -C "$HERE" rev-parse --verify "$B_REF^{commit}")
echo "compare: A = $A_REF ($(git -C "$HERE" log -1 --format=%h "$A")), B = $B_REF ($(git -C "$HERE" log -1 --format=%h "$B")), scale $SCALE, notebooks $NOTEBOOKS"
echo "compare: worktrees, caches, figures and logs in $WORK"

cleanup() {
  if [ "${COMPARE_KEEP:-0}" != 1 ]; then
    for side in a b; do
      if [ -d "$WORK/$side" ]; then git -C "$HERE" worktree remove --force "$WORK/$side" || true; fi
    done
  fi
}
trap cleanup EXIT

# One side: worktree at the commit, real copies of the installed packages and the native build, a build of lib/,
# then the notebooks with a fresh cache. A notebook that fails leaves no CSV behind: the comparison reports it.
run_side() {
  local side=$1 commit=$2
  local tree="$WORK/$side"
  git -C "$HERE" worktree add --detach "$tree" "$commit" >/dev/null
  cp -a "$HERE/node_modules" "$tree/node_modules"
  if [ -d "$HERE/lib/node_modules" ]; then cp -a "$HERE/lib/node_modules" "$tree/lib/node_modules"; fi
  if [ -d "$HERE/lib/native/build/Release" ]; then
    mkdir -p "$tree/lib/native/build"
    cp -a "$HERE/lib/native/build/Release" "$tree/lib/native/build/"
  fi
  # The kernel's launch folder (kernel.json and its preloads) comes from this checkout: older commits' tslab kernels
  # died under load (zeromq.js EBUSY / EFSM while a notebook printed progress: a quick run of fdf8468 lost notebooks
  # 01 and 02 to it), and the kernel harness is not what the comparison is about.
  rm -rf "$tree/jupyter/kernels/tslab" && mkdir -p "$tree/jupyter/kernels" && cp -a "$HERE/jupyter/kernels/tslab" "$tree/jupyter/kernels/tslab"
  sed -i "s/^\( *\)timeout=args.timeout,\$/&\n\1startup_timeout=${COMPARE_KERNEL_STARTUP_S:-300},/" "$tree/scripts/run_notebook.py"
  grep -q startup_timeout "$tree/scripts/run_notebook.py" || echo "compare: $side: could not set the kernel start-up timeout (runner layout changed)"
  (cd "$tree" && nice -n 19 npm run -s build) >"$WORK/$side-build.log" 2>&1 || {
    echo "compare: $side ($commit) does not build; see $WORK/$side-build.log"
    tail -20 "$WORK/$side-build.log"
    return 0
  }
  rm -rf "$WORK/$side-cache" "$WORK/$side-figures"
  if [ "$side" = b ] && [ "${COMPARE_REUSE_CACHE:-0}" = 1 ]; then
    cp -a "$WORK/a-cache" "$WORK/b-cache"
    echo "compare: b starts from a copy of a's cache ($(cache_entries "$WORK/b-cache") entries)"
  fi
  local started=$SECONDS
  # shellcheck disable=SC2086 # the notebook prefixes are separate arguments
  (cd "$tree" && NETSTATS_SCALE=$SCALE NETSTATS_CACHE="$WORK/$side-cache" NETSTATS_FIGURES="$WORK/$side-figures" NETSTATS_DATA="$DATA" \
    nice -n 19 npx tsx lib/src/cli/reproduce.ts $NOTEBOOKS --no-export) >"$WORK/$side-reproduce.log" 2>&1 || true
  echo "compare: $side ran in $((SECONDS - started)) s; its cache holds $(cache_entries "$WORK/$side-cache") entries; its summary:"
  # Newer runners end with a 'reproduce summary' block, older ones with one 'reproduce: ...' line.
  grep -E '^reproduce|^  (ran|skipped|failed) \(|FAILED|SKIPPED' "$WORK/$side-reproduce.log" | sed 's/^/  /' || true
}

# Entries of a result cache: each is a folder with its meta.json.
cache_entries() { if [ -d "$1" ]; then find "$1" -name meta.json | wc -l; else echo 0; fi; }

run_side a "$A"
run_side b "$B"
mkdir -p "$WORK/a-figures" "$WORK/b-figures"
nice -n 19 "$HERE/node_modules/.bin/tsx" "$HERE/scripts/compare-csv.ts" "$WORK/a-figures" "$WORK/b-figures" --rtol "$RTOL" --atol "$ATOL" \
  --notebooks "$(echo $NOTEBOOKS | tr ' ' ',')"
}

main "$@"
exit
