//! The loops on the current pool: the same names and arguments as at the crate root, without
//! the pool.
//!
//! Each function here calls its namesake at the crate root with the calling thread's current
//! pool ([`workshare_pool::with_current_pool`]): the global pool (sized by
//! `WORKSHARE_NUM_THREADS`, or the number of cores) unless the call runs inside
//! `Pool::install` or inside a region of another pool. `for_each(&pool, range, schedule, body)`
//! on a given pool is `global::for_each(range, schedule, body)` on the current one; Numba's
//! `for i in prange(n)` is `global::for_each(0..n, Schedule::Auto, |i| ...)`.
//!
//! Every function is `#[track_caller]` as its namesake is: a bad argument (a chunk size of 0, a
//! grid whose length is not a multiple of its columns, ...) panics with the namesake's message,
//! pointing at the caller's line. The loops that run inside a region (`team_for_each`, ...)
//! take their team, not a pool, so they have no form here.
//!
//! # Examples
//!
//! ```
//! # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use workshare::parfor::{global, Schedule};
//! let sum = AtomicUsize::new(0);
//! global::for_each(0..100, Schedule::Auto, |i| {
//!     sum.fetch_add(i, Ordering::Relaxed);
//! });
//! assert_eq!(sum.into_inner(), 4950);
//! ```

use crate::grid::check_rows;
use crate::{Ctx, IndexRange, Inputs, Schedule, Tile};
use std::ops::Range;
use workshare_pool::with_current_pool;
#[cfg(doc)]
use workshare_pool::Pool;

/// [`for_each`](crate::for_each) on the current pool: calls `body(i)` once for every `i` in
/// `range`, handing chunks of indices out by `schedule`.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use workshare::parfor::{global, Schedule};
/// let hits: Vec<AtomicUsize> = (0..50).map(|_| AtomicUsize::new(0)).collect();
/// global::for_each(0..50, Schedule::Auto, |i| {
///     hits[i].fetch_add(1, Ordering::Relaxed);
/// });
/// assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 1));
/// ```
#[track_caller]
pub fn for_each<R, F>(range: R, schedule: Schedule, body: F)
where
    R: IndexRange,
    F: Fn(usize) + Sync,
{
    let range = range.to_usize_range();
    let schedule = schedule.resolved();
    with_current_pool(|pool| crate::for_each(pool, range, schedule, body));
}

/// [`for_each_chunk`](crate::for_each_chunk) on the current pool: calls `body(chunk, ctx)` on
/// disjoint sub-ranges covering `range` exactly once.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use workshare::parfor::{global, Schedule};
/// let sum = AtomicU64::new(0);
/// global::for_each_chunk(1..101, Schedule::Guided(4), |chunk, ctx| {
///     assert!(ctx.thread_id() < ctx.team_size());
///     sum.fetch_add(chunk.map(|i| i as u64).sum(), Ordering::Relaxed);
/// });
/// assert_eq!(sum.into_inner(), 5050);
/// ```
#[track_caller]
pub fn for_each_chunk<R, F>(range: R, schedule: Schedule, body: F)
where
    R: IndexRange,
    F: Fn(Range<usize>, Ctx) + Sync,
{
    let range = range.to_usize_range();
    let schedule = schedule.resolved();
    with_current_pool(|pool| crate::for_each_chunk(pool, range, schedule, body));
}

/// [`for_each_mut_chunk`](crate::for_each_mut_chunk) on the current pool: calls
/// `body(chunk, offset, ctx)` on disjoint sub-slices covering `out` exactly once, where `chunk`
/// is `&mut out[offset..offset + chunk.len()]`.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{global, Schedule};
/// let mut squares = vec![0u64; 1000];
/// global::for_each_mut_chunk(&mut squares, Schedule::Dynamic(64), |chunk, offset, _ctx| {
///     for (k, out) in chunk.iter_mut().enumerate() {
///         let i = (offset + k) as u64;
///         *out = i * i;
///     }
/// });
/// assert_eq!(squares[999], 999 * 999);
/// ```
#[track_caller]
pub fn for_each_mut_chunk<T, F>(out: &mut [T], schedule: Schedule, body: F)
where
    T: Send,
    F: Fn(&mut [T], usize, Ctx) + Sync,
{
    let schedule = schedule.resolved();
    with_current_pool(|pool| crate::for_each_mut_chunk(pool, out, schedule, body));
}

/// [`map_into`](crate::map_into) on the current pool: sets every `out[i]` by
/// `f(&mut out[i], item_i)`, where `item_i` holds the `i`-th element of each input.
///
/// # Panics
///
/// With `workshare: map_into: input K has length L but the output has length N` (at the
/// caller's line) when the lengths differ, before anything runs; otherwise like
/// [`for_each_chunk`](crate::for_each_chunk).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{global, Schedule};
/// let (a, b) = (vec![1.0f32; 100], vec![2.0f32; 100]);
/// let mut out = vec![0.0f32; 100];
/// global::map_into(&mut out, (&a[..], &b[..]), Schedule::Auto, |o, (x, y)| *o = x + y);
/// assert!(out.iter().all(|&v| v == 3.0));
/// ```
#[track_caller]
pub fn map_into<T, I, F>(out: &mut [T], inputs: I, schedule: Schedule, f: F)
where
    T: Send,
    I: Inputs,
    F: Fn(&mut T, I::Item) + Sync,
{
    let schedule = schedule.resolved();
    if let Some((input, len)) = inputs.mismatch(out.len()) {
        let out_len = out.len();
        panic!(
            "workshare: map_into: input {input} has length {len} but the output has length \
             {out_len}"
        );
    }
    with_current_pool(|pool| crate::map_into(pool, out, inputs, schedule, f));
}

/// [`for_each_2d`](crate::for_each_2d) on the current pool: calls `body(row, col)` once for
/// every `row < rows` and `col < cols`, the two loops collapsed into one index space.
///
/// # Panics
///
/// With `workshare: for_each_2d: rows * cols overflows usize` (at the caller's line) when it
/// does; otherwise like [`for_each_chunk`](crate::for_each_chunk).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use workshare::parfor::{global, Schedule};
/// let cells: Vec<AtomicUsize> = (0..3 * 4).map(|_| AtomicUsize::new(0)).collect();
/// global::for_each_2d(3, 4, Schedule::Auto, |row, col| {
///     cells[row * 4 + col].fetch_add(1, Ordering::Relaxed);
/// });
/// assert!(cells.iter().all(|c| c.load(Ordering::Relaxed) == 1));
/// ```
#[track_caller]
pub fn for_each_2d<F>(rows: usize, cols: usize, schedule: Schedule, body: F)
where
    F: Fn(usize, usize) + Sync,
{
    let schedule = schedule.resolved();
    if rows.checked_mul(cols).is_none() {
        panic!("workshare: for_each_2d: rows * cols overflows usize ({rows} * {cols})")
    }
    with_current_pool(|pool| crate::for_each_2d(pool, rows, cols, schedule, body));
}

/// [`for_each_row_mut`](crate::for_each_row_mut) on the current pool: calls
/// `body(cells, row, ctx)` once for every row of `grid`, a row-major buffer of rows of `cols`
/// elements, with `cells` the elements of row number `row`.
///
/// # Panics
///
/// With `workshare: for_each_row_mut: ...` (at the caller's line) when `cols` is 0 or
/// `grid.len()` is not a multiple of `cols`; otherwise like
/// [`for_each_chunk`](crate::for_each_chunk).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{global, Schedule};
/// let (rows, cols) = (4, 5);
/// let mut grid = vec![0usize; rows * cols];
/// global::for_each_row_mut(&mut grid, cols, Schedule::Static, |cells, row, _ctx| {
///     cells.fill(row);
/// });
/// assert_eq!(grid[3 * cols], 3);
/// ```
#[track_caller]
pub fn for_each_row_mut<T, F>(grid: &mut [T], cols: usize, schedule: Schedule, body: F)
where
    T: Send,
    F: Fn(&mut [T], usize, Ctx) + Sync,
{
    let schedule = schedule.resolved();
    check_rows("for_each_row_mut", grid.len(), cols);
    with_current_pool(|pool| crate::for_each_row_mut(pool, grid, cols, schedule, body));
}

/// [`for_each_tile_mut`](crate::for_each_tile_mut) on the current pool: calls
/// `body(tile, ctx)` once for every tile of `grid`, a row-major buffer of rows of `cols`
/// elements, cut into tiles of `tile = (rows, cols)` cells.
///
/// # Panics
///
/// With `workshare: for_each_tile_mut: ...` (at the caller's line) when `cols` is 0, when
/// `grid.len()` is not a multiple of `cols`, or when a tile dimension is 0; otherwise like
/// [`for_each_chunk`](crate::for_each_chunk).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{global, Schedule};
/// let (n, m) = (5, 7);
/// let mut c = vec![0usize; n * m];
/// global::for_each_tile_mut(&mut c, m, (2, 3), Schedule::Dynamic(1), |mut tile, _ctx| {
///     let (rows, cols) = (tile.rows(), tile.cols());
///     for (i, row) in rows.zip(tile.rows_mut()) {
///         for (j, cell) in cols.clone().zip(row) {
///             *cell = i * m + j;
///         }
///     }
/// });
/// assert!(c.iter().enumerate().all(|(k, &v)| v == k));
/// ```
#[track_caller]
pub fn for_each_tile_mut<T, F>(
    grid: &mut [T],
    cols: usize,
    tile: (usize, usize),
    schedule: Schedule,
    body: F,
) where
    T: Send,
    F: for<'t> Fn(Tile<'t, T>, Ctx) + Sync,
{
    let schedule = schedule.resolved();
    check_rows("for_each_tile_mut", grid.len(), cols);
    if tile.0 == 0 || tile.1 == 0 {
        panic!("workshare: for_each_tile_mut: tile size {tile:?} has a zero dimension");
    }
    with_current_pool(|pool| crate::for_each_tile_mut(pool, grid, cols, tile, schedule, body));
}

/// [`for_each_mut_chunk_reduce`](crate::for_each_mut_chunk_reduce) on the current pool: like
/// [`for_each_mut_chunk`], and returns the values of `body(chunk, offset, ctx)` combined.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{global, Schedule};
/// let mut out = vec![0u64; 1000];
/// let written = global::for_each_mut_chunk_reduce(
///     &mut out,
///     Schedule::StaticChunk(100),
///     || 0,
///     |chunk, offset, _ctx| {
///         for (k, x) in chunk.iter_mut().enumerate() {
///             *x = (offset + k) as u64;
///         }
///         chunk.len()
///     },
///     |a, b| a + b,
/// );
/// assert_eq!((written, out[999]), (1000, 999));
/// ```
#[track_caller]
pub fn for_each_mut_chunk_reduce<T, R, Id, F, C>(
    out: &mut [T],
    schedule: Schedule,
    identity: Id,
    body: F,
    combine: C,
) -> R
where
    T: Send,
    R: Send,
    Id: FnOnce() -> R,
    F: Fn(&mut [T], usize, Ctx) -> R + Sync,
    C: Fn(R, R) -> R,
{
    let schedule = schedule.resolved();
    with_current_pool(|pool| {
        crate::for_each_mut_chunk_reduce(pool, out, schedule, identity, body, combine)
    })
}

/// [`for_each_row_mut_reduce`](crate::for_each_row_mut_reduce) on the current pool: like
/// [`for_each_row_mut`], and returns the values of `body(cells, row, ctx)` over all rows,
/// combined in row order (the same bits for every schedule, team and run).
///
/// # Panics
///
/// With `workshare: for_each_row_mut_reduce: ...` (at the caller's line) when `cols` is 0 or
/// `grid.len()` is not a multiple of `cols`; otherwise like
/// [`for_each_chunk`](crate::for_each_chunk).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{global, Schedule};
/// let (rows, cols) = (50, 40);
/// let mut grid = vec![1.0f64; rows * cols];
/// let total = global::for_each_row_mut_reduce(
///     &mut grid,
///     cols,
///     Schedule::Auto,
///     || 0.0,
///     |cells, row, _ctx| {
///         cells.iter_mut().for_each(|x| *x *= row as f64);
///         cells.iter().sum::<f64>()
///     },
///     |a, b| a + b,
/// );
/// assert_eq!(total, (0..rows).map(|r| (r * cols) as f64).sum::<f64>());
/// ```
#[track_caller]
pub fn for_each_row_mut_reduce<T, R, Id, F, C>(
    grid: &mut [T],
    cols: usize,
    schedule: Schedule,
    identity: Id,
    body: F,
    combine: C,
) -> R
where
    T: Send,
    R: Send,
    Id: FnOnce() -> R,
    F: Fn(&mut [T], usize, Ctx) -> R + Sync,
    C: Fn(R, R) -> R,
{
    let schedule = schedule.resolved();
    check_rows("for_each_row_mut_reduce", grid.len(), cols);
    with_current_pool(|pool| {
        crate::for_each_row_mut_reduce(pool, grid, cols, schedule, identity, body, combine)
    })
}

/// [`tune_for_each_chunk`](crate::tune_for_each_chunk) on the current pool: calls
/// `body(chunk, ctx)` on disjoint chunks covering `range`, tuning the thread count on the way.
/// The candidates are those of `options` for the current pool (by default 1, 2, 4, ... up to
/// its [`size`](Pool::size)).
///
/// # Panics
///
/// As [`tune_for_each_chunk`](crate::tune_for_each_chunk): with a message starting
/// `workshare: tune:` when a candidate thread count is outside `1..=size` of the current pool.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use workshare::parfor::{global, TuneOptions};
/// let total = AtomicU64::new(0);
/// let report = global::tune_for_each_chunk(0..100_000, &TuneOptions::new(), |chunk, _ctx| {
///     total.fetch_add(chunk.map(|i| i as u64).sum(), Ordering::Relaxed);
/// });
/// assert_eq!(total.into_inner(), 99_999 * 100_000 / 2);
/// assert!(report.threads >= 1);
/// ```
#[cfg(not(loom))]
#[track_caller]
pub fn tune_for_each_chunk<R, F>(
    range: R,
    options: &crate::TuneOptions,
    body: F,
) -> crate::TuneReport
where
    R: IndexRange,
    F: Fn(Range<usize>, Ctx) + Sync,
{
    let range = range.to_usize_range();
    with_current_pool(|pool| crate::tune_for_each_chunk(pool, range, options, body))
}

/// [`tune_for_each`](crate::tune_for_each) on the current pool: calls `body(i)` once for every
/// `i` in `range`, tuning the thread count on the way, as [`tune_for_each_chunk`].
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use workshare::parfor::{global, TuneOptions};
/// let total = AtomicU64::new(0);
/// let report = global::tune_for_each(0..100_000, &TuneOptions::new(), |i| {
///     total.fetch_add(i as u64, Ordering::Relaxed);
/// });
/// assert_eq!(total.into_inner(), 99_999 * 100_000 / 2);
/// assert!(report.threads <= workshare::global().size());
/// ```
#[cfg(not(loom))]
#[track_caller]
pub fn tune_for_each<R, F>(range: R, options: &crate::TuneOptions, body: F) -> crate::TuneReport
where
    R: IndexRange,
    F: Fn(usize) + Sync,
{
    let range = range.to_usize_range();
    with_current_pool(|pool| crate::tune_for_each(pool, range, options, body))
}

/// [`tune_for_each_mut_chunk`](crate::tune_for_each_mut_chunk) on the current pool: calls
/// `body(chunk, offset, ctx)` on disjoint sub-slices covering `out`, tuning the thread count on
/// the way, as [`tune_for_each_chunk`].
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{global, TuneOptions};
/// let x: Vec<f32> = (0..100_000).map(|i| i as f32).collect();
/// let mut roots = vec![f32::NAN; x.len()];
/// global::tune_for_each_mut_chunk(&mut roots, &TuneOptions::new(), |chunk, offset, _ctx| {
///     for (k, r) in chunk.iter_mut().enumerate() {
///         *r = x[offset + k].sqrt();
///     }
/// });
/// assert!(roots.iter().zip(&x).all(|(r, x)| *r == x.sqrt()));
/// ```
#[cfg(not(loom))]
pub fn tune_for_each_mut_chunk<T, F>(
    out: &mut [T],
    options: &crate::TuneOptions,
    body: F,
) -> crate::TuneReport
where
    T: Send,
    F: Fn(&mut [T], usize, Ctx) + Sync,
{
    with_current_pool(|pool| crate::tune_for_each_mut_chunk(pool, out, options, body))
}
