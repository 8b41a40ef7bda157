//! What a chunk's body learns about the thread that runs it.

/// Which team thread runs a chunk: passed to chunk bodies.
///
/// Within one loop, chunks with the same [`thread_id`](Ctx::thread_id) run on one thread, one
/// after another, so per-thread scratch space indexed by it needs no locking.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{for_each_chunk, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// for_each_chunk(&pool, 0..10, Schedule::Static, |_chunk, ctx| {
///     assert!(ctx.thread_id() < ctx.team_size());
///     assert!(ctx.team_size() <= pool.size());
/// });
/// # Ok::<(), workshare::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Ctx {
    thread_id: usize,
    team_size: usize,
}

impl Ctx {
    pub(crate) fn new(thread_id: usize, team_size: usize) -> Self {
        Self {
            thread_id,
            team_size,
        }
    }

    /// The running thread's index in its team, below [`team_size`](Ctx::team_size) (and
    /// below the pool's [`size`](workshare_pool::Pool::size)).
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::{for_each_chunk, Pool, Schedule};
    /// let pool = Pool::new(3)?;
    /// for_each_chunk(&pool, 0..30, Schedule::Static, |_, ctx| assert!(ctx.thread_id() < 3));
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[inline]
    pub fn thread_id(&self) -> usize {
        self.thread_id
    }

    /// The number of threads in the team running the loop (its chunks may all run on thread 0
    /// when `Auto` runs the loop serially): at most the pool's
    /// [`num_threads`](workshare_pool::Pool::num_threads), the number a loop asks for.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::{for_each_chunk, Pool, Schedule};
    /// let pool = Pool::new(3)?;
    /// for_each_chunk(&pool, 0..30, Schedule::Static, |_, ctx| assert_eq!(ctx.team_size(), 3));
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[inline]
    pub fn team_size(&self) -> usize {
        self.team_size
    }

    /// The number of threads in the team running the loop: the old name of
    /// [`team_size`](Ctx::team_size). `num_threads` is, everywhere else, the number of threads
    /// the *next* region or loop asks for
    /// ([`Pool::num_threads`](workshare_pool::Pool::num_threads)).
    ///
    /// # Examples
    ///
    /// ```
    /// # #![allow(deprecated)]
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::{for_each_chunk, Pool, Schedule};
    /// let pool = Pool::new(3)?;
    /// for_each_chunk(&pool, 0..30, Schedule::Static, |_, ctx| {
    ///     assert_eq!(ctx.num_threads(), ctx.team_size())
    /// });
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[deprecated(
        since = "0.1.0",
        note = "use `team_size()`, the size of this loop's team"
    )]
    #[inline]
    pub fn num_threads(&self) -> usize {
        self.team_size
    }
}
