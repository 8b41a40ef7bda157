#!/usr/bin/env bash
# Runs every benchmark and regenerates BENCHMARKS.md from the results.
# WORKSHARE_BENCH_THREADS (default "2,8") sets the thread counts of the fork-join benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf target/criterion
BENCHMARK_COMMIT="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!BENCHMARKS.md' || echo ' with uncommitted changes')"
export BENCHMARK_COMMIT
cargo bench --bench fork_join --bench parfor --bench reductions
python3 scripts/benchmarks.py > BENCHMARKS.md
echo "wrote BENCHMARKS.md"
