//! What a chunk's body learns about the thread that runs it.

/// Which team thread runs a chunk: passed to chunk bodies.
///
/// Within one loop, chunks with the same [`thread_id`](Ctx::thread_id) run on one thread, one
/// after another, so per-thread scratch space indexed by it needs no locking.
///
/// # Examples
///
/// ```
/// use workshare_parfor::{for_each_chunk, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// for_each_chunk(&pool, 0..10, Schedule::Static, |_chunk, ctx| {
///     assert!(ctx.thread_id() < ctx.num_threads());
///     assert!(ctx.num_threads() <= pool.size());
/// });
/// # Ok::<(), workshare_pool::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Ctx {
    thread_id: usize,
    num_threads: usize,
}

impl Ctx {
    pub(crate) fn new(thread_id: usize, num_threads: usize) -> Self {
        Self {
            thread_id,
            num_threads,
        }
    }

    /// The running thread's index in its team, below [`num_threads`](Ctx::num_threads) (and
    /// below the pool's [`size`](workshare_pool::Pool::size)).
    ///
    /// # Examples
    ///
    /// ```
    /// use workshare_parfor::{for_each_chunk, Pool, Schedule};
    /// let pool = Pool::new(3)?;
    /// for_each_chunk(&pool, 0..30, Schedule::Static, |_, ctx| assert!(ctx.thread_id() < 3));
    /// # Ok::<(), workshare_pool::Error>(())
    /// ```
    #[inline]
    pub fn thread_id(&self) -> usize {
        self.thread_id
    }

    /// The number of threads in the team running the loop (its chunks may all run on thread 0
    /// when `Auto` runs the loop serially).
    ///
    /// # Examples
    ///
    /// ```
    /// use workshare_parfor::{for_each_chunk, Pool, Schedule};
    /// let pool = Pool::new(3)?;
    /// for_each_chunk(&pool, 0..30, Schedule::Static, |_, ctx| assert_eq!(ctx.num_threads(), 3));
    /// # Ok::<(), workshare_pool::Error>(())
    /// ```
    #[inline]
    pub fn num_threads(&self) -> usize {
        self.num_threads
    }
}
