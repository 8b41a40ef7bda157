//! The driver of a loop on a pool: forks a region and runs each team thread's chunks.

use crate::chunking::{claim, guided_size, round_robin, static_block};
use crate::stealing::StealRanges;
use crate::{Ctx, Schedule};
use std::ops::Range;
use workshare_pool::sync::{AtomicBool, AtomicUsize, CachePadded, Ordering};
use workshare_pool::{Pool, Shares, Team};

/// What every team thread reads of one loop over the offsets `0..len`, the loop body included.
///
/// The region's closure owns it by value, and it owns the body by value (and the body, built by
/// the loop functions with `move` closures, owns its captures), so a worker's first cache miss
/// after picking up the job (the closure object, on the owner's stack) brings the loop's
/// parameters and the body's captures at once: each pointer on the way to them (the state
/// behind a reference, the body behind a reference, the wrappers of `for_each` and `map_into`
/// behind theirs) was one more cache-line transfer from the owner's core, in sequence.
/// The shared claim counter has a line of its own (`Dynamic` and `Guided` write it constantly).
#[repr(align(64))]
struct LoopState<'a, F> {
    len: usize,
    schedule: Schedule,
    body: F,
    /// The next unclaimed offset, for `Dynamic` and `Guided`.
    counter: &'a CachePadded<AtomicUsize>,
    /// The per-thread ranges, for `Stealing`.
    steal: Option<&'a StealRanges>,
    /// Set when a body panicked: no thread starts another chunk.
    stopped: AtomicBool,
}

/// What one thread ran of a loop, for the pool's statistics.
#[derive(Clone, Copy, Default)]
struct Tally {
    chunks: u64,
    iterations: u64,
    steals: u64,
}

/// Sets `stopped` if dropped while a body unwinds.
struct StopOnUnwind<'a>(&'a AtomicBool);

impl Drop for StopOnUnwind<'_> {
    fn drop(&mut self) {
        // Relaxed: only stops the hand-out early; the region's join orders everything else.
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Runs `body` on the offsets `0..len` of a loop with a concrete (not `Auto`) schedule,
/// forking a region of `pool` with a team of at most `max_threads` threads (`>= 1`; clamped to
/// the pool's size): whatever is idle up to that, so every thread reads its team's size from
/// the team, never from the pool. `len > 0`. Returns what the workers did.
pub(crate) fn run_parallel<F>(
    pool: &Pool,
    max_threads: usize,
    len: usize,
    schedule: Schedule,
    body: F,
) -> Shares
where
    F: Fn(Range<usize>, Ctx) + Sync,
{
    let steal = matches!(schedule, Schedule::Stealing | Schedule::Auto)
        .then(|| StealRanges::new(len, pool.size()));
    let counter = CachePadded::new(AtomicUsize::new(0));
    let state = LoopState {
        len,
        schedule,
        body,
        counter: &counter,
        steal: steal.as_ref(),
        stopped: AtomicBool::new(false),
    };
    // `move`: the closure object is the state itself (see `LoopState`).
    // Independent shares: one whose worker still sleeps when the caller is done with its own
    // runs on the caller (each share keeps its team thread id, and runs once).
    pool.region_shares_at_most(max_threads, move |team| state.run_share(team))
}

impl<F: Fn(Range<usize>, Ctx) + Sync> LoopState<'_, F> {
    /// One team thread's share of the loop.
    fn run_share(&self, team: &Team<'_>) {
        if team.collecting_stats() {
            let tally = self.share::<true>(team);
            team.record_work(tally.chunks, tally.iterations, tally.steals);
        } else {
            self.share::<false>(team);
        }
    }

    /// Runs this thread's chunks; with `COUNT`, counts them (compiled out without).
    #[inline(always)]
    fn share<const COUNT: bool>(&self, team: &Team<'_>) -> Tally {
        let ctx = Ctx::new(team.thread_id(), team.team_size());
        let (me, threads, len) = (ctx.thread_id(), ctx.team_size(), self.len);
        let tally = std::cell::Cell::new(Tally::default());
        let run = |chunk: Range<usize>| {
            if COUNT && !chunk.is_empty() {
                let mut t = tally.get();
                t.chunks += 1;
                t.iterations += chunk.len() as u64;
                tally.set(t);
            }
            self.run_chunk(chunk, ctx)
        };
        match self.schedule {
            Schedule::Static => {
                run(static_block(len, threads, me));
            }
            Schedule::StaticChunk(size) => {
                let _ = round_robin(len, size, threads, me).all(run);
            }
            Schedule::Dynamic(size) => while claim(self.counter, len, |_| size).is_some_and(run) {},
            Schedule::Guided(min) => {
                let size = |remaining| guided_size(remaining, threads, min);
                while claim(self.counter, len, size).is_some_and(run) {}
            }
            Schedule::Stealing | Schedule::Auto => {
                let steals = self.run_stealing(me, threads, run);
                if COUNT {
                    let mut t = tally.get();
                    t.steals = steals;
                    tally.set(t);
                }
            }
            Schedule::Runtime => unreachable!("a loop resolves `Runtime` at its entry"),
        }
        tally.get()
    }

    /// Runs this thread's stealing share; how many chunks it stole.
    fn run_stealing(&self, me: usize, threads: usize, run: impl Fn(Range<usize>) -> bool) -> u64 {
        let Some(steal) = self.steal else { return 0 };
        if threads == 1 {
            // A team of one (no worker was idle): nobody to balance with, so the whole loop
            // in one chunk rather than popped piece by piece.
            run(0..self.len);
            return 0;
        }
        steal.init(me, threads);
        let mut steals = 0;
        while steal.next(me, threads, &mut steals).is_some_and(&run) {}
        steals
    }

    /// Runs one chunk unless the loop was stopped; whether the loop goes on.
    #[inline]
    fn run_chunk(&self, chunk: Range<usize>, ctx: Ctx) -> bool {
        if self.stopped.load(Ordering::Relaxed) {
            return false;
        }
        if !chunk.is_empty() {
            let guard = StopOnUnwind(&self.stopped);
            (self.body)(chunk, ctx);
            std::mem::forget(guard);
        }
        true
    }
}
