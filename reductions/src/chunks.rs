//! The one place that calls into `workshare-parfor`: chunked loops with the running thread's id.

use std::ops::Range;
use workshare_parfor::{Pool, Schedule};

/// Runs `body(chunk, thread_id)` on disjoint chunks covering `range`, under `schedule`.
///
/// Inherits `workshare_parfor::for_each_chunk`'s contract, which [`Slots`](crate::Slots) relies
/// on for soundness: chunks with one thread id run on one thread, one after another, and every
/// thread id is below `pool.size()`.
///
/// With a `key`, `Auto`'s memory knows the loop by it, as [`auto_too_short`] asks it (the
/// reductions' serial fast path), rather than by the body's type.
#[inline]
pub(crate) fn for_each_chunk<F>(
    pool: &Pool,
    range: Range<usize>,
    schedule: Schedule,
    key: Option<usize>,
    body: F,
) where
    F: Fn(Range<usize>, usize) + Sync,
{
    let body = move |chunk, ctx: workshare_parfor::Ctx| body(chunk, ctx.thread_id());
    match key {
        Some(key) => workshare_parfor::for_each_chunk_keyed(pool, range, schedule, key, body),
        None => workshare_parfor::for_each_chunk(pool, range, schedule, body),
    }
}

/// Whether an `Auto` reduction of `len` items on `pool` that runs its loop with `key` (see
/// [`for_each_chunk`]) runs on the calling thread for sure: then the caller folds the whole
/// input itself, without per-thread partial results, and the call counts as one of that loop's.
#[inline]
pub(crate) fn auto_too_short(pool: &Pool, schedule: Schedule, len: usize, key: usize) -> bool {
    schedule == Schedule::Auto && workshare_parfor::auto_too_short(pool, len, key)
}
