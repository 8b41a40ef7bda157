//! workshare: an OpenMP-style fork-join thread pool for Rust.
//!
//! This crate re-exports the three member crates: [`pool`] (the fork-join runtime),
//! [`parfor`] (parallel loops and schedules) and [`reductions`] (reductions and per-thread
//! slots). Depend on `workshare` alone.
//!
//! Where to start:
//!
//! - coming from Numba, OpenMP or rayon: [`guide::porting`], construct by construct;
//! - choosing a schedule and a thread count, with measured numbers: [`guide::schedules`],
//!   and the tuner [`parfor::tune_for_each`];
//! - what each bad input gets (errors and panic messages): [`guide::bad_input`];
//! - writing a library on workshare (many callers, nesting, re-entry, `fork`):
//!   [`guide::in_a_library`];
//! - model-checking your own code that uses workshare with loom: [`guide::loom`];
//! - seeing how a loop's work spread over the threads: [`Pool::set_collect_stats`] and
//!   [`Pool::last_region_stats`];
//! - the repository's `examples/` (`cargo run --release --example tour` runs the demo) and
//!   `BENCHMARKS.md`.
//!
//! # Examples
//!
//! ```
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! let pool = workshare::Pool::new(2)?;
//! let hits = AtomicUsize::new(0);
//! pool.region(|team| {
//!     hits.fetch_add(team.thread_id() + 1, Ordering::Relaxed);
//! });
//! assert_eq!(hits.into_inner(), 1 + 2);
//! # Ok::<(), workshare::Error>(())
//! ```

// Where other crates' docs link to this one's items when its docs are not beside theirs (the
// sibling crates set theirs too; `scripts/check-links.sh` checks the version).
#![doc(html_root_url = "https://docs.rs/workshare/0.1.0")]

pub use workshare_parfor as parfor;
pub use workshare_pool as pool;
pub use workshare_reductions as reductions;

pub use workshare_pool::{
    global, in_region, init_global, num_threads, region, set_num_threads, team_size, thread_id,
    try_global, with_current_pool, Error, KeepWarm, Pool, PoolBuilder, RegionSlice, SliceHandle,
    Team, Unavailable, WorkShare, DEFAULT_MAX_ACTIVE_LEVELS, MAX_ACTIVE_LEVELS_ENV, MAX_THREADS,
    NUM_THREADS_ENV, WAIT_POLICY_ENV,
};

/// Guides: porting from Numba, OpenMP and rayon; choosing a schedule and a thread count; what
/// every kind of bad input gets; what a library built on workshare may rely on; model-checking
/// code that uses workshare with loom. Their code blocks are compiled and run as doctests,
/// except the loom guide's models, which need loom (each says why).
pub mod guide {
    #[doc = include_str!("../docs/porting.md")]
    pub mod porting {}
    #[doc = include_str!("../docs/schedules.md")]
    pub mod schedules {}
    #[doc = include_str!("../docs/bad-input.md")]
    pub mod bad_input {}
    #[doc = include_str!("../docs/in-a-library.md")]
    pub mod in_a_library {}
    #[doc = include_str!("../docs/loom.md")]
    pub mod loom {}
}

/// The README's examples, compiled and run as doctests so that they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
