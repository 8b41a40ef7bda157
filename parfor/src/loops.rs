//! Loops over an index range on a pool.

use crate::run::run_parallel;
use crate::{Ctx, IndexRange, Schedule};
use std::ops::Range;
use workshare_pool::Pool;

/// Runs `body` on the offsets `0..len` with any schedule, `Auto` included, on a team of at
/// most `max_threads` threads (`>= 1`; the pool's loops pass [`Pool::num_threads`], read once
/// per loop, the tuner its candidates).
pub(crate) fn run_offsets<F>(
    pool: &Pool,
    max_threads: usize,
    len: usize,
    schedule: Schedule,
    body: F,
) where
    F: Fn(Range<usize>, Ctx) + Sync,
{
    run_offsets_keyed(
        pool,
        max_threads,
        len,
        schedule,
        crate::auto::key_of::<F>(),
        body,
    );
}

/// [`run_offsets`] with the key under which `Auto`'s memory knows the loop.
fn run_offsets_keyed<F>(
    pool: &Pool,
    max_threads: usize,
    len: usize,
    schedule: Schedule,
    key: usize,
    body: F,
) where
    F: Fn(Range<usize>, Ctx) + Sync,
{
    let schedule = schedule.resolved();
    if len == 0 {
        return;
    }
    let max_threads = max_threads.clamp(1, pool.size());
    match schedule {
        Schedule::Auto => {
            // The common case first, with the body borrowed: see `auto::runs_serially`.
            if crate::auto::runs_serially(pool, max_threads, len, key) {
                body(0..len, Ctx::new(0, max_threads));
            } else {
                crate::auto::run(pool, max_threads, len, key, body);
            }
        }
        _ => {
            // Fewer threads when other threads call this pool's loops at the same time (the
            // pool's census): a fork would take their cores.
            let max_threads = pool.loop_team_limit(max_threads);
            run_parallel(pool, max_threads, len, schedule, body);
        }
    }
}

/// For `workshare-reductions`: whether an `Auto` loop of `len` indices on `pool`, which
/// `Auto`'s memory knows as `key` (a loop run with [`for_each_chunk_keyed`] and that key), runs
/// serially on its caller for sure: the pool's [`num_threads`](Pool::num_threads) is 1, or the
/// memory keeps loops of that length serial (too short to fork, kept serial after a fork that
/// gained nothing, or left one thread by the other callers of the pool's loops), and no new
/// measurement is due. Then the call is counted as one such loop, and the caller must run the
/// whole loop itself, as team thread 0; a reduction then folds its input directly, without
/// per-thread partial results. Otherwise nothing is counted: the caller runs the loop with
/// [`for_each_chunk_keyed`]. `false` for an empty loop.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{auto_runs_serially, for_each_chunk_keyed, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// let key = 1; // in a library: an address unique to the loop's code
/// let (mut total, mut serial) = (0u64, 0);
/// for _ in 0..10 {
///     if auto_runs_serially(&pool, 10, key) {
///         total += (0..10).sum::<u64>();
///         serial += 1;
///     } else {
///         let sum = std::sync::atomic::AtomicU64::new(0);
///         for_each_chunk_keyed(&pool, 0..10, Schedule::Auto, key, |chunk, _| {
///             sum.fetch_add(chunk.map(|i| i as u64).sum(), std::sync::atomic::Ordering::Relaxed);
///         });
///         total += sum.into_inner();
///     }
/// }
/// assert_eq!(total, 450);
/// # Ok::<(), workshare::Error>(())
/// ```
#[doc(hidden)]
#[inline]
pub fn auto_runs_serially(pool: &Pool, len: usize, key: usize) -> bool {
    let threads = pool.num_threads().clamp(1, pool.size());
    len > 0 && crate::auto::runs_serially(pool, threads, len, key)
}

/// For `workshare-reductions`: [`for_each_chunk`] over `range`, which `Auto`'s memory knows as
/// `key` rather than by the body's type (see [`auto_runs_serially`]).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use workshare::parfor::{for_each_chunk_keyed, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// let count = AtomicUsize::new(0);
/// for_each_chunk_keyed(&pool, 0..100, Schedule::Auto, 7, |chunk, _| {
///     count.fetch_add(chunk.len(), Ordering::Relaxed);
/// });
/// assert_eq!(count.into_inner(), 100);
/// # Ok::<(), workshare::Error>(())
/// ```
#[doc(hidden)]
pub fn for_each_chunk_keyed<F>(
    pool: &Pool,
    range: Range<usize>,
    schedule: Schedule,
    key: usize,
    body: F,
) where
    F: Fn(Range<usize>, Ctx) + Sync,
{
    chunks_keyed(pool, pool.num_threads(), range, schedule, key, body);
}

/// [`for_each_chunk`] on a team of at most `max_threads` threads.
pub(crate) fn for_each_chunk_at_most<F>(
    pool: &Pool,
    max_threads: usize,
    range: Range<usize>,
    schedule: Schedule,
    body: F,
) where
    F: Fn(Range<usize>, Ctx) + Sync,
{
    let key = crate::auto::key_of::<F>();
    chunks_keyed(pool, max_threads, range, schedule, key, body);
}

/// The chunks of `range` as offsets from its start, on a team of at most `max_threads`
/// threads, known to `Auto`'s memory as `key`.
fn chunks_keyed<F>(
    pool: &Pool,
    max_threads: usize,
    range: Range<usize>,
    schedule: Schedule,
    key: usize,
    body: F,
) where
    F: Fn(Range<usize>, Ctx) + Sync,
{
    let start = range.start;
    let len = range.end.saturating_sub(start);
    // start + offset <= range.end for every offset <= len: no overflow.
    // `move`: the body travels by value, into the loop's state (see `run::LoopState`).
    run_offsets_keyed(
        pool,
        max_threads,
        len,
        schedule,
        key,
        move |chunk: Range<usize>, ctx| body(start + chunk.start..start + chunk.end, ctx),
    );
}

/// Calls `body(chunk, ctx)` on disjoint sub-ranges covering `range` exactly once, on the team
/// of `pool`, handing chunks out by `schedule`.
///
/// `range` is `a..b` or `a..=b` of any primitive integer type (an [`IndexRange`]: `usize`,
/// `u32`, `u64`, `i32`, `i64`, ...); the loop converts its bounds to `usize` once, when it
/// starts, and the chunks are `Range<usize>` whatever the range's type.
///
/// The team is that of a [`Pool::region`]: up to [`num_threads`](Pool::num_threads) threads
/// (read once, when the loop starts), fewer when other callers of the pool (other threads, or
/// an enclosing region) hold its workers, and in the other cases [`Pool::region`] lists;
/// [`ctx.team_size()`](Ctx::team_size) tells the body its size.
///
/// Within one call, chunks with the same [`ctx.thread_id()`](Ctx::thread_id) run on one
/// thread, one after another (never concurrently). An empty or reversed range runs nothing.
///
/// # Panics
///
/// With a message starting `workshare: chunk size must be at least 1` when `schedule` has a
/// chunk size of 0, and with `workshare: index range ...` when a non-empty `range` has a bound
/// that is not a `usize` (negative, or past `usize::MAX`) or is `a..=usize::MAX` (see
/// [`IndexRange`]), before anything runs. A panic in `body` stops the loop from handing out
/// more chunks (chunks already running finish), then resumes on the caller; the pool stays
/// usable.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{for_each_chunk, Pool, Schedule};
/// use std::sync::atomic::{AtomicU64, Ordering};
/// let pool = Pool::new(2)?;
/// let sum = AtomicU64::new(0);
/// for_each_chunk(&pool, 1..101, Schedule::Guided(4), |chunk, _ctx| {
///     let part: u64 = chunk.map(|i| i as u64).sum();
///     sum.fetch_add(part, Ordering::Relaxed);
/// });
/// assert_eq!(sum.into_inner(), 5050);
///
/// // An inclusive range of u64: the chunks are still of usize.
/// let n: u64 = 100;
/// let sum = AtomicU64::new(0);
/// for_each_chunk(&pool, 1..=n, Schedule::Static, |chunk, _ctx| {
///     sum.fetch_add(chunk.map(|i| i as u64).sum(), Ordering::Relaxed);
/// });
/// assert_eq!(sum.into_inner(), 5050);
/// # Ok::<(), workshare::Error>(())
/// ```
#[track_caller]
pub fn for_each_chunk<R, F>(pool: &Pool, range: R, schedule: Schedule, body: F)
where
    R: IndexRange,
    F: Fn(Range<usize>, Ctx) + Sync,
{
    let schedule = schedule.resolved();
    let range = range.to_usize_range();
    for_each_chunk_at_most(pool, pool.num_threads(), range, schedule, body);
}

/// Calls `body(i)` once for every `i` in `range`, on the team of `pool`, handing chunks of
/// indices out by `schedule`. Like [`for_each_chunk`], whose guarantees and panics it shares.
///
/// `range` is `a..b` or `a..=b` of any primitive integer type (an [`IndexRange`]); `body`
/// receives `usize` indices whatever its type, converted once when the loop starts.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{for_each, Pool, Schedule};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let pool = Pool::new(2)?;
/// let hits: Vec<AtomicUsize> = (0..50).map(|_| AtomicUsize::new(0)).collect();
/// for_each(&pool, 0..50, Schedule::Auto, |i| {
///     hits[i].fetch_add(1, Ordering::Relaxed);
/// });
/// assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 1));
///
/// // `0..=n` of i32, as a C loop `for (int i = 0; i <= n; i++)` would write it.
/// let n: i32 = 49;
/// for_each(&pool, 0..=n, Schedule::Auto, |i| {
///     hits[i].fetch_add(1, Ordering::Relaxed);
/// });
/// assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 2));
/// # Ok::<(), workshare::Error>(())
/// ```
#[track_caller]
pub fn for_each<R, F>(pool: &Pool, range: R, schedule: Schedule, body: F)
where
    R: IndexRange,
    F: Fn(usize) + Sync,
{
    let schedule = schedule.resolved();
    for_each_chunk(pool, range, schedule, move |chunk, _ctx| {
        chunk.for_each(&body)
    });
}
