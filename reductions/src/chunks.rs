//! The one place that calls into `workshare-parfor`: chunked loops with the running thread's id.

use std::ops::Range;
use workshare_parfor::{Pool, Schedule};

/// Runs `body(chunk, thread_id)` on disjoint chunks covering `range`, under `schedule`.
///
/// Inherits `workshare_parfor::for_each_chunk`'s contract, which [`Slots`](crate::Slots) relies
/// on for soundness: chunks with one thread id run on one thread, one after another, and every
/// thread id is below `pool.size()`.
#[inline]
pub(crate) fn for_each_chunk<F>(pool: &Pool, range: Range<usize>, schedule: Schedule, body: F)
where
    F: Fn(Range<usize>, usize) + Sync,
{
    workshare_parfor::for_each_chunk(pool, range, schedule, move |chunk, ctx| {
        body(chunk, ctx.thread_id());
    });
}
