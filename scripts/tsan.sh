#!/usr/bin/env bash
# ThreadSanitizer over the tests of the pool, the loops and the reductions, the root crate's
# composition tests, and a bounded run of the stress test.
#
# Needs a nightly toolchain with rust-src: the standard library is rebuilt with the sanitizer
# (-Zbuild-std), so that its own synchronization (Arc, Mutex, thread join) is instrumented and
# does not show up as false races. Builds in target/tsan. Any report fails the run
# (halt_on_error). Where nightly or rust-src cannot be had, prints a notice and exits 0.
#
#   bash scripts/tsan.sh                           # 2000 stress operations
#   WORKSHARE_STRESS_LOOPS=20000 bash scripts/tsan.sh
set -euo pipefail
cd "$(dirname "$0")/.."

target=x86_64-unknown-linux-gnu
if [ "$(uname -sm)" != "Linux x86_64" ]; then
  echo "NOTICE: ThreadSanitizer run skipped: it is set up for $target only."
  exit 0
fi
if ! rustup +nightly component add rust-src >/dev/null 2>&1; then
  echo "NOTICE: ThreadSanitizer run skipped: no nightly toolchain with rust-src (rustup could not add it)."
  exit 0
fi

export RUSTFLAGS="-Zsanitizer=thread"
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
# Everything runs several times slower under TSan: fewer stress operations than in the release
# run (about half a minute on 2 cores), with the same watchdog.
export WORKSHARE_STRESS_LOOPS="${WORKSHARE_STRESS_LOOPS:-2000}"
tsan_test() {
  cargo +nightly test -Zbuild-std --target "$target" --target-dir target/tsan "$@"
}

start=$(date +%s)
echo "--- build (standard library and tests, instrumented)"
tsan_test --no-run -p workshare-pool --tests
tsan_test --no-run -p workshare-parfor -p workshare-reductions --tests
tsan_test --no-run -p workshare --test stress --test compose
built=$(date +%s)
echo "--- workshare-pool: unit tests, models and integration tests"
tsan_test -p workshare-pool --tests
echo "--- workshare-parfor and workshare-reductions: unit tests, models and integration tests"
tsan_test -p workshare-parfor -p workshare-reductions --tests
echo "--- workshare: composition tests (many callers, nesting, rayon in between, helper threads)"
tsan_test -p workshare --test compose
echo "--- stress test, $WORKSHARE_STRESS_LOOPS operations"
tsan_test -p workshare --test stress
end=$(date +%s)
echo "ThreadSanitizer: no reports; build $((built - start)) s, tests $((end - built)) s"
