#!/usr/bin/env bash
# Runs the W0 fork-join comparison (benches/fork_join.rs) and the W10 cold wake
# (benches/cold_wake.rs) in PROCESSES separate processes each, alternating, and prints each
# row's smallest, median and largest value over the processes, also as a ratio to the hardware
# ping-pong floor measured in the same process. The host's placement of a virtual machine's CPUs
# moves W0 by 2-5x from one process to the next, so one process says little about a runtime:
# the spread says how much a row moves, and whether two runtimes move together.
#
#   bash scripts/spread.sh [PROCESSES] [FILTER]
#
# PROCESSES: default 5. FILTER: a criterion regex over fork_join's rows; the default is the
# floor and each runtime's fork-join (workshare's region, rayon's broadcast from outside,
# OpenMP's parallel, ForkUnion's for_threads) and 1,000-iteration loop (workshare Static, rayon,
# ForkUnion's for_slices). Each process runs in quick mode (WORKSHARE_BENCH_QUICK=1 unless set:
# 0.1 s of warm-up and 0.3 s of measurement a W0 row, 50 calls after 1 ms and 6 after 50 ms for
# W10: a few seconds a process) with pools of SPREAD_THREADS threads (default 2). Where a C++
# compiler runs, the ForkUnion rows are built (--features forkunion; scripts/cxx.sh).
#
# Each process's results stay in $CARGO_TARGET_DIR (default target)/workshare-bench/spread/
# process-K/ (criterion's files under criterion/, and cold_wake.json); the table comes from
# the report generator (`workshare-bench-report --spread`), and scripts/benchmarks.sh runs this
# after the other benchmarks so that BENCHMARKS.md has the table too.
set -euo pipefail
cd "$(dirname "$0")/.."
processes=${1:-5}
filter=${2:-'^W0_empty_fork_join/(hardware_ping_pong|workshare_region|rayon_broadcast_outside|openmp_parallel|forkunion_for_threads)/|^W0_write_1000/(workshare_static|rayon_par_iter|forkunion_for_slices)/'}
case "$processes" in
  '' | *[!0-9]* | 0) echo "usage: $0 [PROCESSES >= 1] [FILTER]" >&2; exit 2 ;;
esac
export WORKSHARE_BENCH_QUICK=${WORKSHARE_BENCH_QUICK:-1}
export WORKSHARE_BENCH_THREADS=${SPREAD_THREADS:-2}
# shellcheck source=scripts/cxx.sh
source scripts/cxx.sh
target="${CARGO_TARGET_DIR:-target}"
out="$target/workshare-bench/spread"

cargo bench -q -p workshare-bench "${forkunion_features[@]}" --bench fork_join --bench cold_wake --no-run
rm -rf "$out"
for k in $(seq 1 "$processes"); do
  mkdir -p "$out/process-$k"
  # Absolute: cargo runs a bench in its package's directory (benches/).
  dir=$(cd "$out/process-$k" && pwd)
  for bench in fork_join cold_wake; do
    args=()
    if [ "$bench" = fork_join ]; then args=(-- "$filter"); fi
    if ! CRITERION_HOME="$dir/criterion" WORKSHARE_BENCH_OUTPUT_DIR="$dir" \
      cargo bench -q -p workshare-bench "${forkunion_features[@]}" --bench "$bench" "${args[@]}" \
      >"$dir/$bench.log" 2>&1; then
      echo "process $k: $bench failed; its output:" >&2
      cat "$dir/$bench.log" >&2
      exit 1
    fi
  done
  echo "process $k of $processes done" >&2
done
cargo run --release --quiet -p workshare-bench-report -- --target "$target" --spread
