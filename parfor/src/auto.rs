//! The `Auto` schedule: serial when a fork would not pay off, stealing otherwise.
//!
//! The decision is made from measured costs, not from a fixed threshold:
//!
//! 1. **Fork-join cost.** Calibrated once per pool (and team size): the median time of a few
//!    empty regions after a warm-up one, cached per thread and in a small process-wide table.
//! 2. **Probe.** The caller runs the loop's first indices itself, as team thread 0, in growing
//!    chunks, timing them. After each chunk it estimates the serial time of the rest from the
//!    rate so far. If running the rest on `T` threads would save less than [`PAYOFF`] times the
//!    fork-join cost, it finishes the loop serially without further timing. Once the probe has
//!    run for a quarter of the fork-join cost (long enough to trust the clock), it forks.
//! 3. **Fork.** The rest runs under `Stealing`.
//! 4. **Memory.** The measured cost per index is remembered per loop body (per thread, in a
//!    small table keyed by the body's type). The next calls with that body decide from it
//!    without reading the clock, and every 32nd call probes again. A clock read costs 20 to
//!    50 ns, a tenth of a 1,000-element `sqrt` loop; the memory keeps such loops within a few
//!    percent of serial.
//!
//! So a loop pays at most about a quarter of one fork-join for a probe, and a loop too small to
//! gain pays a table look-up. Under loom (no clock), `Auto` is `Stealing`.

use crate::run::run_parallel;
use crate::{Ctx, Schedule};
use std::ops::Range;
use workshare_pool::Pool;

/// Runs the offsets `0..len`, `len > 0`.
pub(crate) fn run<F>(pool: &Pool, len: usize, body: &F)
where
    F: Fn(Range<usize>, Ctx) + Sync,
{
    #[cfg(not(loom))]
    let done = probe::decide(pool, len, body);
    #[cfg(loom)]
    let done = 0;
    if done < len {
        // done + offset <= len: no overflow.
        let rest = |chunk: Range<usize>, ctx| body(done + chunk.start..done + chunk.end, ctx);
        run_parallel(pool, len - done, Schedule::Stealing, &rest);
    }
}

/// How many times the fork-join cost a fork must save before `Auto` forks. The calibrated cost
/// is that of an empty loop on warm workers; a real loop also moves its data's cache lines
/// between cores, and its rest is estimated from a short prefix. On W1 (`sqrt`, 2 threads) a
/// real fork cost about twice the calibrated one, so a factor of four keeps loops that cannot
/// gain within a few percent of serial.
#[cfg(not(loom))]
const PAYOFF: u128 = 4;

#[cfg(not(loom))]
mod probe {
    use super::PAYOFF;
    use crate::run::run_parallel;
    use crate::Ctx;
    use crate::Schedule;
    use std::cell::Cell;
    use std::ops::Range;
    use std::sync::Mutex;
    use std::time::Instant;
    use workshare_pool::Pool;

    /// Runs what the caller should run serially; returns where the parallel part starts.
    pub(super) fn decide<F>(pool: &Pool, len: usize, body: &F) -> usize
    where
        F: Fn(Range<usize>, Ctx),
    {
        match pool.num_threads() {
            1 => {
                body(0..len, Ctx::new(0, 1));
                len
            }
            // Inside a region the fork cost is not the calibrated one (a nested region of the
            // same pool runs inline): no probe, just balance.
            _ if workshare_pool::in_region() => 0,
            threads => decide_from_memory(pool, len, threads, body),
        }
    }

    /// Step 2 with a memory: a loop body (told apart by its type, through the address of this
    /// function's instance for it) whose cost per index was measured recently is judged from
    /// that cost without reading the clock; every [`REMEASURE`]th call probes again.
    fn decide_from_memory<F>(pool: &Pool, len: usize, threads: usize, body: &F) -> usize
    where
        F: Fn(Range<usize>, Ctx),
    {
        let key = decide_from_memory::<F> as fn(&Pool, usize, usize, &F) -> usize as usize;
        let fork = fork_join_nanos(pool);
        if let Some(picos) = memory::recall(key) {
            let rest = picos * len as u128 / 1000;
            if !pays_off(rest, threads, fork) {
                body(0..len, Ctx::new(0, threads));
                return len;
            }
            return 0;
        }
        let (done, picos) = run_serial_prefix(len, threads, fork, body);
        memory::remember(key, picos);
        done
    }

    /// Whether running `rest` nanoseconds of serial work on `threads` threads saves at least
    /// [`PAYOFF`] fork-joins of `fork` nanoseconds.
    fn pays_off(rest: u128, threads: usize, fork: u128) -> bool {
        rest * (threads as u128 - 1) >= PAYOFF * fork * threads as u128
    }

    /// Calls between two probes of the same loop body.
    const REMEASURE: u32 = 32;

    /// A small per-thread, direct-mapped table: loop body -> picoseconds per index.
    mod memory {
        use std::cell::Cell;

        const SLOTS: usize = 64;

        std::thread_local! {
            /// (key, picoseconds per index, calls since the last probe).
            static TABLE: [Cell<(usize, u128, u32)>; SLOTS] =
                const { [const { Cell::new((0, 0, 0)) }; SLOTS] };
        }

        fn slot(key: usize) -> usize {
            // Function addresses are aligned: drop the low bits before indexing.
            (key >> 4) % SLOTS
        }

        /// The remembered cost of `key`, unless it is unknown or due for a new probe.
        pub(super) fn recall(key: usize) -> Option<u128> {
            TABLE.with(|table| {
                let cell = &table[slot(key)];
                let (known, picos, calls) = cell.get();
                let fresh = known == key && calls < super::REMEASURE;
                cell.set((known, picos, calls.saturating_add(1)));
                fresh.then_some(picos)
            })
        }

        pub(super) fn remember(key: usize, picos: u128) {
            TABLE.with(|table| table[slot(key)].set((key, picos, 0)));
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
        let started = Instant::now();
        let (mut done, mut size, mut probes) = (0usize, 1usize, 0u128);
        loop {
            probes += 1;
            let end = done + size.min(len - done);
            body(done..end, ctx);
            done = end;
            // Each probe read the clock once: that time is not the body's.
            let clock_reads = probes * clock_nanos();
            let elapsed = started
                .elapsed()
                .as_nanos()
                .saturating_sub(clock_reads)
                .max(1);
            let picos = elapsed * 1000 / done as u128;
            if done == len {
                return (len, picos);
            }
            let rest = elapsed * (len - done) as u128 / done as u128;
            if !pays_off(rest, threads, fork) {
                body(done..len, ctx);
                return (len, picos);
            }
            if elapsed * 4 >= fork {
                return (done, picos);
            }
            size = next_probe_size(fork / 4 - elapsed, elapsed, done);
        }
    }

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
        let mut table = TABLE.lock().unwrap_or_else(|e| e.into_inner());
        let found = table.iter().find(|c| (c.0, c.1) == key).map(|c| c.2);
        let nanos = found.unwrap_or_else(|| {
            let nanos = measure_fork_join(pool);
            table.push((key.0, key.1, nanos));
            nanos
        });
        drop(table);
        LAST.with(|cell| cell.set((key.0, key.1, nanos)));
        nanos
    }

    /// The median time of a few empty stealing loops (one index per thread: fork, slots, join),
    /// after one that wakes the workers.
    fn measure_fork_join(pool: &Pool) -> u128 {
        let threads = pool.num_threads();
        let empty_loop = || run_parallel(pool, threads, Schedule::Stealing, &|_, _| {});
        empty_loop();
        let mut samples: Vec<u128> = (0..7)
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
