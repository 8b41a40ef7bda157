#!/usr/bin/env bash
# Runs every benchmark, then writes BENCHMARKS.md and docs/charts/*.svg from the results
# (benches/report: no number typed by hand). The benchmarks are the `workshare-bench` package
# (benches/Cargo.toml), which compiles the OpenMP comparisons in benches/omp, and, where a C++
# compiler runs (scripts/cxx.sh), the ForkUnion rows of W0, W8 and W10 (its `forkunion` feature:
# the `fork_union` crate compiles a C++17 core); without one, those rows are absent. After the
# benchmarks, scripts/spread.sh runs W0 and W10 in SPREAD_PROCESSES separate processes (default
# 5; 0 skips it), and the report shows each row's spread over them.
#
#   bash scripts/benchmarks.sh          full mode: the settings the recorded report uses
#   bash scripts/benchmarks.sh quick    quick mode: the same workloads, short warm-up and
#                                       measurement, fewest samples (WORKSHARE_BENCH_QUICK=1)
#
# Environment: WORKSHARE_BENCH_THREADS (default "2,8"): thread counts of the fork-join,
# overhead and idle benchmarks; WORKSHARE_BENCH_MAX_THREADS (default: the machine's available
# parallelism): the largest thread count of the scaling sweep; WORKSHARE_NUM_THREADS and
# RAYON_NUM_THREADS (default: the available cores): the sizes of the global pools that the
# library benchmark (W11) calls through; CARGO_TARGET_DIR: where cargo builds and criterion
# keeps its results; SPREAD_PROCESSES and SPREAD_THREADS (default 5 and 2): see
# scripts/spread.sh; CXX: the C++ compiler for ForkUnion's rows; BENCHMARKS_OUT (default
# BENCHMARKS.md) and BENCHMARKS_CHARTS (default docs/charts): where the report and its charts go.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-full}" in
  full) unset WORKSHARE_BENCH_QUICK ;;
  quick) export WORKSHARE_BENCH_QUICK=1 ;;
  *) echo "usage: $0 [full|quick]" >&2; exit 2 ;;
esac
target="${CARGO_TARGET_DIR:-target}"
# Only this run's results: a group left from an earlier run would mix two runs in one report.
rm -rf "$target/criterion" "$target/workshare-bench"
BENCHMARK_COMMIT="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!BENCHMARKS.md' ':!docs/charts' || echo ' with uncommitted changes')"
export BENCHMARK_COMMIT
# shellcheck source=scripts/cxx.sh
source scripts/cxx.sh
benches=(--bench fork_join --bench overhead --bench parfor --bench scaling --bench reductions
  --bench idle --bench targets --bench library --bench cold_wake)
cargo bench -p workshare-bench "${forkunion_features[@]}" --no-run "${benches[@]}"
started=$(date +%s)
cargo bench -p workshare-bench "${forkunion_features[@]}" "${benches[@]}"
BENCHMARK_SECONDS=$(( $(date +%s) - started ))
export BENCHMARK_SECONDS
echo "benchmarks took $BENCHMARK_SECONDS s"
# The spread over processes, into $target/workshare-bench/spread, which the report reads.
spread=${SPREAD_PROCESSES:-5}
if [ "$spread" != 0 ]; then
  bash scripts/spread.sh "$spread"
fi
cargo run --release --quiet -p workshare-bench-report -- \
  --out "${BENCHMARKS_OUT:-BENCHMARKS.md}" --charts "${BENCHMARKS_CHARTS:-docs/charts}"
