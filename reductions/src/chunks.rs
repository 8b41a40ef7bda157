//! The one place that calls into `workshare-parfor`: chunked loops with the running thread's id.

use std::ops::Range;
use workshare_parfor::{Pool, Schedule};

/// Runs `body(chunk, thread_id)` on disjoint chunks covering `range`, under `schedule`.
///
/// Inherits `workshare_parfor::for_each_chunk`'s contract, which [`Slots`](crate::Slots) relies
/// on for soundness: chunks with one thread id run on one thread, one after another, and every
/// thread id is below `pool.size()`.
///
/// With a `key`, `Auto`'s memory knows the loop by it, as [`runs_serially`] asks it (the
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

/// Whether a reduction of `len` items on `pool` under `schedule`, which runs its loop with
/// `key` (see [`for_each_chunk`]), runs on the calling thread alone for sure: under `Auto`,
/// when its memory says so (`workshare_parfor::auto_runs_serially`, which counts the call);
/// under `Static`, when the pool's census of callers leaves the loop one thread
/// ([`Pool::loop_team_limit`]), or `num_threads` is 1. Then the caller folds the whole input
/// itself, as that one thread would (`Static` on one thread is one block), without per-thread
/// partial results. The other schedules hand out chunks even to one thread, so a fold of the
/// whole input could group a floating-point sum differently: they always run the loop.
#[inline]
pub(crate) fn runs_serially(pool: &Pool, schedule: Schedule, len: usize, key: usize) -> bool {
    match schedule {
        Schedule::Auto => workshare_parfor::auto_runs_serially(pool, len, key),
        Schedule::Static => len > 0 && pool.loop_team_limit(pool.num_threads()) == 1,
        _ => false,
    }
}
