//! Loops over a 2-D index space (OpenMP's `collapse(2)`) and over the rows of a grid.

use crate::loops::for_each_chunk;
use crate::slices::for_each_mut_chunk;
use crate::{Ctx, Schedule};
use workshare_pool::Pool;

/// Calls `body(row, col)` once for every `row < rows` and `col < cols`, on the team of `pool`:
/// the two loops are collapsed into one index space of `rows * cols` in row-major order,
/// handed out by `schedule`, so that even a grid with fewer rows than threads balances.
///
/// # Panics
///
/// With `workshare: for_each_2d: rows * cols overflows usize` when it does; otherwise like
/// [`for_each_chunk`].
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{for_each_2d, Pool, Schedule};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let pool = Pool::new(2)?;
/// let cells: Vec<AtomicUsize> = (0..3 * 4).map(|_| AtomicUsize::new(0)).collect();
/// for_each_2d(&pool, 3, 4, Schedule::Auto, |row, col| {
///     cells[row * 4 + col].fetch_add(1, Ordering::Relaxed);
/// });
/// assert!(cells.iter().all(|c| c.load(Ordering::Relaxed) == 1));
/// # Ok::<(), workshare::Error>(())
/// ```
#[track_caller]
pub fn for_each_2d<F>(pool: &Pool, rows: usize, cols: usize, schedule: Schedule, body: F)
where
    F: Fn(usize, usize) + Sync,
{
    let schedule = schedule.resolved();
    let Some(cells) = rows.checked_mul(cols) else {
        panic!("workshare: for_each_2d: rows * cols overflows usize ({rows} * {cols})")
    };
    for_each_chunk(pool, 0..cells, schedule, move |chunk, _ctx| {
        let (mut row, mut col) = (chunk.start / cols, chunk.start % cols);
        for _ in chunk {
            body(row, col);
            col += 1;
            if col == cols {
                (row, col) = (row + 1, 0);
            }
        }
    });
}

/// Calls `body(cells, row, ctx)` once for every row of `grid`, a row-major buffer of rows of
/// `cols` elements, with `cells` the elements of row number `row`, on the team of `pool`,
/// handing rows out by `schedule`. For row-wise work and stencils (read a neighbourhood from an
/// input grid, write the output row).
///
/// # Panics
///
/// With `workshare: for_each_row_mut: ...` when `cols` is 0 or `grid.len()` is not a multiple
/// of `cols`; otherwise like [`for_each_chunk`].
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{for_each_row_mut, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// let (rows, cols) = (4, 5);
/// let input: Vec<f64> = (0..rows * cols).map(|i| i as f64).collect();
/// let mut blurred = vec![0.0; rows * cols];
/// // A 3-point horizontal stencil, row by row.
/// for_each_row_mut(&pool, &mut blurred, cols, Schedule::Static, |cells, row, _ctx| {
///     let line = &input[row * cols..(row + 1) * cols];
///     for (c, out) in cells.iter_mut().enumerate() {
///         let (l, r) = (c.saturating_sub(1), (c + 1).min(cols - 1));
///         *out = (line[l] + line[c] + line[r]) / 3.0;
///     }
/// });
/// assert_eq!(blurred[6], 6.0);
/// # Ok::<(), workshare::Error>(())
/// ```
#[track_caller]
pub fn for_each_row_mut<T, F>(pool: &Pool, grid: &mut [T], cols: usize, schedule: Schedule, body: F)
where
    T: Send,
    F: Fn(&mut [T], usize, Ctx) + Sync,
{
    let schedule = schedule.resolved();
    check_rows("for_each_row_mut", grid.len(), cols);
    // Safe splitting: one `&mut` per row, handed out as chunks of rows.
    let mut rows: Vec<&mut [T]> = grid.chunks_mut(cols).collect();
    for_each_mut_chunk(pool, &mut rows, schedule, move |chunk, first, ctx| {
        for (k, cells) in chunk.iter_mut().enumerate() {
            body(cells, first + k, ctx);
        }
    });
}

/// Panics, at the caller's line, unless a grid of `len` elements has whole rows of `cols`
/// elements: the check of the row loops (`what` names the loop in the message), on a given pool
/// and on the current one.
#[track_caller]
pub(crate) fn check_rows(what: &str, len: usize, cols: usize) {
    if cols == 0 || len % cols != 0 {
        panic!("workshare: {what}: grid length {len} is not a multiple of {cols} columns");
    }
}
