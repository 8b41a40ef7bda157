//! Worksharing inside a running region: OpenMP's `for` and `single` for a team.
//!
//! Every thread of the team must reach the same constructs in the same order, with the same
//! range and schedule. `Static` and `StaticChunk` need no shared state; `Dynamic` and `Guided`
//! claim chunks from the [`WorkShare`](workshare_pool::WorkShare) counter of the construct.
//! `Stealing` and `Auto` run as `Guided(1)` here: the team is already running, so there is no
//! fork to avoid, and guided chunks balance with one shared counter and no per-thread state.

use crate::chunking::{claim, guided_size, round_robin, static_block, stop};
use crate::{Ctx, IndexRange, Schedule};
use std::ops::Range;
use workshare_pool::sync::AtomicUsize;
use workshare_pool::Team;

/// Stops the construct's hand-out if dropped while a body unwinds.
struct StopOnUnwind<'a>(&'a AtomicUsize);

impl Drop for StopOnUnwind<'_> {
    fn drop(&mut self) {
        stop(self.0);
    }
}

/// Shares the chunks of `range` among the threads of the running `team`, calling
/// `body(chunk, ctx)` on this thread's chunks, then waits at a barrier for the whole team
/// (OpenMP's `for` with its implicit barrier).
///
/// Every team thread must call it with the same range and schedule. `Stealing` and `Auto`
/// run as `Guided(1)` (see the module docs). `range` is `a..b` or `a..=b` of any primitive
/// integer type (an [`IndexRange`]); the chunks are `Range<usize>` whatever its type.
///
/// # Panics
///
/// On a chunk size of 0 (`workshare: chunk size must be at least 1 ...`) and on a range whose
/// bounds are not `usize` values (`workshare: index range ...`, see [`IndexRange`]), on every
/// thread. A panic in `body` stops the hand-out of `Dynamic` and `Guided` chunks; the region
/// then resumes it on its caller.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{team_for_each_chunk, Pool, Schedule};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let pool = Pool::new(2)?;
/// let data: Vec<AtomicUsize> = (0..100).map(|_| AtomicUsize::new(0)).collect();
/// pool.region(|team| {
///     team_for_each_chunk(team, 0..100, Schedule::Dynamic(10), |chunk, _| {
///         chunk.for_each(|i| data[i].store(i, Ordering::Relaxed));
///     });
///     // After the implicit barrier every thread sees every element written.
///     assert_eq!(data[99].load(Ordering::Relaxed), 99);
/// });
/// # Ok::<(), workshare::Error>(())
/// ```
#[track_caller]
pub fn team_for_each_chunk<R, F>(team: &Team<'_>, range: R, schedule: Schedule, body: F)
where
    R: IndexRange,
    F: FnMut(Range<usize>, Ctx),
{
    team_for_each_chunk_nowait(team, range, schedule, body);
    team.barrier();
}

/// Like [`team_for_each_chunk`], without the barrier at the end (OpenMP's `nowait`): a thread
/// that runs out of chunks goes on at once, while others may still run theirs.
///
/// # Panics
///
/// As [`team_for_each_chunk`].
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{team_for_each_chunk_nowait, Pool, Schedule};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let pool = Pool::new(2)?;
/// let count = AtomicUsize::new(0);
/// pool.region(|team| {
///     team_for_each_chunk_nowait(team, 0..10, Schedule::Static, |chunk, _| {
///         count.fetch_add(chunk.len(), Ordering::Relaxed);
///     });
///     team.barrier();
///     assert_eq!(count.load(Ordering::Relaxed), 10);
/// });
/// # Ok::<(), workshare::Error>(())
/// ```
#[track_caller]
pub fn team_for_each_chunk_nowait<R, F>(team: &Team<'_>, range: R, schedule: Schedule, mut body: F)
where
    R: IndexRange,
    F: FnMut(Range<usize>, Ctx),
{
    let schedule = schedule.resolved();
    let range = range.to_usize_range();
    let start = range.start;
    let len = range.end.saturating_sub(start);
    if team.collecting_stats() {
        let (mut chunks, mut iterations) = (0u64, 0u64);
        share(team, start, len, schedule, None, |chunk, ctx| {
            chunks += 1;
            iterations += chunk.len() as u64;
            body(chunk, ctx);
        });
        team.record_work(chunks, iterations, 0);
    } else {
        share(team, start, len, schedule, None, body);
    }
}

/// This thread's chunks of `start..start + len` in `team`'s construct. `Dynamic` and `Guided`
/// claim from `counter`, or from a new worksharing construct when it is `None`.
#[inline(always)]
pub(crate) fn share<F>(
    team: &Team<'_>,
    start: usize,
    len: usize,
    schedule: Schedule,
    counter: Option<&AtomicUsize>,
    mut body: F,
) where
    F: FnMut(Range<usize>, Ctx),
{
    let ctx = Ctx::new(team.thread_id(), team.team_size());
    let (me, threads) = (ctx.thread_id(), ctx.team_size());
    // start + offset <= range.end: no overflow.
    let mut run = |chunk: Range<usize>| {
        if !chunk.is_empty() {
            body(start + chunk.start..start + chunk.end, ctx);
        }
    };
    match schedule {
        Schedule::Static => run(static_block(len, threads, me)),
        Schedule::StaticChunk(size) => round_robin(len, size, threads, me).for_each(run),
        Schedule::Dynamic(size) => claim_all(team, counter, len, |_| size, run),
        Schedule::Guided(min) => {
            claim_all(team, counter, len, |r| guided_size(r, threads, min), run)
        }
        Schedule::Stealing | Schedule::Auto => {
            claim_all(team, counter, len, |r| guided_size(r, threads, 1), run)
        }
        Schedule::Runtime => unreachable!("a team loop resolves `Runtime` at its entry"),
    }
}

/// Claims chunks of `0..len` from `counter`, or from a new worksharing construct, until none
/// are left.
fn claim_all(
    team: &Team<'_>,
    counter: Option<&AtomicUsize>,
    len: usize,
    size: impl Fn(usize) -> usize,
    run: impl FnMut(Range<usize>),
) {
    match counter {
        Some(counter) => claim_from(counter, len, size, run),
        None => claim_from(team.workshare().counter(), len, size, run),
    }
}

/// Claims chunks of `0..len` from `counter` until none are left.
fn claim_from(
    counter: &AtomicUsize,
    len: usize,
    size: impl Fn(usize) -> usize,
    mut run: impl FnMut(Range<usize>),
) {
    while let Some(chunk) = claim(counter, len, &size) {
        let guard = StopOnUnwind(counter);
        run(chunk);
        std::mem::forget(guard);
    }
}

/// Calls `body(i)` for this thread's share of `range` in the running `team`, then waits at a
/// barrier. Like [`team_for_each_chunk`], whose rules and panics it shares: `range` is of any
/// primitive integer type, `body` gets `usize` indices.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{team_for_each, Pool, Schedule};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let pool = Pool::new(2)?;
/// let sum = AtomicUsize::new(0);
/// pool.region(|team| {
///     team_for_each(team, 0..10, Schedule::Guided(2), |i| {
///         sum.fetch_add(i, Ordering::Relaxed);
///     });
///     team_for_each(team, 10u32..=12, Schedule::Static, |i| {
///         sum.fetch_add(i, Ordering::Relaxed);
///     });
/// });
/// assert_eq!(sum.into_inner(), 45 + 33);
/// # Ok::<(), workshare::Error>(())
/// ```
#[track_caller]
pub fn team_for_each<R, F>(team: &Team<'_>, range: R, schedule: Schedule, mut body: F)
where
    R: IndexRange,
    F: FnMut(usize),
{
    team_for_each_chunk(team, range, schedule, |chunk, _| chunk.for_each(&mut body));
}

/// Like [`team_for_each`], without the barrier at the end (OpenMP's `nowait`).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{team_for_each_nowait, Pool, Schedule};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let pool = Pool::new(2)?;
/// let sum = AtomicUsize::new(0);
/// pool.region(|team| {
///     team_for_each_nowait(team, 0..10, Schedule::Dynamic(1), |i| {
///         sum.fetch_add(i, Ordering::Relaxed);
///     });
/// });
/// assert_eq!(sum.into_inner(), 45);
/// # Ok::<(), workshare::Error>(())
/// ```
#[track_caller]
pub fn team_for_each_nowait<R, F>(team: &Team<'_>, range: R, schedule: Schedule, mut body: F)
where
    R: IndexRange,
    F: FnMut(usize),
{
    team_for_each_chunk_nowait(team, range, schedule, |chunk, _| chunk.for_each(&mut body));
}

/// Runs `block` on exactly one thread of the running `team` (the first to arrive), then waits
/// at a barrier for the whole team (OpenMP's `single`). Returns `Some` of the block's result on
/// the thread that ran it, `None` on the others.
///
/// # Panics
///
/// If `block` panics, the other threads are released from the barrier and the region resumes
/// the panic on its caller.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{single, Pool};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let pool = Pool::new(3)?;
/// let runs = AtomicUsize::new(0);
/// pool.region(|team| {
///     single(team, || runs.fetch_add(1, Ordering::Relaxed));
///     // Everyone waits for the block: it has run once.
///     assert_eq!(runs.load(Ordering::Relaxed), 1);
/// });
/// # Ok::<(), workshare::Error>(())
/// ```
pub fn single<R>(team: &Team<'_>, block: impl FnOnce() -> R) -> Option<R> {
    let result = single_nowait(team, block);
    team.barrier();
    result
}

/// Like [`single`], without the barrier at the end: the other threads go on at once.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{single_nowait, Pool};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let pool = Pool::new(3)?;
/// let runs = AtomicUsize::new(0);
/// pool.region(|team| {
///     single_nowait(team, || runs.fetch_add(1, Ordering::Relaxed));
/// });
/// assert_eq!(runs.into_inner(), 1);
/// # Ok::<(), workshare::Error>(())
/// ```
pub fn single_nowait<R>(team: &Team<'_>, block: impl FnOnce() -> R) -> Option<R> {
    let construct = team.workshare();
    // Relaxed: the ticket only picks the winner; the counter never exceeds the team size.
    let ticket = construct
        .counter()
        .fetch_add(1, workshare_pool::sync::Ordering::Relaxed);
    drop(construct);
    (ticket == 0).then(block)
}

/// Runs `block` on exactly one thread of the running `team` (the first to arrive) and returns
/// a clone of its result on every team thread: OpenMP's `single copyprivate`. The team waits
/// for the block (a collective, [`Team::broadcast`]).
///
/// # Panics
///
/// If `block` panics, on every team thread; the region resumes the panic on its caller. As
/// [`Team::gather`] otherwise.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{single_copy, Pool};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let pool = Pool::new(3)?;
/// let runs = AtomicUsize::new(0);
/// pool.region(|team| {
///     let seed = single_copy(team, || {
///         runs.fetch_add(1, Ordering::Relaxed);
///         vec![1.5, 2.5]
///     });
///     assert_eq!(seed, [1.5, 2.5]); // on every thread
/// });
/// assert_eq!(runs.into_inner(), 1);
/// # Ok::<(), workshare::Error>(())
/// ```
pub fn single_copy<R>(team: &Team<'_>, block: impl FnOnce() -> R) -> R
where
    R: Send + Clone + 'static,
{
    // A panicking block leaves this thread before the broadcast: the others' collective is
    // abandoned (it never completes), so they panic too.
    let mine = single_nowait(team, block);
    team.broadcast(mine)
}
