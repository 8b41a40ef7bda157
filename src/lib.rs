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
//! # Names: a given pool, the current pool
//!
//! Every operation has one name, in two forms:
//!
//! | on a given pool | on the current pool |
//! |---|---|
//! | a loop or reduction takes `&pool` first: `parfor::for_each(&pool, range, schedule, body)`, `reductions::sum(&pool, input, schedule, f)` | the same name and arguments without the pool, in that crate's `global` module: [`parfor::global::for_each`]`(range, schedule, body)`, [`reductions::global::sum`]`(input, schedule, f)` |
//! | an operation of the pool itself is a method: `pool.region(f)`, `pool.num_threads()`, `pool.set_num_threads(n)` | a function at the top of this crate: [`region`]`(f)`, [`num_threads`]`()`, [`set_num_threads`]`(n)` |
//!
//! The *current pool* is the pool of the region the calling thread runs in, else the pool of
//! the innermost [`Pool::install`], else the [`global`] pool (sized by
//! `WORKSHARE_NUM_THREADS`, or one thread per core). Every loop and reduction has its
//! current-pool form; the pool's other methods (`region_at_most`, `try_region_exact`,
//! statistics, ...) are reached through [`global`]`()` or [`with_current_pool`]. Loops and
//! reductions inside a running region (`parfor::team_for_each`, `reductions::team_sum`, ...)
//! take their team instead of a pool.
//!
//! Thread counts: `num_threads` is always the number of threads the *next* region or loop asks
//! for ([`Pool::num_threads`], [`PoolBuilder::num_threads`], [`num_threads`],
//! [`set_num_threads`], like Numba's `get_num_threads` / `set_num_threads`); `team_size` is the
//! size of the team a region or loop *got* ([`Team::team_size`], [`parfor::Ctx::team_size`],
//! and [`team_size`] for the calling thread's innermost region, like `omp_get_num_threads`),
//! which may be smaller. `thread_id` is a thread's index in its team.
//!
//! ```
//! use workshare::parfor::{self, Schedule};
//! use workshare::reductions;
//!
//! let pool = workshare::Pool::new(2)?;
//! let x: Vec<u64> = (0..1000).collect();
//! // On a given pool, the pool first; on the current pool, the same name without it.
//! let given = reductions::sum(&pool, &x[..], Schedule::Auto, |&v| v);
//! let current = reductions::global::sum(&x[..], Schedule::Auto, |&v| v);
//! assert_eq!(given, current);
//! let mut squares = vec![0u64; 1000];
//! parfor::for_each_mut_chunk(&pool, &mut squares, Schedule::Auto, |chunk, offset, _ctx| {
//!     chunk.iter_mut().enumerate().for_each(|(k, s)| *s = ((offset + k) as u64).pow(2));
//! });
//! parfor::global::for_each_mut_chunk(&mut squares, Schedule::Auto, |chunk, offset, _ctx| {
//!     chunk.iter_mut().enumerate().for_each(|(k, s)| *s -= ((offset + k) as u64).pow(2));
//! });
//! assert!(squares.iter().all(|&s| s == 0));
//!
//! // The pool's own operations: methods, and the same names at the top of this crate.
//! pool.set_num_threads(1)?;
//! assert_eq!(pool.num_threads(), 1);
//! pool.install(|| {
//!     // `pool` is the current pool here.
//!     assert_eq!(workshare::num_threads(), 1);
//!     workshare::region(|team| assert_eq!(team.team_size(), 1));
//! });
//! # Ok::<(), workshare::Error>(())
//! ```
//!
//! # Closure arguments
//!
//! A closure gets, in this order: **the state it accumulates into**, when it has one (a fold's
//! accumulator, a `for_each_init` state, a `Slots` slot: first, as in [`Iterator::fold`] and
//! rayon's `for_each_init`); **the item** (the index, the chunk of indices, the `&mut` chunk,
//! element, row or tile, the item being reduced); **where it is** (the offset of a chunk, the
//! number of a row) when the loop gives it; and **the context** ([`parfor::Ctx`]) last:
//!
//! | loop | body |
//! |---|---|
//! | `for_each`, `team_for_each` | `(i)` |
//! | `for_each_chunk`, `team_for_each_chunk` | `(chunk, ctx)` |
//! | `for_each_mut_chunk`, `team_for_each_mut_chunk`, `for_each_mut_chunk_reduce` | `(chunk, offset, ctx)` |
//! | `team_for_each_mut` | `(x, i)` |
//! | `for_each_row_mut`, `team_for_each_row_mut`, `for_each_row_mut_reduce` | `(cells, row, ctx)` |
//! | `for_each_tile_mut` | `(tile, ctx)` |
//! | `map_into` | `(out_i, inputs_i)` |
//! | `reductions::for_each_init` | `(state, item)` |
//! | `Slots::for_each`, `Slots::for_each_chunk` | `(slot, item)`, `(slot, chunk)` |
//! | `reduce`, `reduce_deterministic`, `team_reduce` (the fold) | `(accumulator, item)` |
//! | `sum`, `min`, `argmax`, ... | `(item)` |
//!
//! One documented exception: `for_each_2d`'s `(row, col)`. Both are indices of one item, the
//! cell, given in the order of its row-major index `row * cols + col` (OpenMP's `collapse(2)`
//! loop order); the other order would compile and silently mean something else.
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

// Every public item of the pool crate, at the top: `workshare::Pool`, `workshare::region`, ...
// (the pool crate's own examples are written with these paths).
pub use workshare_pool::*;

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
