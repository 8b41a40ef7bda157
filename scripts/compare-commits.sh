#!/usr/bin/env bash
# Runs the committed fork-join benchmark (W0) of two commits in alternating processes and prints
# each process's medians beside the hardware ping-pong floor measured in the same process.
#
#   bash scripts/compare-commits.sh OLD NEW [PROCESSES] [FILTER]
#
# The host's placement of the two virtual CPUs moves W0 by 2-5x from one process to the next, so
# a single run of each commit says little: this alternates OLD, NEW, OLD, NEW, ... (PROCESSES
# runs of each, default 4), and reports every row as a ratio to the ping-pong floor of its own
# process. FILTER (a criterion regex, default: the floor and workshare's region at 2 and 8
# threads) picks the rows. Each commit is built in a worktree under target/compare/, with its
# own target directory; nothing in the working tree changes. Quick mode (short groups) is on
# unless WORKSHARE_BENCH_QUICK=0.
set -euo pipefail
cd "$(dirname "$0")/.."
old=${1:?usage: $0 OLD NEW [PROCESSES] [FILTER]}
new=${2:?usage: $0 OLD NEW [PROCESSES] [FILTER]}
processes=${3:-4}
filter=${4:-'W0_empty_fork_join/(hardware_ping_pong|workshare_region)/'}
export WORKSHARE_BENCH_QUICK=${WORKSHARE_BENCH_QUICK:-1}
base=$(pwd)/target/compare

bench_package() { # commit worktree -> the package that holds the benchmarks
  # Since the benchmarks became a workspace member of their own (`benches/Cargo.toml`) they are
  # `workshare-bench`; older commits keep them in the root package `workshare`.
  if [ -f "$1/benches/Cargo.toml" ]; then echo workshare-bench; else echo workshare; fi
}

prepare() { # commit -> worktree path with the bench built
  local commit=$1 dir="$base/$1"
  if [ ! -d "$dir" ]; then
    git worktree add --detach "$dir" "$commit" >/dev/null
  fi
  (cd "$dir" && CARGO_TARGET_DIR="$dir/target" \
    cargo bench -p "$(bench_package "$dir")" --bench fork_join --no-run -q) >&2
  echo "$dir"
}

median_ns() { # criterion directory -> median estimate in ns
  sed -e 's/.*"median":{"confidence_interval":{[^}]*},"point_estimate":\([0-9.e+-]*\).*/\1/' \
    "$1/new/estimates.json"
}

report() { # commit worktree -> one line per row: name ns ratio-to-floor
  local dir=$1/target/criterion/W0_empty_fork_join
  local floor
  floor=$(median_ns "$dir/hardware_ping_pong/2")
  for row in "$dir"/*/*; do
    [ -f "$row/new/estimates.json" ] || continue
    local name=${row#"$dir"/}
    local ns
    ns=$(median_ns "$row")
    awk -v n="$name" -v ns="$ns" -v f="$floor" 'BEGIN { printf "  %-32s %10.0f ns  %6.2fx floor\n", n, ns, ns / f }'
  done
}

old_dir=$(prepare "$old")
new_dir=$(prepare "$new")
for round in $(seq 1 "$processes"); do
  for side in old new; do
    if [ "$side" = old ]; then dir=$old_dir commit=$old; else dir=$new_dir commit=$new; fi
    rm -rf "$dir/target/criterion"
    (cd "$dir" && CARGO_TARGET_DIR="$dir/target" \
      cargo bench -q -p "$(bench_package "$dir")" --bench fork_join -- "$filter" >/dev/null 2>&1)
    echo "process $round, $side ($commit):"
    report "$dir"
  done
done
