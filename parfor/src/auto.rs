//! The `Auto` schedule: serial when a fork would not pay off, stealing otherwise.
//!
//! The decision is made from measured costs, not from a fixed threshold:
//!
//! 1. **Fork-join cost.** Calibrated once per pool (and team size): the median time of a few
//!    empty static loops after a warm-up one, cached per thread and in a small process-wide
//!    table.
//! 2. **Probe.** The caller runs the loop's first indices itself, as team thread 0, in growing
//!    chunks, timing them (all but the first index, which runs cold). After each chunk it
//!    estimates the serial time of the rest from the rate so far. If running the rest on `T`
//!    threads would save less than [`EXPLORE`] calibrated fork-joins, it finishes the loop
//!    serially without further timing. Only once the probe has run for
//!    half the fork-join cost (long enough that the clock reads cannot inflate the rate) does
//!    it fork. A chunk that took less than a few clock reads' time is not judged (subtracting
//!    the clock's cost could leave a rate far too cheap); the next chunk is larger.
//! 3. **Fork.** The rest runs under `Static` when it is shorter than [`STEAL_FROM`] times the
//!    shortest paying length (an even rate was just measured, and a static fork is the
//!    cheapest), under `Stealing` otherwise. A probe that forks a short rest (at most
//!    [`LEARN_UP_TO`] fork-joins of work) times the fork: what it took beyond the rest's share
//!    of work per thread is the *overhead* of forking this body (the fork-join, plus moving its
//!    data between cores), and the lowest one measured (with a margin, [`MARGIN`]) decides the
//!    calls between probes. Until one is
//!    measured, a fork must save [`UNMEASURED`] calibrated fork-joins. A probe itself forks
//!    once a fork saves [`EXPLORE`] calibrated fork-joins, so the overhead is measured again
//!    on every probe of a loop in that band.
//! 4. **Memory.** From the cheapest cost per index measured so far (interference only ever
//!    inflates a measurement: one interrupted probe of a short loop used to make `Auto` fork a
//!    loop that loses to serial for the next 32 calls), the shortest loop length that pays off is
//!    remembered per loop body and team (per thread, in a small table keyed by the body's
//!    type). The next calls with that body decide by one comparison, without reading the clock,
//!    and every 32nd call probes again (every 256th for a loop under an eighth of the paying
//!    length, whose probe would otherwise cost it a few percent). A clock read costs a
//!    noticeable share of a 1,000-element `sqrt` loop; the memory keeps such loops close to
//!    serial (`W1 sqrt` in `BENCHMARKS.md`).
//!
//! So a loop pays at most about half of one fork-join for a probe (one call in 32), and a loop
//! in the band where a fork saves between [`EXPLORE`] calibrated fork-joins and its measured
//! overhead may lose up to a fork-join on a probe; a loop too small to gain pays a table
//! look-up. Under loom (no clock), `Auto` is `Stealing`.
//!
//! Earlier versions timed from the first index and forked after a quarter of a fork-join: the
//! first, cold index and the clock reads inflated the rate of short loops several times over,
//! so `Auto` forked loops that lose to serial, and remembered the mistake for 32 calls.

use crate::run::run_parallel;
use crate::Ctx;
use std::ops::Range;
use workshare_pool::Pool;

/// Runs the offsets `0..len`, `len > 0`.
pub(crate) fn run<F>(pool: &Pool, len: usize, body: F)
where
    F: Fn(Range<usize>, Ctx) + Sync,
{
    #[cfg(not(loom))]
    {
        let decision = probe::decide(pool, len, &body);
        let (done, schedule) = (decision.done, decision.schedule);
        if done < len {
            // done + offset <= len: no overflow.
            let rest =
                move |chunk: Range<usize>, ctx| body(done + chunk.start..done + chunk.end, ctx);
            match decision.learn {
                None => run_parallel(pool, len - done, schedule, rest),
                Some(learn) => {
                    let started = std::time::Instant::now();
                    run_parallel(pool, len - done, schedule, rest);
                    learn.forked(started.elapsed().as_nanos());
                }
            }
        }
    }
    #[cfg(loom)]
    run_parallel(pool, len, crate::Schedule::Stealing, body);
}

/// What a fork must save before `Auto` forks, as a multiple (a fraction: 5/4) of what forking
/// this loop body is known to cost beyond its share of the work: the *overhead* measured on
/// an earlier fork of it (see [`probe`]'s `Learn`), never taken below the calibrated cost of an
/// empty loop. The margin covers the noise of the estimates.
#[cfg(not(loom))]
const MARGIN: (u128, u128) = (5, 4);

/// While a body's overhead is unknown, a fork must save this many calibrated fork-joins (a
/// fraction: 2/1), except on a probe, which forks when it saves [`EXPLORE`] of them, to measure
/// the overhead.
/// The calibrated cost is that of an empty loop on warm workers; a real loop also moves its
/// data's cache lines between cores and wakes workers that may have gone to sleep, so with a
/// margin of 1.5 on the calibration alone loops of about a microsecond were forked and ran
/// slower than serial. Forking a loop that cannot gain costs up to a whole fork-join per call,
/// while not forking one that could gain a little costs at most that little: without a
/// measurement the rule errs towards serial. With only that rule, loops that a fork speeds up
/// by a quarter (W1 `sqrt` at 1e4) stayed serial.
#[cfg(not(loom))]
const UNMEASURED: (u128, u128) = (2, 1);

/// A probe forks (to measure the overhead) when the fork saves this many calibrated fork-joins
/// (a fraction: 3/2). A fork that saves less than its real overhead loses on that call, and it
/// moves the loop's data into the workers' caches, which the following serial calls pay to
/// move back: with one calibrated fork-join, a loop a little too short to gain (W1 `sqrt` at
/// 5,000) ran 4% slower than serial in a development run.
#[cfg(not(loom))]
const EXPLORE: (u128, u128) = (3, 2);

/// A fork's overhead is learned only from forks of at most this many calibrated fork-joins of
/// work: the loops whose decision it can change. On longer loops what does not scale (memory
/// bandwidth, a rate estimated from a short prefix) would be taken for overhead.
#[cfg(not(loom))]
const LEARN_UP_TO: u128 = 16;

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
    use super::{EXPLORE, LEARN_UP_TO, MARGIN, STEAL_FROM, UNMEASURED};
    use crate::run::run_parallel;
    use crate::Ctx;
    use crate::Schedule;
    use std::cell::Cell;
    use std::ops::Range;
    use std::sync::Mutex;
    use std::time::Instant;
    use workshare_pool::Pool;

    /// What to do with a loop: the caller has run `0..done` serially; the rest runs under
    /// `schedule`. With `learn`, the fork is timed and its overhead remembered.
    pub(super) struct Decision {
        pub(super) done: usize,
        pub(super) schedule: Schedule,
        pub(super) learn: Option<Learn>,
    }

    /// What a probe that forks needs to learn the fork's overhead for its loop body.
    pub(super) struct Learn {
        key: usize,
        team: (usize, usize),
        threads: usize,
        /// The calibrated fork-join, ns.
        fork: u128,
        /// The cheapest rate known, ps per index.
        picos: u128,
        /// Indices forked.
        rest: usize,
    }

    impl Learn {
        /// Records what the fork of `rest` indices took beyond their share of the work
        /// (`elapsed` ns), and the shortest paying length that follows.
        pub(super) fn forked(self, elapsed: u128) {
            let (picos, threads) = (self.picos, self.threads as u128);
            let work = picos * self.rest as u128 / 1000;
            if work > LEARN_UP_TO * self.fork {
                return;
            }
            let overhead = elapsed.saturating_sub(work / threads).max(1);
            let overhead = memory::lowest_overhead(self.key, self.team, overhead);
            let needed = needed_saving(self.fork, Some(overhead));
            let lens = paying_lens(picos, self.threads, self.fork, needed);
            memory::remember(self.key, self.team, lens, picos, overhead);
        }
    }

    /// Runs what the caller should run serially, and says how to run the rest.
    pub(super) fn decide<F>(pool: &Pool, len: usize, body: &F) -> Decision
    where
        F: Fn(Range<usize>, Ctx),
    {
        let balance = |done| Decision {
            done,
            schedule: Schedule::Stealing,
            learn: None,
        };
        match pool.num_threads() {
            1 => {
                body(0..len, Ctx::new(0, 1));
                balance(len)
            }
            threads => {
                let Some((done, steal_len, learn)) = decide_from_memory(pool, len, threads, body)
                else {
                    return balance(0);
                };
                let schedule = if len - done < steal_len {
                    Schedule::Static
                } else {
                    Schedule::Stealing
                };
                Decision {
                    done,
                    schedule,
                    learn,
                }
            }
        }
    }

    /// Where the parallel part starts, the shortest length that forks `Stealing`, and what to
    /// learn from the fork.
    type Decided = (usize, usize, Option<Learn>);

    /// The lengths a decision compares a loop with.
    #[derive(Clone, Copy)]
    pub(super) struct Lens {
        /// The shortest loop that pays off a fork.
        fork: usize,
        /// The shortest forked loop that runs `Stealing`: [`STEAL_FROM`] times the shortest
        /// paying length of the unmeasured rule, whatever the measured overhead (a fork
        /// cheaper than the calibration must not make short loops pay for stealing).
        steal: usize,
    }

    /// The [`Lens`] of a body of `picos` per index whose fork must save `needed` ns.
    fn paying_lens(picos: u128, threads: usize, fork: u128, needed: u128) -> Lens {
        Lens {
            fork: shortest_paying_len(picos, threads, needed),
            steal: shortest_paying_len(picos, threads, needed_saving(fork, None))
                .saturating_mul(STEAL_FROM),
        }
    }

    /// Step 2 with a memory: a loop body (told apart by its type, through the address of this
    /// function's instance for it) whose cost per index was measured recently on this pool is
    /// judged without reading the clock or the calibration: the memory holds the shortest loop
    /// that pays off, so the decision is one comparison. Every [`REMEASURE`]th call probes again.
    /// `None` inside a region when the memory does not know the body: the fork cost there is
    /// not the calibrated one (a nested region of the same pool runs inline), so no probe, just
    /// balance. The memory is consulted first: the common case, a loop it knows, then costs
    /// one thread-local look-up (a loop of 100 `sqrt`s takes about 35 ns).
    fn decide_from_memory<F>(pool: &Pool, len: usize, threads: usize, body: &F) -> Option<Decided>
    where
        F: Fn(Range<usize>, Ctx),
    {
        type Decide<F> = fn(&Pool, usize, usize, &F) -> Option<Decided>;
        let key = decide_from_memory::<F> as Decide<F> as usize;
        let team = (pool as *const Pool as usize, threads);
        if let Some(lens) = memory::recall(key, team, len) {
            if len < lens.fork {
                body(0..len, Ctx::new(0, threads));
                return Some((len, lens.steal, None));
            }
            return Some((0, lens.steal, None));
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
    ) -> Option<Decided>
    where
        F: Fn(Range<usize>, Ctx),
    {
        if workshare_pool::in_region() {
            return None;
        }
        let fork = fork_join_nanos(pool);
        let overhead = memory::overhead(key, team);
        // A probe forks on a saving of [`EXPLORE`] calibrated fork-joins, to measure the
        // overhead: a measurement inflated by interference (a worker that had gone to sleep,
        // an interrupt) would otherwise keep the loop serial for good.
        let explore = fork * EXPLORE.0 / EXPLORE.1;
        let (done, picos) = run_serial_prefix(len, threads, fork, explore, body);
        // Interference (an interrupt, a descheduled thread) only ever inflates a measured time,
        // so the cheapest rate seen for this body is the best estimate of its cost.
        let picos = memory::cheapest_rate(key, team, picos);
        let lens = paying_lens(picos, threads, fork, needed_saving(fork, overhead));
        memory::remember(key, team, lens, picos, overhead.unwrap_or(0));
        let learn = (done < len).then_some(Learn {
            key,
            team,
            threads,
            fork,
            picos,
            rest: len - done,
        });
        Some((done, lens.steal, learn))
    }

    /// What a fork must save, in ns, given the calibrated fork-join `fork` and the body's
    /// measured `overhead`: see [`MARGIN`] and [`UNMEASURED`]. A measured overhead only ever
    /// lowers the unmeasured rule's bar: one inflated measurement (the first fork of a body
    /// may find its workers asleep) must not keep a loop serial that the rule would fork.
    fn needed_saving(fork: u128, overhead: Option<u128>) -> u128 {
        let unmeasured = fork * UNMEASURED.0 / UNMEASURED.1;
        match overhead {
            Some(o) => (o.max(fork) * MARGIN.0 / MARGIN.1).min(unmeasured),
            None => unmeasured,
        }
    }

    /// Whether running `rest` nanoseconds of serial work on `threads` threads saves at least
    /// `needed` nanoseconds: `rest * (threads - 1) / threads` is what the other threads take
    /// off the caller.
    fn pays_off(rest: u128, threads: usize, needed: u128) -> bool {
        rest * (threads as u128 - 1) >= needed * threads as u128
    }

    /// The shortest loop of `picos` picoseconds per index that [`pays_off`].
    fn shortest_paying_len(picos: u128, threads: usize, needed: u128) -> usize {
        let needed = needed * threads as u128 * 1000;
        let per_index = (picos * (threads as u128 - 1)).max(1);
        usize::try_from(needed.div_ceil(per_index)).unwrap_or(usize::MAX)
    }

    /// Calls between two probes of the same loop body.
    const REMEASURE: u32 = 32;
    /// Calls between two probes of a loop far too short to fork (under an eighth of the
    /// shortest paying length): its probe's clock reads would be a few percent of every call.
    const REMEASURE_FAR: u32 = 256;

    /// A small per-thread, direct-mapped table: loop body and team -> the shortest loop that
    /// pays off a fork.
    mod memory {
        use super::Lens;
        use std::cell::Cell;

        const SLOTS: usize = 64;

        /// What is remembered of one loop body.
        #[derive(Clone, Copy)]
        struct Entry {
            body: usize,
            /// (pool address, team size): a body run on another team is probed again.
            team: (usize, usize),
            lens: Lens,
            /// The cheapest cost per index measured, in picoseconds (0: none yet).
            picos: u64,
            /// The lowest overhead of a fork measured, in nanoseconds (0: none yet).
            overhead: u64,
            /// Calls since the last probe.
            calls: u32,
        }

        const UNKNOWN: Entry = Entry {
            body: 0,
            team: (0, 0),
            lens: Lens { fork: 0, steal: 0 },
            picos: 0,
            overhead: 0,
            calls: 0,
        };

        std::thread_local! {
            static TABLE: [Cell<Entry>; SLOTS] = const { [const { Cell::new(UNKNOWN) }; SLOTS] };
        }

        fn slot(key: usize) -> usize {
            // Function addresses are aligned: drop the low bits before indexing.
            (key >> 4) % SLOTS
        }

        /// The entry of `body` on `team`, if the table holds it.
        fn known(body: usize, team: (usize, usize)) -> Option<Entry> {
            let entry = TABLE.with(|table| table[slot(body)].get());
            (entry.body == body && entry.team == team).then_some(entry)
        }

        /// The remembered lengths of `body` on `team`, unless they are unknown or due for a
        /// new probe.
        #[inline]
        pub(super) fn recall(body: usize, team: (usize, usize), len: usize) -> Option<Lens> {
            TABLE.with(|table| {
                let cell = &table[slot(body)];
                let mut entry = cell.get();
                let fresh = entry.body == body && entry.team == team;
                let far = len < entry.lens.fork / 8;
                let due = if far {
                    super::REMEASURE_FAR
                } else {
                    super::REMEASURE
                };
                if !fresh || entry.calls >= due {
                    return None;
                }
                entry.calls += 1;
                cell.set(entry);
                Some(entry.lens)
            })
        }

        /// The lower of `picos` and the cheapest rate remembered for `body` on `team`.
        pub(super) fn cheapest_rate(body: usize, team: (usize, usize), picos: u128) -> u128 {
            match known(body, team) {
                Some(e) if e.picos > 0 && (picos == 0 || u128::from(e.picos) < picos) => {
                    u128::from(e.picos)
                }
                _ => picos,
            }
        }

        /// The fork overhead remembered for `body` on `team`, if one was measured.
        pub(super) fn overhead(body: usize, team: (usize, usize)) -> Option<u128> {
            known(body, team)
                .filter(|e| e.overhead > 0)
                .map(|e| u128::from(e.overhead))
        }

        /// The lower of `nanos` and the overhead remembered for `body` on `team`.
        pub(super) fn lowest_overhead(body: usize, team: (usize, usize), nanos: u128) -> u128 {
            overhead(body, team).map_or(nanos, |o| o.min(nanos))
        }

        /// Remembers a body's lengths, rate and overhead (0: unmeasured), and starts counting
        /// the calls to its next probe.
        pub(super) fn remember(
            body: usize,
            team: (usize, usize),
            lens: Lens,
            picos: u128,
            overhead: u128,
        ) {
            let entry = Entry {
                body,
                team,
                lens,
                picos: u64::try_from(picos).unwrap_or(u64::MAX),
                overhead: u64::try_from(overhead).unwrap_or(u64::MAX),
                calls: 0,
            };
            TABLE.with(|table| table[slot(body)].set(entry));
        }
    }

    /// Runs a prefix of `0..len` on the caller (step 2 of the module docs); returns where the
    /// parallel part starts (`len` if the loop finished serially), and the measured
    /// picoseconds per index. `fork` is the calibrated fork-join (the probe runs for half of
    /// it before it forks), `needed` what a fork must save, both in nanoseconds.
    fn run_serial_prefix<F>(
        len: usize,
        threads: usize,
        fork: u128,
        needed: u128,
        body: &F,
    ) -> (usize, u128)
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
            if !pays_off(rest, threads, needed) {
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

    /// (pool address, team size) -> fork-join nanoseconds.
    type Calibration = (usize, usize, u128);

    std::thread_local! {
        static LAST: Cell<Calibration> = const { Cell::new((0, 0, 0)) };
    }
    static TABLE: Mutex<Vec<Calibration>> = Mutex::new(Vec::new());

    /// The fork-join cost of `pool` with its current team size, calibrated on first use.
    ///
    /// Keyed by the pool's address: a pool created where a dropped one lived, with the same team
    /// size, reuses its calibration, which is close enough for a decision.
    fn fork_join_nanos(pool: &Pool) -> u128 {
        let key = (pool as *const Pool as usize, pool.num_threads());
        let last = LAST.with(Cell::get);
        if (last.0, last.1) == key {
            return last.2;
        }
        let lock = || TABLE.lock().unwrap_or_else(|e| e.into_inner());
        let find = |table: &[Calibration]| table.iter().find(|c| (c.0, c.1) == key).map(|c| c.2);
        // Never measure with the table locked: measuring runs regions of `pool`, which wait for
        // its region lock, and a region holding that lock may itself wait for a thread that
        // calibrates another pool (a deadlock the stress test found). Two threads may then
        // measure the same pool at once: the first result stored wins.
        let found = find(&lock());
        let nanos = found.unwrap_or_else(|| {
            let nanos = measure_fork_join(pool);
            let mut table = lock();
            find(&table).unwrap_or_else(|| {
                table.push((key.0, key.1, nanos));
                nanos
            })
        });
        LAST.with(|cell| cell.set((key.0, key.1, nanos)));
        nanos
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
    fn measure_fork_join(pool: &Pool) -> u128 {
        let threads = pool.num_threads();
        let empty_loop = || run_parallel(pool, threads, Schedule::Static, |_, _| {});
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

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn unmeasured_rule_needs_two_fork_joins() {
            assert_eq!(needed_saving(600, None), 1200);
            // 2 threads at 300 ps per index save 150 ps per index: 1,200 ns need 8,000.
            assert_eq!(shortest_paying_len(300, 2, 1200), 8000);
            assert!(pays_off(2400, 2, 1200));
            assert!(!pays_off(2399, 2, 1200));
        }

        #[test]
        fn a_measured_overhead_lowers_the_bar_but_never_raises_it() {
            // A quarter more than the overhead, at least the calibrated cost.
            assert_eq!(needed_saving(600, Some(800)), 1000);
            assert_eq!(needed_saving(600, Some(100)), 750);
            // An inflated measurement (a sleeping worker) falls back to the unmeasured rule.
            assert_eq!(needed_saving(600, Some(50_000)), 1200);
        }

        #[test]
        fn the_stealing_length_ignores_the_measured_overhead() {
            let measured = paying_lens(300, 2, 600, needed_saving(600, Some(100)));
            let unmeasured = paying_lens(300, 2, 600, needed_saving(600, None));
            assert!(measured.fork < unmeasured.fork);
            assert_eq!(measured.steal, unmeasured.steal);
            assert_eq!(unmeasured.steal, 8000 * STEAL_FROM);
        }

        #[test]
        fn a_fork_teaches_the_overhead_and_lowers_the_paying_length() {
            let (key, team) = (0x5000, (0x7000, 2));
            let lens = paying_lens(300, 2, 600, needed_saving(600, None));
            memory::remember(key, team, lens, 300, 0);
            assert_eq!(memory::overhead(key, team), None);
            // 4,000 indices at 300 ps: 1,200 ns of work, 600 per thread; the fork took 1,400.
            let learn = |elapsed| {
                Learn {
                    key,
                    team,
                    threads: 2,
                    fork: 600,
                    picos: 300,
                    rest: 4000,
                }
                .forked(elapsed)
            };
            learn(1400);
            assert_eq!(memory::overhead(key, team), Some(800));
            // 1,000 ns needed at 150 ps saved per index.
            assert_eq!(
                memory::recall(key, team, 10_000).map(|l| l.fork),
                Some(6667)
            );
            // A slower fork later does not raise it; a faster one lowers it.
            learn(5000);
            assert_eq!(memory::overhead(key, team), Some(800));
            learn(1300);
            assert_eq!(memory::overhead(key, team), Some(700));
            // A long fork teaches nothing: what does not scale would pass for overhead.
            Learn {
                key,
                team,
                threads: 2,
                fork: 600,
                picos: 300,
                rest: 1_000_000,
            }
            .forked(1_000_000);
            assert_eq!(memory::overhead(key, team), Some(700));
        }
    }
}
