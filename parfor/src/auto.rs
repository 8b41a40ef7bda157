//! The `Auto` schedule: serial when a fork would not pay off, stealing otherwise.
//!
//! The decision is made from measured costs, not from a fixed threshold:
//!
//! 1. **Fork-join cost.** Calibrated per pool and team size `T` (the most threads the loop
//!    asks for: the pool's [`num_threads`](Pool::num_threads), or the tuner's candidate; the
//!    team a region gets may be smaller when other callers hold workers, and `Auto` never
//!    assumes it got `T`, it only estimates with it): the median time of a few
//!    empty static loops after a warm-up one, cached per thread and in a small process-wide
//!    table, and measured again by a probe that finds it more than a second old (the cost
//!    moves with the machine's load).
//! 2. **Probe.** The caller runs the loop's first indices itself, as team thread 0, in growing
//!    chunks, timing them (all but the first index, which runs cold). After each chunk it
//!    estimates the serial time of the rest from the rate so far. If running the rest on `T`
//!    threads would save less than [`PAYOFF`] times the fork-join cost, it finishes the loop
//!    serially without further timing. Only once the probe has run for half the fork-join cost
//!    (long enough that the clock reads cannot inflate the rate) does it fork. A chunk that
//!    took less than a few clock reads' time is not judged (subtracting the clock's cost
//!    could leave a rate far too cheap); the next chunk is larger.
//! 3. **Fork.** The rest runs under `Static` when it is shorter than [`STEAL_FROM`] times the
//!    shortest paying length (an even rate was just measured, and a static fork is the
//!    cheapest), under `Stealing` otherwise.
//! 4. **Memory.** From the cheapest cost per index measured so far (interference only ever
//!    inflates a measurement: one interrupted probe of a short loop used to make `Auto` fork a
//!    loop that loses to serial for the next 32 calls), the shortest loop length that pays off is
//!    remembered per loop body, pool and `T` (per thread, in a small table keyed by the body's
//!    type). The next calls with that body decide by one comparison, without reading the clock,
//!    and every 32nd call probes again (every 256th for a loop under an eighth of the paying
//!    length, whose probe would otherwise cost it a few percent). A clock read costs a
//!    noticeable share of a 1,000-element `sqrt` loop; the memory keeps such loops close to
//!    serial (`W1 sqrt` in `BENCHMARKS.md`). A loop that the memory knows to be too short is
//!    judged first, with its body borrowed ([`runs_serially`], before the loop's state is
//!    built), and the reductions ask the same question before they build their per-thread
//!    partial results (by a key of their own: [`crate::auto_runs_serially`]), so the serial
//!    case costs a few nanoseconds.
//!
//! 5. **Forks that gain nothing.** A fork in which the caller ran every share itself because
//!    no worker was idle, or because the workers it claimed were awake and still did not start
//!    before the caller had finished its part (the cores are busy, as when eight threads call a
//!    library on two cores), cost a fork and gained nothing. The memory then keeps loops of
//!    that body up to twice the loop's length serial until the next probe, and each such fork
//!    in a row doubles the calls between probes (up to 1,024); a fork that a worker helps
//!    restores the usual 32. Workers that were asleep and late say nothing about the cores by
//!    themselves (waking takes time): such a fork counts as failed only right after a failure
//!    of the other kinds, and otherwise leaves the memory as it was (so a loop whose probe
//!    finds the workers asleep is not kept serial for it). The region reports what its
//!    workers did; no clock is read for this.
//!
//! 6. **Other callers.** A loop long enough to pay off on idle cores asks the pool for its
//!    team limit ([`Pool::loop_team_limit`]: the pool's size divided by the threads that called
//!    its loops in the last 17 to 34 ms), which also counts this thread as a caller. It
//!    asks even while step 5 keeps the loop serial, so that every thread calling such loops is
//!    counted, and forks only with a limit above one: eight threads calling a library on two
//!    cores all run serially, with no probe fork and no futile one. A probe that falls due
//!    while the limit is one is put off (it would time a loop that runs serially whatever it
//!    found, and a reduction's probe builds its per-thread partial results). Shorter loops do
//!    not ask, and stay a table look-up.
//!
//! So a loop pays at most about half of one fork-join for a probe (one call in 32), and a loop
//! too small to gain pays a table look-up.
//!
//! Under `cfg(loom)` there is no clock to probe with, and `Auto` runs as `Static` on the loop's
//! whole team: one block per thread, no shared counter, no stealing, so a model of a user's
//! `Auto` loop explores the fork and the join and the user's own accesses, and few other
//! interleavings. (It was `Stealing`, whose claims and steals multiplied the states: a model of
//! a 2-thread `Auto` loop over a handful of indices did not finish in a minute without a
//! preemption bound.) The stealing protocol has models of its own in `src/models.rs`.
//!
//! Earlier versions timed from the first index and forked after a quarter of a fork-join: the
//! first, cold index and the clock reads inflated the rate of short loops several times over,
//! so `Auto` forked loops that lose to serial, and remembered the mistake for 32 calls.

use crate::run::run_parallel;
use crate::Ctx;
use std::ops::Range;
use workshare_pool::Pool;

/// The key under which the memory (step 4) knows a loop of body type `F`: each loop body type
/// has its own, unless its caller names one ([`crate::for_each_chunk_keyed`]).
#[inline]
pub(crate) fn key_of<F>() -> usize
where
    F: Fn(Range<usize>, Ctx),
{
    #[cfg(not(loom))]
    {
        probe::memory_key::<F>()
    }
    #[cfg(loom)]
    {
        0
    }
}

/// Whether a loop of `len > 0` offsets on a team of at most `max_threads` threads
/// (`1..=pool.size()`), known to the memory as `key`, runs serially for sure: its team is one
/// thread, or the memory knows it (step 4 of the module docs, no probe due): loops of this
/// length are too short to fork, or were kept serial by a futile fork (step 5), or the census
/// leaves them one thread (step 6). Then the call is counted, and the caller runs the loop
/// itself as team thread 0 of `max_threads`; otherwise nothing is counted, and the caller goes
/// on with [`run`], which decides again (the census, then, twice). So the common case of a loop
/// that runs serially builds no loop state and neither moves nor copies the body: a tenth of a
/// 1,000-index map's time went to copying the body into the next frame and reading back a
/// decision returned through memory.
#[inline]
pub(crate) fn runs_serially(pool: &Pool, max_threads: usize, len: usize, key: usize) -> bool {
    #[cfg(not(loom))]
    {
        max_threads == 1 || probe::runs_serially(pool, max_threads, len, key)
    }
    #[cfg(loom)]
    {
        let _ = (pool, max_threads, len, key);
        false
    }
}

/// Runs the offsets `0..len`, `len > 0`, on a team of at most `max_threads` threads
/// (`1..=pool.size()`), with the memory's `key` for the loop ([`key_of`]).
pub(crate) fn run<F>(pool: &Pool, max_threads: usize, len: usize, key: usize, body: F)
where
    F: Fn(Range<usize>, Ctx) + Sync,
{
    #[cfg(not(loom))]
    let (done, schedule, verdict, team) = probe::decide(pool, max_threads, len, key, &body);
    // Bounded under loom: see the module docs.
    #[cfg(loom)]
    let (done, schedule, team) = (0, crate::Schedule::Static, max_threads);
    #[cfg(loom)]
    let _ = key;
    if done < len {
        // done + offset <= len: no overflow.
        let rest = move |chunk: Range<usize>, ctx| body(done + chunk.start..done + chunk.end, ctx);
        let shares = run_parallel(pool, team, len - done, schedule, rest);
        #[cfg(not(loom))]
        if let Some(verdict) = verdict {
            verdict.record(len, shares);
        }
        #[cfg(loom)]
        let _ = shares;
    }
}

/// How many times the fork-join cost (as a fraction: 2/1) a fork must save before `Auto` forks.
/// The calibrated cost is that of an empty loop on warm workers; a real loop also moves its
/// data's cache lines between cores and wakes workers that may have gone to sleep, so with a
/// margin of 1.5 loops of about a microsecond were forked and ran slower than serial. Forking a loop
/// that cannot gain costs up to a whole fork-join per call, while not forking one that could
/// gain a little costs at most that little: the margin errs towards serial.
#[cfg(not(loom))]
const PAYOFF: (u128, u128) = (2, 1);

/// A forked loop shorter than this many times the shortest paying length runs `Static`, longer
/// ones `Stealing`. An empty stealing loop costs more than an empty static one (its slots'
/// cache lines move between cores, and each thread scans the others' before it leaves; the
/// `workshare_loop_*` rows of `W0_empty_fork_join` in `BENCHMARKS.md`), and a short loop whose
/// rate was just measured as even gains little from balancing. Beyond 16 times the paying
/// length (tens of fork-joins of work) the extra cost is a few percent at most, and `Stealing`
/// guards against imbalance.
#[cfg(not(loom))]
const STEAL_FROM: usize = 16;

#[cfg(not(loom))]
mod probe {
    use super::{PAYOFF, STEAL_FROM};
    use crate::calibration::Table;
    use crate::run::run_parallel;
    use crate::Ctx;
    use crate::Schedule;
    use std::cell::Cell;
    use std::ops::Range;
    use std::sync::LazyLock;
    use std::time::{Duration, Instant};
    use workshare_pool::{Pool, Shares};

    /// Runs what the caller should run serially; returns where the parallel part starts, the
    /// schedule of that part and the most threads its team may have (`threads`, or fewer when
    /// other threads call the pool's loops at the same time: [`Pool::loop_team_limit`]).
    /// `threads` is the team size the loop asks for (its limit), and every estimate below
    /// assumes a team of that size: the team a fork gets may be smaller (other callers hold
    /// some of the pool's workers, or the limit), and then it saves less than estimated.
    /// The decision is a heuristic; the loop runs every index once whatever the team.
    ///
    /// With a fork, also returns where to record whether the fork gained anything
    /// ([`Verdict::record`]); `None` inside a region, where nothing is remembered.
    pub(super) fn decide<F>(
        pool: &Pool,
        threads: usize,
        len: usize,
        key: usize,
        body: &F,
    ) -> (usize, Schedule, Option<Verdict>, usize)
    where
        F: Fn(Range<usize>, Ctx),
    {
        match threads {
            1 => {
                body(0..len, Ctx::new(0, 1));
                (len, Schedule::Stealing, None, 1)
            }
            threads => {
                let Some((done, fork_len, team)) =
                    decide_from_memory(pool, len, threads, key, body)
                else {
                    let team = pool.loop_team_limit(threads);
                    return (0, Schedule::Stealing, None, team);
                };
                let schedule = if len - done < fork_len.saturating_mul(STEAL_FROM) {
                    Schedule::Static
                } else {
                    Schedule::Stealing
                };
                let verdict = Verdict {
                    body: key,
                    team: (pool as *const Pool as usize, threads),
                };
                (done, schedule, Some(verdict), team)
            }
        }
    }

    /// [`super::runs_serially`] for a team of more than one thread.
    #[inline]
    pub(super) fn runs_serially(pool: &Pool, threads: usize, len: usize, key: usize) -> bool {
        let team = (pool as *const Pool as usize, threads);
        match memory::short(key, team, len) {
            memory::Known::Unknown => false,
            memory::Known::Short => true,
            memory::Known::Pays { fork_len } => {
                let serial = serial_at_paying_length(pool, threads, len, fork_len);
                if serial {
                    memory::count(key);
                }
                serial
            }
            memory::Known::PaysProbeDue => {
                let serial = census_leaves_one(pool, threads);
                if serial {
                    memory::postpone(key);
                }
                serial
            }
        }
    }

    /// Whether the census leaves a loop one thread (and counts this thread as a caller): then a
    /// probe that falls due is put off, since it would time a loop that runs serially whatever
    /// it found, through the whole loop's machinery (a reduction's partial results included).
    /// Out of line, as [`serial_at_paying_length`].
    #[inline(never)]
    fn census_leaves_one(pool: &Pool, threads: usize) -> bool {
        pool.loop_team_limit(threads) == 1
    }

    /// The rest of [`runs_serially`] for a loop at least the paying length: asks the census,
    /// which counts this thread as a caller (as `decide_from_memory` does, even while a futile
    /// fork keeps the loop serial). Out of line, so that the check of a loop too short to fork
    /// stays a few instructions inlined into the loop's entry.
    #[inline(never)]
    fn serial_at_paying_length(pool: &Pool, threads: usize, len: usize, fork_len: usize) -> bool {
        pool.loop_team_limit(threads) == 1 || len < fork_len
    }

    /// Where a forked loop records whether its fork gained anything: the memory entry of its
    /// body and team.
    pub(super) struct Verdict {
        body: usize,
        team: (usize, usize),
    }

    impl Verdict {
        /// Records the outcome of the fork of a loop of `len` indices (the whole loop, the
        /// probed prefix included: a loop of that length must then stay serial), from what its
        /// workers did. A
        /// fork in which the caller ran every share cost a fork and gained nothing when no
        /// worker was idle, or when the workers it claimed were awake and still did not start
        /// before the caller had finished: the cores are busy with other threads, as when many
        /// threads call a library at once. The memory then keeps loops of this body up to
        /// twice that long serial, and waits longer before each new probe while forks keep
        /// failing (see [`memory::futile`]). Workers that were asleep and did not start in
        /// time tell nothing of the cores by themselves (a wake-up takes its time): such a fork
        /// counts only after a failed fork of the other kind, while the cores are known busy.
        pub(super) fn record(self, len: usize, shares: Shares) {
            if shares.ran > 0 {
                memory::helped(self.body, self.team);
            } else if shares.claimed == 0 || !shares.woke {
                memory::futile(self.body, self.team, len, false);
            } else {
                memory::futile(self.body, self.team, len, true);
            }
        }
    }

    /// The memory's key for a loop body: the address of [`decide_from_memory`]'s instance for
    /// its type.
    pub(super) fn memory_key<F>() -> usize
    where
        F: Fn(Range<usize>, Ctx),
    {
        type Decide<F> = fn(&Pool, usize, usize, usize, &F) -> Option<(usize, usize, usize)>;
        decide_from_memory::<F> as Decide<F> as usize
    }

    /// Step 2 with a memory: a loop body (told apart by its type, through the address of this
    /// function's instance for it) whose cost per index was measured recently on this pool is
    /// judged without reading the clock or the calibration: the memory holds the shortest loop
    /// that pays off, so the decision is one comparison. Every [`REMEASURE`]th call probes again.
    /// Returns where the parallel part starts, the shortest paying length, and the most
    /// threads the fork's team may have (1 when the loop ran serially); `None` inside a
    /// region when the memory does not know the body: the fork cost there is not the
    /// calibrated one (the enclosing team holds workers, of this pool or another, and competes
    /// for the cores; a nested loop's team is whatever workers are idle), so no probe, just
    /// balance. The memory is consulted first: the common case, a loop it knows, then costs
    /// one thread-local look-up (a loop of 100 `sqrt`s takes about 35 ns).
    ///
    /// A loop long enough to pay off on idle cores also counts this thread in the pool's
    /// census of callers ([`Pool::loop_team_limit`]), even while the memory keeps it serial
    /// after a futile fork (so that every thread calling such loops is counted), and forks only
    /// when the census leaves it more than one thread.
    fn decide_from_memory<F>(
        pool: &Pool,
        len: usize,
        threads: usize,
        key: usize,
        body: &F,
    ) -> Option<(usize, usize, usize)>
    where
        F: Fn(Range<usize>, Ctx),
    {
        let team = (pool as *const Pool as usize, threads);
        if let Some((fork_len, pays_from)) = memory::recall(key, team, len) {
            if len >= pays_from {
                let limit = pool.loop_team_limit(threads);
                if len >= fork_len && limit > 1 {
                    return Some((0, fork_len, limit));
                }
            }
            body(0..len, Ctx::new(0, threads));
            return Some((len, fork_len, 1));
        }
        probe_and_remember(pool, len, threads, body, key, team)
    }

    /// The rest of [`decide_from_memory`] when the memory does not answer: kept out of line,
    /// so that the common path stays a few instructions around the body.
    #[cold]
    #[inline(never)]
    fn probe_and_remember<F>(
        pool: &Pool,
        len: usize,
        threads: usize,
        body: &F,
        key: usize,
        team: (usize, usize),
    ) -> Option<(usize, usize, usize)>
    where
        F: Fn(Range<usize>, Ctx),
    {
        if workshare_pool::in_region() {
            return None;
        }
        let fork = fork_join_nanos(pool, threads);
        let (done, picos) = run_serial_prefix(len, threads, fork, body);
        // Interference (an interrupt, a descheduled thread) only ever inflates a measured time,
        // so the cheapest rate seen for this body is the best estimate of its cost.
        let picos = memory::cheapest_rate(key, team, picos);
        let fork_len = shortest_paying_len(picos, threads, fork);
        memory::remember(key, team, fork_len, picos);
        if done == len {
            return Some((len, fork_len, 1));
        }
        let limit = pool.loop_team_limit(threads);
        if limit == 1 {
            // Other threads calling the pool's loops fill its cores: the rest serially.
            body(done..len, Ctx::new(0, threads));
            return Some((len, fork_len, 1));
        }
        Some((done, fork_len, limit))
    }

    /// Whether running `rest` nanoseconds of serial work on `threads` threads saves at least
    /// [`PAYOFF`] fork-joins of `fork` nanoseconds: `rest * (threads - 1) / threads` is what
    /// the other threads take off the caller.
    fn pays_off(rest: u128, threads: usize, fork: u128) -> bool {
        rest * (threads as u128 - 1) * PAYOFF.1 >= PAYOFF.0 * fork * threads as u128
    }

    /// The shortest loop of `picos` picoseconds per index that [`pays_off`].
    fn shortest_paying_len(picos: u128, threads: usize, fork: u128) -> usize {
        let needed = PAYOFF.0 * fork * threads as u128 * 1000;
        let per_index = (picos * (threads as u128 - 1) * PAYOFF.1).max(1);
        usize::try_from(needed.div_ceil(per_index)).unwrap_or(usize::MAX)
    }

    /// Calls between two probes of the same loop body.
    const REMEASURE: u32 = 32;
    /// After this many forks in a row that gained nothing, the calls between two probes stop
    /// doubling: at most `REMEASURE << MAX_BACKOFF` (1,024) calls pass before a loop that
    /// the cores could not help is tried in parallel again.
    const MAX_BACKOFF: u8 = 5;
    /// Calls between two probes of a loop far too short to fork (under an eighth of the
    /// shortest paying length): its probe's clock reads would be a few percent of every call.
    const REMEASURE_FAR: u32 = 256;

    /// A small per-thread, direct-mapped table: loop body and team -> the shortest loop that
    /// pays off a fork.
    mod memory {
        use std::cell::Cell;

        const SLOTS: usize = 64;

        /// What is remembered of one loop body.
        #[derive(Clone, Copy)]
        struct Entry {
            body: usize,
            /// (pool address, team size asked for): a body run on another pool, or with
            /// another limit, is probed again.
            team: (usize, usize),
            fork_len: usize,
            /// The shortest paying length as measured (`fork_len` before any futile fork
            /// raised it).
            pays_from: usize,
            /// The cheapest cost per index measured, in picoseconds (0: none yet).
            picos: u64,
            /// Calls since the last probe.
            calls: u32,
            /// Forks in a row that gained nothing (at most `MAX_BACKOFF`): each doubles the
            /// calls between probes.
            backoff: u8,
        }

        const UNKNOWN: Entry = Entry {
            body: 0,
            team: (0, 0),
            fork_len: 0,
            pays_from: 0,
            picos: 0,
            calls: 0,
            backoff: 0,
        };

        std::thread_local! {
            static TABLE: [Cell<Entry>; SLOTS] = const { [const { Cell::new(UNKNOWN) }; SLOTS] };
        }

        fn slot(key: usize) -> usize {
            // Function addresses are aligned: drop the low bits before indexing.
            (key >> 4) % SLOTS
        }

        /// Whether `entry` is `body`'s on `team` and no probe is due for a loop of `len`.
        #[inline]
        fn known(entry: &Entry, body: usize, team: (usize, usize), len: usize) -> bool {
            entry.body == body && entry.team == team && !probe_due(entry, len)
        }

        /// Whether a probe is due for a loop of `len` with `entry`'s body and team.
        #[inline]
        fn probe_due(entry: &Entry, len: usize) -> bool {
            let far = len < entry.fork_len / 8;
            let due = if far {
                super::REMEASURE_FAR
            } else {
                super::REMEASURE
            } << entry.backoff;
            entry.calls >= due
        }

        /// The remembered shortest loop of `body` on `team` to fork, and the shortest that
        /// pays off on idle cores, unless they are unknown or due for a new probe. Counts the
        /// call.
        #[inline]
        pub(super) fn recall(
            body: usize,
            team: (usize, usize),
            len: usize,
        ) -> Option<(usize, usize)> {
            TABLE.with(|table| {
                let cell = &table[slot(body)];
                let mut entry = cell.get();
                if !known(&entry, body, team, len) {
                    return None;
                }
                entry.calls += 1;
                cell.set(entry);
                Some((entry.fork_len, entry.pays_from))
            })
        }

        /// What [`short`] knows of a loop.
        pub(super) enum Known {
            /// Nothing: another body or team, none yet, or a probe is due for a loop shorter
            /// than the paying length.
            Unknown,
            /// Shorter than the paying length (the call is counted, as [`recall`] counts it).
            Short,
            /// At least the paying length, forked from `fork_len` (the call is not counted: the
            /// caller counts it with [`count`] if it decides from this answer).
            Pays { fork_len: usize },
            /// At least the paying length, and a probe is due (not counted).
            PaysProbeDue,
        }

        /// What the memory knows of a loop of `len` of `body` on `team`.
        #[inline]
        pub(super) fn short(body: usize, team: (usize, usize), len: usize) -> Known {
            TABLE.with(|table| {
                let cell = &table[slot(body)];
                let mut entry = cell.get();
                if entry.body != body || entry.team != team {
                    return Known::Unknown;
                }
                let due = probe_due(&entry, len);
                if len >= entry.pays_from {
                    return if due {
                        Known::PaysProbeDue
                    } else {
                        Known::Pays {
                            fork_len: entry.fork_len,
                        }
                    };
                }
                if due {
                    return Known::Unknown;
                }
                entry.calls += 1;
                cell.set(entry);
                Known::Short
            })
        }

        /// Puts off the probe due for `body`: the next comes after as many calls as usual.
        pub(super) fn postpone(body: usize) {
            TABLE.with(|table| {
                let cell = &table[slot(body)];
                let mut entry = cell.get();
                entry.calls = 0;
                cell.set(entry);
            });
        }

        /// Counts a call decided from [`short`]'s answer for `body`.
        #[inline]
        pub(super) fn count(body: usize) {
            TABLE.with(|table| {
                let cell = &table[slot(body)];
                let mut entry = cell.get();
                entry.calls += 1;
                cell.set(entry);
            });
        }

        /// The lower of `picos` and the cheapest rate remembered for `body` on `team`.
        pub(super) fn cheapest_rate(body: usize, team: (usize, usize), picos: u128) -> u128 {
            let entry = TABLE.with(|table| table[slot(body)].get());
            let known = entry.body == body && entry.team == team && entry.picos > 0;
            if known && (picos == 0 || u128::from(entry.picos) < picos) {
                u128::from(entry.picos)
            } else {
                picos
            }
        }

        pub(super) fn remember(body: usize, team: (usize, usize), fork_len: usize, picos: u128) {
            TABLE.with(|table| {
                let cell = &table[slot(body)];
                let old = cell.get();
                let backoff = if old.body == body && old.team == team {
                    old.backoff
                } else {
                    0
                };
                cell.set(Entry {
                    body,
                    team,
                    fork_len,
                    pays_from: fork_len,
                    picos: u64::try_from(picos).unwrap_or(u64::MAX),
                    calls: 0,
                    backoff,
                });
            });
        }

        /// A fork of a loop of `len` indices of `body` on `team` gained nothing: loops of this
        /// body up to twice as long run serially until the next probe, which comes after twice
        /// as many calls as the last one did (up to `MAX_BACKOFF` doublings). With
        /// `only_if_busy` (its workers were asleep: their lateness may be the wake-up's), only
        /// while the last fork failed too.
        pub(super) fn futile(body: usize, team: (usize, usize), len: usize, only_if_busy: bool) {
            TABLE.with(|table| {
                let cell = &table[slot(body)];
                let mut entry = cell.get();
                if entry.body != body || entry.team != team || (only_if_busy && entry.backoff == 0)
                {
                    return;
                }
                entry.fork_len = entry.fork_len.max(len.saturating_mul(2));
                entry.backoff = (entry.backoff + 1).min(super::MAX_BACKOFF);
                cell.set(entry);
            });
        }

        /// A fork of `body` on `team` had help: probes come at the usual rate again.
        #[inline]
        pub(super) fn helped(body: usize, team: (usize, usize)) {
            TABLE.with(|table| {
                let cell = &table[slot(body)];
                let mut entry = cell.get();
                if entry.backoff != 0 && entry.body == body && entry.team == team {
                    entry.backoff = 0;
                    cell.set(entry);
                }
            });
        }
    }

    /// Runs a prefix of `0..len` on the caller (step 2 of the module docs); returns where the
    /// parallel part starts (`len` if the loop finished serially).
    /// Also returns the measured picoseconds per index.
    fn run_serial_prefix<F>(len: usize, threads: usize, fork: u128, body: &F) -> (usize, u128)
    where
        F: Fn(Range<usize>, Ctx),
    {
        let ctx = Ctx::new(0, threads);
        // The first index runs untimed: its code and data are cold, and one index is too short
        // to time against a clock read anyway.
        body(0..1, ctx);
        let (mut done, mut size, mut elapsed) = (1usize, 1usize, 0u128);
        // When the probe ran the whole loop, its rate is that of everything timed: a short
        // loop's only chunk long enough to be judged may be one an interrupt stretched, and
        // remembering that rate would make `Auto` probe it again every few calls.
        let whole = |elapsed: u128, done: usize| elapsed * 1000 / (done as u128 - 1).max(1);
        loop {
            if done == len {
                return (len, whole(elapsed, done));
            }
            let end = done + size.min(len - done);
            // Each chunk is timed on its own and judged by its own rate: chunks grow eightfold,
            // so the latest is most of what ran, and the fixed cost of calling the body and
            // reading the clock, large against the first tiny chunks, does not inflate it.
            let started = Instant::now();
            body(done..end, ctx);
            let raw = started.elapsed().as_nanos();
            let chunk = raw.saturating_sub(clock_nanos()).max(1);
            elapsed += chunk;
            let timed = end - done;
            done = end;
            // A chunk that took only a few clock reads is not judged at all: subtracting the
            // clock's typical cost from such a time can leave almost nothing, a rate tens of
            // times too cheap, which the memory (cheapest rate wins) would keep. The probe
            // grows the chunk instead.
            if raw < TRUSTED_CLOCKS * clock_nanos() {
                size = timed.saturating_mul(8);
                continue;
            }
            let picos = chunk * 1000 / timed as u128;
            if done == len {
                return (len, whole(elapsed, done));
            }
            let rest = picos * (len - done) as u128 / 1000;
            if !pays_off(rest, threads, fork) {
                body(done..len, ctx);
                return (len, picos);
            }
            // Fork only on a rate timed over half a fork-join: a few clock reads cannot skew
            // it much, and the memory keeps it for the next calls.
            if elapsed * 2 >= fork {
                return (done, picos);
            }
            // Never a shorter chunk than the last one: a short tail chunk would be judged on
            // a time close to the clock's own cost.
            size = next_probe_size(fork / 2 - elapsed, elapsed, done - 1).max(timed);
        }
    }

    /// A probe chunk is judged only if it took at least this many clock reads' time.
    const TRUSTED_CLOCKS: u128 = 8;

    /// Enough indices to fill `budget` nanoseconds at the rate so far, at most 8 times what
    /// has run (the cost per index may grow along the loop).
    fn next_probe_size(budget: u128, elapsed: u128, done: usize) -> usize {
        let fill = budget * done as u128 / elapsed;
        fill.clamp(1, done.saturating_mul(8) as u128) as usize
    }

    /// What one `Instant::now()` costs, measured once (the median of a few).
    fn clock_nanos() -> u128 {
        static CLOCK: std::sync::OnceLock<u128> = std::sync::OnceLock::new();
        *CLOCK.get_or_init(|| {
            let mut samples: Vec<u128> = (0..15)
                .map(|_| {
                    let started = Instant::now();
                    std::hint::black_box(Instant::now());
                    started.elapsed().as_nanos() / 2
                })
                .collect();
            samples.sort_unstable();
            samples[samples.len() / 2]
        })
    }

    /// (pool address, team size asked for) -> fork-join nanoseconds, and when they were
    /// measured.
    #[derive(Clone, Copy)]
    struct Calibration {
        key: (usize, usize),
        nanos: u128,
        at: Option<Instant>,
    }

    impl Calibration {
        /// Whether this is a calibration of `key` taken less than `max_age` ago.
        fn fresh(&self, key: (usize, usize), max_age: Duration) -> bool {
            self.key == key && self.at.is_some_and(|at| at.elapsed() < max_age)
        }
    }

    /// How long a calibration is trusted. The fork-join cost moves with the machine's state
    /// (other processes or guests on the cores, a VM's CPUs moved by its host, clock speed),
    /// and one taken at a bad moment, such as a program's start, would otherwise steer every
    /// later decision on the pool: loops kept serial that a fork speeds up, or the reverse. A
    /// probe that finds its calibration older than this measures again (about sixteen empty
    /// loops, microseconds, at most once a second per pool and thread).
    const RECALIBRATE_AFTER: Duration = Duration::from_secs(1);

    std::thread_local! {
        static LAST: Cell<Calibration> = const {
            Cell::new(Calibration { key: (0, 0), nanos: 0, at: None })
        };
    }
    static TABLE: LazyLock<Table<Calibration>> = LazyLock::new(Table::new);

    /// The fork-join cost of a loop of `pool` that asks for `threads` threads, calibrated on
    /// first use and again once the calibration is [`RECALIBRATE_AFTER`] old.
    ///
    /// Keyed by the pool's address and `threads`: a pool created where a dropped one lived
    /// reuses its calibration (while it is fresh), which is close enough for a decision. The
    /// team a calibration's loops got may be smaller than `threads` (other callers held
    /// workers then): a cost measured at a busy moment, corrected at the next calibration.
    fn fork_join_nanos(pool: &Pool, threads: usize) -> u128 {
        let key = (pool as *const Pool as usize, threads);
        let fresh = |c: &Calibration| c.fresh(key, RECALIBRATE_AFTER);
        let last = LAST.with(Cell::get);
        if fresh(&last) {
            return last.nanos;
        }
        // Never measured with the table locked (`calibration`'s protocol): two threads may
        // measure the same pool at once, and a fresh result already stored wins.
        let calibration = TABLE.get_or_measure(
            |c| c.key == key,
            |c| c.fresh(key, RECALIBRATE_AFTER),
            || Calibration {
                key,
                nanos: measure_fork_join(pool, threads),
                at: Some(Instant::now()),
            },
        );
        LAST.with(|cell| cell.set(calibration));
        calibration.nanos
    }

    /// The median time of a few empty static loops (one index per thread: fork and join),
    /// after one that wakes the workers. Static, because the loops near the paying length,
    /// the only ones whose decision this cost can change, fork as `Static` (a longer one runs
    /// `Stealing`, whose extra cost is then a small share of its time); a stealing loop's
    /// costlier fork made `Auto` keep serial loops that a static fork speeds up (W1 at 1e4).
    /// The median, not the shortest: the shortest is a lucky case that real loops do not
    /// see, and an underestimate makes `Auto` fork loops that lose to serial. On a busy
    /// machine the median can come out high, which keeps small loops serial (the safe side);
    /// every `REMEASURE`th call of a loop probes its rate again.
    fn measure_fork_join(pool: &Pool, threads: usize) -> u128 {
        let empty_loop = || run_parallel(pool, threads, threads, Schedule::Static, |_, _| {});
        empty_loop();
        let mut samples: Vec<u128> = (0..15)
            .map(|_| {
                let started = Instant::now();
                empty_loop();
                started.elapsed().as_nanos()
            })
            .collect();
        samples.sort_unstable();
        samples[samples.len() / 2].max(1)
    }
}

#[cfg(all(test, loom))]
mod models {
    use crate::{for_each_chunk, Schedule};
    use std::time::Duration;
    use workshare_pool::sync::{model, Mutex};
    use workshare_pool::PoolBuilder;

    /// Under loom `Auto` is `Static` on the whole team: exactly one chunk per team thread, its
    /// static block (the owner may run the worker's share, under the worker's id). `Stealing`
    /// splits the blocks into smaller chunks, and its claims and steals multiply the states of
    /// every model of a user's `Auto` loop.
    #[test]
    fn auto_runs_as_static_under_loom() {
        model(|| {
            let pool = PoolBuilder::new()
                .num_threads(2)
                .spin_time(Duration::ZERO)
                .build()
                .expect("pool");
            let chunks = Mutex::new(Vec::new());
            for_each_chunk(&pool, 0..4, Schedule::Auto, |chunk, ctx| {
                chunks
                    .lock()
                    .push((chunk, ctx.thread_id(), ctx.team_size()));
            });
            let mut chunks = chunks.into_inner();
            chunks.sort_by_key(|(chunk, ..)| chunk.start);
            assert_eq!(chunks, [(0..2, 0, 2), (2..4, 1, 2)]);
            drop(pool);
        });
    }
}
