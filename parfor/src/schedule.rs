//! How a loop's index range is split into chunks and handed to the team's threads.

/// How a parallel loop hands out its indices, with OpenMP's meanings.
///
/// Every schedule runs every index exactly once; they differ in how chunks are sized and who
/// claims them. See the crate docs, "Which schedule when", for measured costs.
///
/// # Examples
///
/// ```
/// use workshare_parfor::{for_each_chunk, Pool, Schedule};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let pool = Pool::new(2)?;
/// let total = AtomicUsize::new(0);
/// for_each_chunk(&pool, 0..100, Schedule::Dynamic(8), |chunk, _ctx| {
///     assert!(chunk.len() <= 8);
///     total.fetch_add(chunk.len(), Ordering::Relaxed);
/// });
/// assert_eq!(total.into_inner(), 100);
/// # Ok::<(), workshare_pool::Error>(())
/// ```
// Non-exhaustive: more schedules may come; a `match` outside this crate needs a `_` arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Schedule {
    /// The default: runs serially on the caller when the loop is too small for a fork to pay
    /// off (judged from the pool's measured fork-join cost and the timed first iterations),
    /// otherwise splits the rest like [`Static`](Schedule::Static) when it is short and
    /// balances it like [`Stealing`](Schedule::Stealing) when it is long.
    #[default]
    Auto,
    /// One contiguous block per team thread; block sizes differ by at most one.
    Static,
    /// Chunks of the given size, dealt round robin: chunk `k` goes to team thread
    /// `k % num_threads`.
    StaticChunk(usize),
    /// Each thread claims the next chunk of the given size from a shared counter.
    Dynamic(usize),
    /// Like `Dynamic`, but a chunk is about `remaining / (2 * num_threads)` indices, shrinking as
    /// work runs out, never below the given minimum (except for the very last chunk).
    Guided(usize),
    /// Each thread starts on its static block; a thread that runs dry steals half of the
    /// largest remaining block of another thread.
    Stealing,
}

impl Schedule {
    /// Panics, with a message naming the schedule, when its chunk size is zero.
    pub(crate) fn validate(self) {
        if let Schedule::StaticChunk(0) | Schedule::Dynamic(0) | Schedule::Guided(0) = self {
            chunk_size_zero(self);
        }
    }
}

#[cold]
fn chunk_size_zero(schedule: Schedule) -> ! {
    panic!("workshare: chunk size must be at least 1 in {schedule:?}")
}
