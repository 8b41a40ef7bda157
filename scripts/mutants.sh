#!/usr/bin/env bash
# Mutation testing of the synchronization protocols against their loom models.
#
# Each mutant changes one thing in a copy of the sources:
#   - an atomic ordering weakened one step (SeqCst -> AcqRel/Acquire/Release by the operation,
#     AcqRel -> Acquire and -> Release, Acquire -> Relaxed, Release -> Relaxed);
#   - a wake-up removed (a `.notify()`, `.notify_after_fence()` or `.wake(` call statement);
#   - a boundary perturbed, at the lines marked `// mutant: boundary` (at their end, or alone
#     on the line before): `<` <-> `<=` and
#     `>` <-> `>=`, a `.min(..)` or `.max(..)` clamp dropped, a `.clamp(lo, hi)` losing its
#     upper bound, `.div_ceil(d)` rounding down instead, `+ 1` or `- 1` dropped;
# and runs the loom models of the crate it is in (LOOM_MAX_PREEMPTIONS as in .ci/run), and for a
# boundary mutant that the models do not catch, the crate's unit tests too (without loom: they
# pin the ragged sizes that a small model does not reach). A mutant is *killed* when some model
# or test fails (or times out), and *survives* when every one passes.
# A survivor must be explained in scripts/mutants-explained.txt (one line per mutant key:
# `KEY<TAB>reason`, the reason pointing at the DESIGN.md section that argues it); unexplained
# survivors make the script exit 1.
#
#   bash scripts/mutants.sh                 every mutant of every crate
#   bash scripts/mutants.sh --list          list the mutants with their keys, run nothing
#   bash scripts/mutants.sh --budget 540    stop starting mutants 540 s after the start, baselines
#                                           included (a bounded sample, in an order that changes
#                                           with MUTANTS_SEED)
#   bash scripts/mutants.sh --match dispatch.rs   only mutants whose key contains the text
#
# Environment: MUTANTS_SEED (default: the day of the year) orders a bounded sample;
# LOOM_MAX_PREEMPTIONS (default 2); MUTANT_TIMEOUT seconds per mutant (default 300).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

budget=0
match=""
list_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --budget) budget=$2; shift 2 ;;
    --match) match=$2; shift 2 ;;
    --list) list_only=1; shift ;;
    *) echo "usage: $0 [--list] [--budget SECONDS] [--match TEXT]" >&2; exit 2 ;;
  esac
done

# The files whose protocols have loom models, by crate.
files=(
  "workshare-pool pool/src/dispatch.rs"
  "workshare-pool pool/src/team.rs"
  "workshare-pool pool/src/sleep.rs"
  "workshare-pool pool/src/barrier.rs"
  "workshare-pool pool/src/workshare.rs"
  "workshare-pool pool/src/sync.rs"
  "workshare-pool pool/src/collective.rs"
  "workshare-pool pool/src/region_slice.rs"
  "workshare-parfor parfor/src/chunking.rs"
  "workshare-parfor parfor/src/stealing.rs"
  "workshare-parfor parfor/src/largest_team.rs"
  "workshare-reductions reductions/src/deterministic.rs"
  "workshare-reductions reductions/src/slots.rs"
)

# Enumerate mutants: "crate|file|line|kind|from|to|fn" (kind: ordering, notify, boundary; fn:
# the function the line is in, which keeps keys apart when two lines read the same).
enumerate() {
  local crate file
  for entry in "${files[@]}"; do
    crate=${entry%% *}
    file=${entry#* }
    [ -f "$file" ] || continue
    awk -v crate="$crate" -v file="$file" '
      function emit(kind, from, to) { printf "%s|%s|%d|%s|%s|%s|%s\n", crate, file, NR, kind, from, to, fn }
      {
        if (match($0, /fn [A-Za-z0-9_]+/)) fn = substr($0, RSTART + 3, RLENGTH - 3)
        code = $0
        sub(/\/\/.*/, "", code)              # comments are not code
        if (code ~ /Ordering::SeqCst/) {
          if (code ~ /fence\(/ || code ~ /fetch_|compare_exchange|swap\(/) emit("ordering", "Ordering::SeqCst", "Ordering::AcqRel")
          else if (code ~ /\.load\(/) emit("ordering", "Ordering::SeqCst", "Ordering::Acquire")
          else if (code ~ /\.store\(/) emit("ordering", "Ordering::SeqCst", "Ordering::Release")
        }
        if (code ~ /Ordering::AcqRel/) { emit("ordering", "Ordering::AcqRel", "Ordering::Acquire"); emit("ordering", "Ordering::AcqRel", "Ordering::Release") }
        if (code ~ /Ordering::Acquire/) emit("ordering", "Ordering::Acquire", "Ordering::Relaxed")
        if (code ~ /Ordering::Release/) emit("ordering", "Ordering::Release", "Ordering::Relaxed")
        if (code ~ /^[ \t]*[A-Za-z_.&*()\[\]]*\.(notify|notify_after_fence)\(\);[ \t]*$/ || code ~ /^[ \t]*self\.dispatch\.wake\(/) emit("notify", "CALL", "REMOVED")
        # The marker ends the line it perturbs, or stands alone on the line before it.
        marked = pending || ($0 ~ /\/\/ mutant: boundary/ && code !~ /^[ \t]*$/)
        pending = ($0 ~ /\/\/ mutant: boundary/ && code ~ /^[ \t]*$/)
        if (marked) {
          if (code ~ / < /) emit("boundary", " < ", " <= ")
          if (code ~ / <= /) emit("boundary", " <= ", " < ")
          if (code ~ / > /) emit("boundary", " > ", " >= ")
          if (code ~ / >= /) emit("boundary", " >= ", " > ")
          if (code ~ /\.min\(/) emit("boundary", ".min(", "<clamp dropped>")
          if (code ~ /\.max\(/) emit("boundary", ".max(", "<clamp dropped>")
          if (code ~ /\.clamp\(/) emit("boundary", ".clamp(", "<upper clamp dropped>")
          if (code ~ /\.div_ceil\(/) emit("boundary", ".div_ceil(", " / (")
          if (code ~ / \+ 1/) emit("boundary", " + 1", "")
          if (code ~ / - 1/) emit("boundary", " - 1", "")
        }
      }' "$file"
  done
}

mapfile -t mutants < <(enumerate)
# Also the wake-up in pool.rs (the owner waking the workers it claimed).
while IFS= read -r line; do mutants+=("workshare-pool|pool/src/pool.rs|$line|notify|CALL|REMOVED|run_team"); done \
  < <(grep -n 'self\.dispatch\.wake(' pool/src/pool.rs | cut -d: -f1)

key_of() { # crate file line kind from to fn -> "file fn: <trimmed line text> [from -> to]"
  local file=$2 line=$3 from=$5 to=$6 fn=$7
  local text
  text=$(sed -n "${line}p" "$root/$file" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//')
  printf '%s %s: %s [%s -> %s]' "$file" "$fn" "$text" "$from" "$to"
}

if [ -n "$match" ]; then
  filtered=()
  for m in "${mutants[@]}"; do
    IFS='|' read -r c f l k fr to fn <<<"$m"
    key=$(key_of "$c" "$f" "$l" "$k" "$fr" "$to" "$fn")
    case "$key" in *"$match"*) filtered+=("$m") ;; esac
  done
  mutants=("${filtered[@]}")
fi

if [ "$budget" -gt 0 ]; then
  # A different order each day (or MUTANTS_SEED), so that repeated bounded runs cover them all.
  seed=${MUTANTS_SEED:-$(date +%j)}
  mapfile -t mutants < <(printf '%s\n' "${mutants[@]}" | awk -v s="$seed" 'BEGIN{srand(s)} {print rand() "\t" $0}' | sort -k1,1 | cut -f2-)
fi

if [ "$list_only" = 1 ]; then
  for m in "${mutants[@]}"; do
    IFS='|' read -r c f l k fr to fn <<<"$m"
    key_of "$c" "$f" "$l" "$k" "$fr" "$to" "$fn"
    echo
  done
  echo "${#mutants[@]} mutants"
  exit 0
fi

# The budget counts from here: the baselines below are part of it.
started=$(date +%s)
explained="$root/scripts/mutants-explained.txt"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A copy of the sources to mutate; the target directory is shared between mutants, so only
# the mutated crate recompiles.
tar -C "$root" --exclude=./target --exclude=./.git -cf - . | tar -C "$work" -xf -
# Newer than anything a previous run built from a mutated copy into the shared target
# directory (tar keeps the sources' times, and cargo would take that build as fresh).
find "$work" -name '*.rs' -exec touch {} +
export CARGO_TARGET_DIR="$root/target/mutants"
export RUSTFLAGS="--cfg loom"
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-2}"
per_mutant=${MUTANT_TIMEOUT:-300}

# The unmutated models must pass first, or every mutant would look killed.
for crate in workshare-pool workshare-parfor workshare-reductions; do
  # Only the crates that some selected mutant is in.
  printf '%s\n' "${mutants[@]}" | grep -q "^$crate|" || continue
  echo "baseline: $crate"
  (cd "$work" && timeout 1200 cargo test --quiet --release --lib -p "$crate" models >/dev/null 2>&1) || {
    echo "the loom models of $crate fail without any mutation: fix them first" >&2
    exit 1
  }
done

# The crate's unit tests, without loom (for boundary mutants that survive the models); a
# boundary mutant that loops forever is caught by the timeout.
unit_tests() {
  (cd "$work" && RUSTFLAGS="" CARGO_TARGET_DIR="$root/target/mutants-std" \
    timeout "$per_mutant" cargo test --quiet --release --lib -p "$1")
}
for m in "${mutants[@]}"; do
  IFS='|' read -r crate _ _ kind _ <<<"$m"
  [ "$kind" = boundary ] || continue
  case " ${unit_baseline:-} " in *" $crate "*) continue ;; esac
  unit_baseline="${unit_baseline:-} $crate"
  echo "baseline: $crate unit tests"
  unit_tests "$crate" >/dev/null 2>&1 || {
    echo "the unit tests of $crate fail without any mutation: fix them first" >&2
    exit 1
  }
done

killed=0 survived=0 unexplained=0 skipped=0
survivors=()
for m in "${mutants[@]}"; do
  IFS='|' read -r crate file line kind from to fn <<<"$m"
  key=$(key_of "$crate" "$file" "$line" "$kind" "$from" "$to" "$fn")
  if [ "$budget" -gt 0 ] && [ $(( $(date +%s) - started )) -ge "$budget" ]; then
    skipped=$((skipped + 1))
    continue
  fi
  cp "$root/$file" "$work/$file"
  if [ "$kind" = notify ]; then
    sed -i "${line}s/^\([[:space:]]*\).*$/\1\/\/ (mutant: wake-up removed)/" "$work/$file"
  else
    awk -v n="$line" -v from="$from" -v to="$to" '
      # The end of the call whose argument list opens just before `at`, and (in `comma`) the
      # position of its first top-level comma.
      function close_of(line, at,    depth, j, c) {
        depth = 1; comma = 0
        for (j = at; j <= length(line); j++) {
          c = substr(line, j, 1)
          if (c == "(") depth++
          else if (c == ")" && --depth == 0) return j
          else if (c == "," && depth == 1 && !comma) comma = j
        }
        return 0
      }
      NR == n {
        i = index($0, from)
        if (i > 0 && to == "<clamp dropped>") {
          j = close_of($0, i + length(from))
          if (j > 0) $0 = substr($0, 1, i - 1) substr($0, j + 1)
        } else if (i > 0 && to == "<upper clamp dropped>") {
          j = close_of($0, i + length(from))
          if (j > 0 && comma > 0)
            $0 = substr($0, 1, i - 1) ".max(" substr($0, i + length(from), comma - i - length(from)) ")" substr($0, j + 1)
        } else if (i > 0) $0 = substr($0, 1, i - 1) to substr($0, i + length(from))
      }
      { print }' "$root/$file" >"$work/$file"
  fi
  if cmp -s "$root/$file" "$work/$file"; then
    echo "?? not applied: $key"
    continue
  fi
  t0=$(date +%s)
  if (cd "$work" && timeout "$per_mutant" cargo test --quiet --release --lib -p "$crate" models >"$work/log" 2>&1); then
    verdict=SURVIVED
    # A boundary the models do not reach may still be pinned by the crate's unit tests (the
    # ragged sizes: a chunk larger than what is left, a length the parts do not divide).
    if [ "$kind" = boundary ] && ! unit_tests "$crate" >"$work/log" 2>&1; then
      verdict=killed
      grep -q "error\[E" "$work/log" && verdict="NOT COMPILED"
    fi
  else
    rc=$?
    verdict=killed
    [ "$rc" = 124 ] && verdict="killed (timeout)"
    grep -q "error\[E" "$work/log" && verdict="NOT COMPILED"
  fi
  cp "$root/$file" "$work/$file"
  secs=$(( $(date +%s) - t0 ))
  # The evidence: which models failed.
  caught=$(grep -E '^    [a-z_0-9]+::[a-z_0-9:]+$' "$work/log" | sed -e 's/^ *models:://' -e 's/^ *//' | sort -u | paste -sd, - || true)
  [ -n "$caught" ] && key_note=" <- $caught" || key_note=""
  case "$verdict" in
    killed*) killed=$((killed + 1)) ;;
    SURVIVED)
      survived=$((survived + 1))
      if [ -f "$explained" ] && grep -qF -- "$key" "$explained"; then
        verdict="survived (explained)"
      else
        unexplained=$((unexplained + 1))
        survivors+=("$key")
      fi ;;
    *) unexplained=$((unexplained + 1)); survivors+=("$key (did not compile)") ;;
  esac
  printf '%-22s %4ss  %s%s\n' "$verdict" "$secs" "$key" "$key_note"
done

echo
echo "mutants: ${#mutants[@]}, killed $killed, survived $survived (unexplained $unexplained), not run (budget) $skipped"
if [ "$unexplained" -gt 0 ]; then
  echo "unexplained survivors (kill them with a model, or explain them in scripts/mutants-explained.txt):"
  printf '  %s\n' "${survivors[@]}"
  exit 1
fi
