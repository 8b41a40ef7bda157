//! Parallel for loops with OpenMP-style schedules on the workshare pool.
//!
//! This crate turns a [`Pool`] (from `workshare-pool`, its only workshare dependency; it knows
//! nothing of reductions) into parallel loops. Every loop comes in two forms with one name:
//! on a given pool, the pool comes first (`for_each(&pool, range, schedule, body)`); on the
//! current pool (the global pool unless `Pool::install` or a region of another pool made
//! another current), the same name in the module [`global`] takes the same arguments without
//! the pool (`global::for_each(range, schedule, body)`).
//!
//! | loop | on a pool | on the current pool |
//! |------|-----------|--------------------|
//! | `body(i)` per index | [`for_each`] | [`global::for_each`] |
//! | `body(chunk, ctx)` per chunk of indices | [`for_each_chunk`] | [`global::for_each_chunk`] |
//! | `body(chunk, offset, ctx)` on disjoint `&mut` chunks of an output slice | [`for_each_mut_chunk`] | [`global::for_each_mut_chunk`] |
//! | `out[i] = f(a[i], b[i], ..)`, `f(&mut out[i], (a_i, b_i, ..))` | [`map_into`] (inputs: [`Inputs`]) | [`global::map_into`] |
//! | `body(row, col)` over a 2-D index space (`collapse(2)`) | [`for_each_2d`] | [`global::for_each_2d`] |
//! | `body(cells, row, ctx)` on the rows of a row-major grid | [`for_each_row_mut`] | [`global::for_each_row_mut`] |
//! | `body(tile, ctx)` on 2-D tiles of a row-major grid, `&mut` per tile | [`for_each_tile_mut`] (view: [`Tile`]) | [`global::for_each_tile_mut`] |
//! | write an output and return a reduction, one fork | [`for_each_mut_chunk_reduce`], [`for_each_row_mut_reduce`] | [`global::for_each_mut_chunk_reduce`], [`global::for_each_row_mut_reduce`] |
//! | time the first ~1% at several thread counts, run the rest with the fastest | [`tune_for_each_chunk`], [`tune_for_each`], [`tune_for_each_mut_chunk`] (options: [`TuneOptions`]) | [`global::tune_for_each_chunk`], [`global::tune_for_each`], [`global::tune_for_each_mut_chunk`] |
//!
//! A body's arguments come in one order: the item first (the index, the chunk of indices, the
//! `&mut` chunk, element, row or tile), then where it is (the offset or row number) when the
//! loop gives it, then the context ([`Ctx`]) last. `for_each_2d`'s `(row, col)` is one item, the
//! cell, in the order of its index `row * cols + col`. The root crate's documentation (the
//! `workshare` crate) states the rule for every crate, with its exceptions.
//!
//! The names `par_for`, `par_for_chunk`, `par_map_into` and the trait `ParFor` are deprecated
//! and go in 0.2: `par_for(range, body)` is `global::for_each(range, Schedule::Auto, body)`,
//! `pool.par_for(range, body)` is `for_each(&pool, range, Schedule::Auto, body)`.
//!
//! Every loop takes a [`Schedule`]; [`Schedule::Auto`] (the default) runs small loops serially
//! and balances the others, so there is rarely a reason to pick another. Inside a running
//! region, a team shares loops with [`team_for_each`] and [`team_for_each_chunk`] (with an
//! implicit barrier) or their `_nowait` forms, and runs a block once with [`single`] /
//! [`single_nowait`], or once for everyone with [`single_copy`] (`copyprivate`). Loops that
//! *write* a slice inside a region take it once, as a [`RegionSlice`], and share it with
//! [`team_for_each_mut_chunk`], [`team_for_each_mut`] and [`team_for_each_row_mut`]; the team
//! reduces with `Team::reduce` and `Team::sum`.
//!
//! Guarantees, for every loop and schedule: every index runs exactly once; chunks with the same
//! [`Ctx::thread_id`] run one after another on one thread; ranges are `a..b` or `a..=b` of any
//! primitive integer type ([`IndexRange`]), and the bodies get `usize` indices; empty and
//! reversed ranges run nothing; ranges ending at `usize::MAX` are fine; a chunk size of 0
//! panics with a message starting `workshare:`; a panic in a body stops the hand-out of chunks
//! and resumes on the caller, and the pool stays usable.
//!
//! A loop runs on the team that its region gets (see `Pool::region`): up to the pool's
//! `num_threads` (the number of threads a region or loop asks for), fewer when other callers
//! hold workers, the caller alone when none is idle; a body reads the size its loop got with
//! [`Ctx::team_size`]. Results never depend on it. A loop never waits for a worker to start:
//! when the caller is done with its own share and a worker of the team has not taken its share
//! yet (it sleeps, is waking, or was preempted), the caller runs that share itself (with that
//! share's [`Ctx::thread_id`]).
//!
//! # Which schedule when
//!
//! - [`Auto`](Schedule::Auto): almost always. It times the first indices on the caller
//!   against the pool's calibrated fork-join cost and runs the loop serially when a fork
//!   cannot pay off, otherwise like `Static` (short loops) or `Stealing` (long ones).
//! - [`Static`](Schedule::Static): equal, cheap iterations; the lowest overhead per fork.
//! - [`StaticChunk`](Schedule::StaticChunk): like `Static` when the cost varies smoothly
//!   along the range (round robin spreads it), still with no shared counter.
//! - [`Dynamic`](Schedule::Dynamic): unpredictable costs; pick a chunk large enough that
//!   claiming (one compare-and-swap on a shared counter) is negligible.
//! - [`Guided`](Schedule::Guided): unpredictable costs with fewer claims than `Dynamic`.
//! - [`Stealing`](Schedule::Stealing): imbalanced work with no tuning: each thread keeps
//!   its static block's locality until it runs dry, then splits the fullest other block.
//!
//! Measured on W5 (iteration `i` runs `i` integer hash steps, n = 20,000, 2 threads on a 2-CPU
//! machine, criterion medians, the run recorded in the repository's `BENCHMARKS.md`): serial
//! 445 ms, `Static` 333 ms, `StaticChunk(64)` 223 ms, `Dynamic(16)` 220 ms, `Guided(1)`
//! 220 ms, `Stealing` 216 ms, `Auto` 223 ms, rayon 216 ms.
//! A crossbeam-deque work-stealing loop measured the same on W5 as `Stealing`'s atomic range
//! splitting (220 ms against 219 ms) at twice the overhead of an empty loop (2.74 us against
//! 1.37 us), so `Stealing` is range splitting. More numbers, and the commands, in this crate's
//! `README.md`.
//!
//! # Seeing the load balance
//!
//! A pool built with [`collect_stats`](workshare_pool::PoolBuilder::collect_stats) (or switched
//! with [`Pool::set_collect_stats`]) records, per team thread, the time it spent in each loop
//! and the chunks, iterations and steals it ran; [`Pool::last_region_stats`] and
//! [`Pool::stats`] read them, with an imbalance figure (busiest thread / mean). When it is off
//! a loop pays one branch per thread. Here W5 (iteration `i` costs `i` hash steps) under
//! `Static` and under `Stealing`:
//!
//! ```
//! # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
//! use workshare::parfor::{for_each, Pool, Schedule};
//! let pool = Pool::builder().num_threads(2).collect_stats(true).build()?;
//! let w5 = |i: usize| {
//!     let mut h = i as u64;
//!     for _ in 0..i {
//!         h = std::hint::black_box(h.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (h >> 29));
//!     }
//! };
//! for schedule in [Schedule::Static, Schedule::Stealing] {
//!     for_each(&pool, 0..4000, schedule, w5);
//!     let stats = pool.last_region_stats();
//!     // Static: thread 1 gets the expensive upper half (about 3/4 of the work), so the
//!     // imbalance is near 1.5; Stealing moves work to the thread that ran dry: near 1.
//!     println!("{schedule:?}:\n{stats}");
//!     assert_eq!(stats.total().iterations, 4000);
//! }
//! # Ok::<(), workshare::Error>(())
//! ```
//!
//! # Examples
//!
//! ```
//! # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
//! use workshare::parfor::{map_into, Pool, Schedule};
//! let pool = Pool::new(2)?;
//! let x: Vec<f32> = (0..10_000).map(|i| i as f32).collect();
//! let mut roots = vec![0.0f32; x.len()];
//! map_into(&pool, &mut roots, &x[..], Schedule::Auto, |r, x| *r = x.sqrt());
//! assert_eq!(roots[9], 3.0);
//! # Ok::<(), workshare::Error>(())
//! ```
#![warn(missing_docs)]
#![doc(html_root_url = "https://docs.rs/workshare-parfor/0.1.0")]

mod auto;
#[cfg_attr(loom, allow(dead_code))]
mod calibration;
mod chunking;
mod ctx;
mod deprecated;
pub mod global;
mod grid;
mod index;
#[cfg_attr(loom, allow(dead_code))]
mod largest_team;
mod loops;
mod map_reduce;
mod run;
mod schedule;
mod slices;
mod stealing;
mod team_mut;
mod tiles;
#[cfg(not(loom))]
mod tune;
mod worksharing;

pub use ctx::Ctx;
#[allow(deprecated)]
pub use deprecated::{par_for, par_for_chunk, par_map_into, ParFor};
pub use grid::{for_each_2d, for_each_row_mut};
pub use index::{IndexRange, LoopIndex};
#[doc(hidden)]
pub use loops::{auto_runs_serially, for_each_chunk_keyed};
pub use loops::{for_each, for_each_chunk};
pub use map_reduce::{for_each_mut_chunk_reduce, for_each_row_mut_reduce};
pub use schedule::{ParseScheduleError, Schedule, SCHEDULE_ENV};
pub use slices::{for_each_mut_chunk, map_into, Inputs, SliceLike};
pub use team_mut::{team_for_each_mut, team_for_each_mut_chunk, team_for_each_row_mut};
pub use tiles::{for_each_tile_mut, Tile};
#[cfg(not(loom))]
pub use tune::{
    tune_for_each, tune_for_each_chunk, tune_for_each_mut_chunk, TuneCandidate, TuneOptions,
    TuneReport, TuneSample,
};
pub use workshare_pool::{Pool, RegionSlice, SliceHandle, Team};
pub use worksharing::{
    single, single_copy, single_nowait, team_for_each, team_for_each_chunk,
    team_for_each_chunk_nowait, team_for_each_nowait,
};

#[cfg(test)]
mod models;
