//! The fork-join thread pool under [workshare]: teams, regions, barriers and sleeping workers.
//!
//! A [`Pool`] owns `size - 1` persistent worker threads. [`Pool::region`] runs a closure once on
//! every thread of a team (the calling thread is team thread 0, OpenMP-style) and returns when
//! all have finished. Inside, a [`Team`] gives the thread's id, the team size, a reusable
//! [`barrier`](Team::barrier) and [worksharing constructs](Team::workshare). The free functions
//! ([`region`], [`set_num_threads`], [`num_threads`], [`thread_id`]) work on a lazily created
//! global pool sized by [`NUM_THREADS_ENV`], the way Numba's `set_num_threads` and
//! `get_thread_id` do.
//!
//! This crate knows nothing of schedules or reductions: `workshare-parfor` and
//! `workshare-reductions` build on it. Its protocols (publication and join, sleep and wake, the
//! barrier, worksharing slots, claiming workers, shutdown, panics) are each a small type with a
//! design note in its module and a loom model in `src/models.rs`; see `DESIGN.md`.
//!
//! # Examples
//!
//! ```
//! # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
//! use std::sync::atomic::{AtomicU64, Ordering};
//! let pool = workshare::Pool::new(4)?;
//! let partial = [const { AtomicU64::new(0) }; 4];
//! pool.region(|team| {
//!     let me = team.thread_id();
//!     partial[me].store(me as u64 + 1, Ordering::Relaxed);
//!     team.barrier();
//!     if me == 0 {
//!         let sum: u64 = partial.iter().map(|p| p.load(Ordering::Relaxed)).sum();
//!         assert_eq!(sum, 1 + 2 + 3 + 4);
//!     }
//! });
//! # Ok::<(), workshare::Error>(())
//! ```
//!
//! [workshare]: https://docs.rs/workshare

#![warn(missing_docs)]
#![doc(html_root_url = "https://docs.rs/workshare-pool/0.1.0")]

mod affinity;
mod barrier;
mod census;
mod collective;
mod current;
mod dispatch;
mod error;
mod fork;
mod global;
#[cfg_attr(loom, allow(dead_code))]
mod lazy;
mod pool;
mod region_slice;
mod sleep;
mod spin;
mod stats;
#[doc(hidden)]
pub mod sync;
mod team;
mod workshare;

pub use error::{Error, Unavailable};
pub use global::{
    global, in_region, init_global, num_threads, region, set_num_threads, team_size, thread_id,
    try_global, with_current_pool, NUM_THREADS_ENV,
};
/// The environment variable that sets the global pool's nesting limit (like
/// `OMP_MAX_ACTIVE_LEVELS`): an integer from 0 up; see
/// [`PoolBuilder::max_active_levels`]. Unset or empty means no limit.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// assert_eq!(workshare::MAX_ACTIVE_LEVELS_ENV, "WORKSHARE_MAX_ACTIVE_LEVELS");
/// ```
pub const MAX_ACTIVE_LEVELS_ENV: &str = "WORKSHARE_MAX_ACTIVE_LEVELS";

/// The environment variable that sets every pool's default spin time (like
/// `OMP_WAIT_POLICY`): `passive` (idle threads sleep at once), `active` (idle workers never
/// sleep: they spin, yielding, until the pool is dropped), or a time such as `50us` or `2ms`
/// (whole microseconds or milliseconds). Read once per process by [`PoolBuilder::new`];
/// [`PoolBuilder::spin_time`] overrides it. Unset or empty means [`DEFAULT_SPIN_TIME`]; any
/// other value gets one warning on standard error and the default.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// assert_eq!(workshare::WAIT_POLICY_ENV, "WORKSHARE_WAIT_POLICY");
/// ```
pub const WAIT_POLICY_ENV: &str = "WORKSHARE_WAIT_POLICY";
#[doc(hidden)]
pub use pool::Shares;
pub use pool::{
    KeepWarm, Pool, PoolBuilder, DEFAULT_MAX_ACTIVE_LEVELS, DEFAULT_SPIN_TIME, MAX_THREADS,
};
pub use region_slice::{RegionSlice, SliceHandle, SliceWrite};
pub use stats::{Stats, ThreadStats};
pub use team::{Team, WorkShare, WorkShareCounter};

#[cfg(test)]
mod models;
