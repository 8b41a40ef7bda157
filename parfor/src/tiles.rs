//! Loops over 2-D tiles of a row-major grid, with `&mut` access to each tile's cells.
//!
//! A tile's rows are not contiguous in a row-major buffer (each is a column sub-range of a grid
//! row), so tiles cannot be cut with `split_at_mut`. [`Tile`] is a view made of a pointer to the
//! tile's first cell, the grid's row stride and the tile's extent; it hands out one row at a
//! time (`&mut` borrows of the view), so a body never holds two overlapping references and
//! never reaches outside its tile. Tiles are numbered row-major over the tile grid, and the
//! loop driver hands every tile number to exactly one chunk: that is the disjointness the
//! unsafe code below relies on.

use crate::loops::run_offsets;
use crate::{Ctx, Schedule};
use std::marker::PhantomData;
use std::ops::Range;
use workshare_pool::Pool;

/// A rectangular part of a row-major grid, lent to one body of [`for_each_tile_mut`].
///
/// It covers the grid rows [`rows()`](Tile::rows) and columns [`cols()`](Tile::cols); row `r`
/// of the tile (`0 <= r < height()`) is grid row `rows().start + r`, columns
/// `cols().start..cols().end`. The view cannot be cloned, and its lifetime is that of the body
/// call, so a tile cannot escape its body:
///
/// ```compile_fail,E0521
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{for_each_tile_mut, Pool, Schedule, Tile};
/// use std::sync::Mutex;
/// let pool = Pool::new(2).unwrap();
/// let mut grid = vec![0u8; 16];
/// let kept: Mutex<Vec<Tile<'_, u8>>> = Mutex::new(Vec::new());
/// for_each_tile_mut(&pool, &mut grid, 4, (2, 2), Schedule::Static, |tile, _ctx| {
///     kept.lock().unwrap().push(tile); // error: the tile does not outlive the body
/// });
/// ```
///
/// and neither can a row of it:
///
/// ```compile_fail,E0521
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{for_each_tile_mut, Pool, Schedule};
/// use std::sync::Mutex;
/// let pool = Pool::new(2).unwrap();
/// let mut grid = vec![0u8; 16];
/// let kept: Mutex<Vec<&mut [u8]>> = Mutex::new(Vec::new());
/// for_each_tile_mut(&pool, &mut grid, 4, (2, 2), Schedule::Static, |mut tile, _ctx| {
///     kept.lock().unwrap().push(tile.row_mut(0)); // error: borrowed from the tile
/// });
/// ```
///
/// Two bodies cannot reach the same cell through the grid either: the loop holds the grid's
/// only `&mut` borrow while it runs, so a body cannot capture it:
///
/// ```compile_fail,E0596
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{for_each_tile_mut, Pool, Schedule};
/// let pool = Pool::new(2).unwrap();
/// let mut grid = vec![0u8; 16];
/// for_each_tile_mut(&pool, &mut grid, 4, (2, 2), Schedule::Static, |_tile, _ctx| {
///     grid[0] = 1; // error: `grid` is borrowed mutably by the loop
/// });
/// ```
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{for_each_tile_mut, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// let (rows, cols) = (5, 7);
/// let mut grid = vec![0usize; rows * cols];
/// for_each_tile_mut(&pool, &mut grid, cols, (2, 3), Schedule::Dynamic(1), |mut tile, _ctx| {
///     let (first_row, first_col) = (tile.rows().start, tile.cols().start);
///     for (r, cells) in tile.rows_mut().enumerate() {
///         for (c, cell) in cells.iter_mut().enumerate() {
///             *cell = (first_row + r) * cols + first_col + c;
///         }
///     }
/// });
/// assert!(grid.iter().enumerate().all(|(i, &v)| v == i));
/// # Ok::<(), workshare::Error>(())
/// ```
pub struct Tile<'t, T> {
    /// The tile's first cell (grid row `rows.start`, column `cols.start`).
    first: *mut T,
    /// The grid's row length: from a cell to the one below it.
    stride: usize,
    /// The grid rows the tile covers.
    rows: Range<usize>,
    /// The grid columns the tile covers.
    cols: Range<usize>,
    /// Which tile it is, row-major over the tile grid.
    index: usize,
    _borrow: PhantomData<&'t mut [T]>,
}

// SAFETY: a `Tile` is an exclusive borrow of its cells, like a set of `&mut [T]`s, which are
// `Send` when `T: Send`; no other view of those cells exists while it lives.
unsafe impl<T: Send> Send for Tile<'_, T> {}
// SAFETY: through `&Tile` only shared access to the cells is possible (`row`), like `&[T]`,
// which is `Sync` when `T: Sync`.
unsafe impl<T: Sync> Sync for Tile<'_, T> {}

impl<'t, T> Tile<'t, T> {
    /// The grid rows this tile covers.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::{for_each_tile_mut, Pool, Schedule};
    /// let pool = Pool::new(2)?;
    /// let mut grid = vec![0u8; 5 * 4];
    /// for_each_tile_mut(&pool, &mut grid, 4, (2, 4), Schedule::Static, |tile, _ctx| {
    ///     assert!(tile.rows() == (0..2) || tile.rows() == (2..4) || tile.rows() == (4..5));
    /// });
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[inline]
    pub fn rows(&self) -> Range<usize> {
        self.rows.clone()
    }

    /// The grid columns this tile covers.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::{for_each_tile_mut, Pool, Schedule};
    /// let pool = Pool::new(2)?;
    /// let mut grid = vec![0u8; 2 * 5];
    /// for_each_tile_mut(&pool, &mut grid, 5, (2, 3), Schedule::Static, |tile, _ctx| {
    ///     assert!(tile.cols() == (0..3) || tile.cols() == (3..5));
    /// });
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[inline]
    pub fn cols(&self) -> Range<usize> {
        self.cols.clone()
    }

    /// The tile's number, row-major over the grid of tiles (the index the schedule hands out).
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::{for_each_tile_mut, Pool, Schedule};
    /// let pool = Pool::new(2)?;
    /// let mut grid = vec![0u8; 4 * 4];
    /// for_each_tile_mut(&pool, &mut grid, 4, (2, 2), Schedule::Static, |tile, _ctx| {
    ///     assert_eq!(tile.index(), tile.rows().start / 2 * 2 + tile.cols().start / 2);
    /// });
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[inline]
    pub fn index(&self) -> usize {
        self.index
    }

    /// The number of rows of the tile (at most the tile height asked for; fewer at the bottom
    /// edge of the grid).
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::{for_each_tile_mut, Pool, Schedule};
    /// let pool = Pool::new(2)?;
    /// let mut grid = vec![0u8; 3 * 2];
    /// for_each_tile_mut(&pool, &mut grid, 2, (2, 2), Schedule::Static, |tile, _ctx| {
    ///     assert_eq!(tile.height(), if tile.rows().start == 0 { 2 } else { 1 });
    /// });
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[inline]
    pub fn height(&self) -> usize {
        self.rows.len()
    }

    /// The number of columns of the tile (fewer than asked for at the right edge of the grid).
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::{for_each_tile_mut, Pool, Schedule};
    /// let pool = Pool::new(2)?;
    /// let mut grid = vec![0u8; 2 * 3];
    /// for_each_tile_mut(&pool, &mut grid, 3, (2, 2), Schedule::Static, |tile, _ctx| {
    ///     assert_eq!(tile.width(), if tile.cols().start == 0 { 2 } else { 1 });
    /// });
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[inline]
    pub fn width(&self) -> usize {
        self.cols.len()
    }

    /// Row `r` of the tile (grid row `rows().start + r`), its cells in columns `cols()`.
    ///
    /// # Panics
    ///
    /// With `workshare: Tile::row: ...` when `r >= height()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::{for_each_tile_mut, Pool, Schedule};
    /// let pool = Pool::new(2)?;
    /// let mut grid: Vec<u32> = (0..4 * 4).collect();
    /// for_each_tile_mut(&pool, &mut grid, 4, (2, 2), Schedule::Static, |tile, _ctx| {
    ///     let top_left = tile.rows().start * 4 + tile.cols().start;
    ///     assert_eq!(tile.row(1)[0] as usize, top_left + 4);
    /// });
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[inline]
    #[track_caller]
    pub fn row(&self, r: usize) -> &[T] {
        self.check_row("row", r);
        // SAFETY: `r < height()`, so the row lies within the tile, which lies within the grid
        // (`for_each_tile_mut` builds it so); the shared borrow of `self` keeps `row_mut` and
        // `rows_mut` from lending these cells mutably meanwhile.
        unsafe { std::slice::from_raw_parts(self.row_start(r), self.width()) }
    }

    /// Row `r` of the tile, mutably.
    ///
    /// # Panics
    ///
    /// With `workshare: Tile::row_mut: ...` when `r >= height()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::{for_each_tile_mut, Pool, Schedule};
    /// let pool = Pool::new(2)?;
    /// let mut grid = vec![0u8; 4 * 6];
    /// for_each_tile_mut(&pool, &mut grid, 6, (4, 3), Schedule::Static, |mut tile, _ctx| {
    ///     tile.row_mut(0).fill(1);
    /// });
    /// assert_eq!(&grid[..6], &[1; 6]);
    /// assert!(grid[6..].iter().all(|&v| v == 0));
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[inline]
    #[track_caller]
    pub fn row_mut(&mut self, r: usize) -> &mut [T] {
        self.check_row("row_mut", r);
        // SAFETY: as in `row`; the exclusive borrow of `self` makes this the only reference to
        // the row's cells until it ends, and no other tile covers them (see the module docs).
        unsafe { std::slice::from_raw_parts_mut(self.row_start(r), self.width()) }
    }

    /// The tile's rows, top to bottom, mutably.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::{for_each_tile_mut, Pool, Schedule};
    /// let pool = Pool::new(2)?;
    /// let mut grid = vec![0u32; 6 * 6];
    /// for_each_tile_mut(&pool, &mut grid, 6, (3, 3), Schedule::Auto, |mut tile, _ctx| {
    ///     let id = tile.index() as u32;
    ///     tile.rows_mut().for_each(|cells| cells.fill(id));
    /// });
    /// assert_eq!(grid[0], 0);
    /// assert_eq!(grid[5], 1);
    /// assert_eq!(grid[35], 3);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn rows_mut(&mut self) -> impl Iterator<Item = &mut [T]> + '_ {
        let tile = &*self;
        (0..tile.height()).map(move |r| {
            // SAFETY: `r < height()` (the range), so the row lies in the tile; the rows are
            // pairwise disjoint (different grid rows), each is lent once by this iterator, and
            // the iterator holds the exclusive borrow of the tile for as long as they live.
            unsafe { std::slice::from_raw_parts_mut(tile.row_start(r), tile.width()) }
        })
    }

    /// A pointer to the first cell of row `r < height()`.
    #[inline]
    fn row_start(&self, r: usize) -> *mut T {
        debug_assert!(r < self.height());
        // SAFETY: the cell (rows.start + r, cols.start) is inside the grid allocation, so the
        // offset `r * stride` from the tile's first cell stays within it.
        unsafe { self.first.add(r * self.stride) }
    }

    #[inline]
    #[track_caller]
    fn check_row(&self, what: &str, r: usize) {
        if r >= self.height() {
            let height = self.height();
            panic!("workshare: Tile::{what}: row {r} is outside a tile of {height} rows");
        }
    }
}

/// The grid shared by the tiles of one loop: the one place raw pointers into it are made.
struct TiledGrid<'a, T> {
    base: *mut T,
    len: usize,
    cols: usize,
    tile: (usize, usize),
    /// Tiles per row of tiles.
    across: usize,
    _borrow: PhantomData<&'a mut [T]>,
}

// SAFETY: the loop hands out `Tile`s over disjoint cells to other threads: like sending
// `&mut [T]`s, sound when `T: Send`.
unsafe impl<T: Send> Sync for TiledGrid<'_, T> {}

impl<T> TiledGrid<'_, T> {
    /// The view of tile `index` (`index < tiles()`).
    ///
    /// # Safety
    ///
    /// No two `Tile`s of the same index may live at the same time.
    #[inline]
    unsafe fn tile<'t>(&self, index: usize) -> Tile<'t, T> {
        let (band, column) = (index / self.across, index % self.across);
        let rows_total = self.len / self.cols;
        let row0 = band * self.tile.0;
        let col0 = column * self.tile.1;
        let rows = row0..(row0 + self.tile.0).min(rows_total);
        let cols = col0..(col0 + self.tile.1).min(self.cols);
        assert!(rows.start < rows.end && cols.start < cols.end);
        Tile {
            // SAFETY: `row0 < rows_total` and `col0 < cols` (asserted), so the cell is inside
            // the grid of `len = rows_total * cols` elements.
            first: unsafe { self.base.add(row0 * self.cols + col0) },
            stride: self.cols,
            rows,
            cols,
            index,
            _borrow: PhantomData,
        }
    }
}

/// Calls `body(tile, ctx)` once for every tile of `grid`, a row-major buffer of rows of `cols`
/// elements, cut into tiles of `tile = (rows, cols)` cells (smaller at the bottom and right
/// edges), on the team of `pool`. Each [`Tile`] lends `&mut` access to its own cells only.
/// Tiles are numbered row-major over the tile grid and `schedule` hands out tile numbers (a
/// chunk size counts tiles). Like [`for_each_chunk`](crate::for_each_chunk), whose guarantees
/// and panics it shares: in particular tiles with the same [`Ctx::thread_id`] run one after
/// another on one thread.
///
/// For blocked algorithms (a tiled matrix product writing one block of the result per body,
/// stencils with cache blocking) without `unsafe` in the caller.
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
/// use workshare::parfor::{for_each_tile_mut, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// let (n, k, m) = (6, 4, 5);
/// let a: Vec<f64> = (0..n * k).map(|i| i as f64).collect();
/// let b: Vec<f64> = (0..k * m).map(|i| (i % 3) as f64).collect();
/// let mut c = vec![0.0; n * m];
/// // C = A B, one 4 x 4 block of C per body.
/// for_each_tile_mut(&pool, &mut c, m, (4, 4), Schedule::Static, |mut tile, _ctx| {
///     let (rows, cols) = (tile.rows(), tile.cols());
///     for (r, c_row) in rows.zip(tile.rows_mut()) {
///         for (j, c_ij) in cols.clone().zip(c_row.iter_mut()) {
///             *c_ij = (0..k).map(|p| a[r * k + p] * b[p * m + j]).sum();
///         }
///     }
/// });
/// assert_eq!(c[m + 2], (0..k).map(|p| a[k + p] * b[p * m + 2]).sum::<f64>());
/// # Ok::<(), workshare::Error>(())
/// ```
#[track_caller]
pub fn for_each_tile_mut<T, F>(
    pool: &Pool,
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
    let grid = tiled_grid(grid, cols, tile);
    let tiles = grid.len.checked_div(grid.cols).map_or(0, |rows_total| {
        rows_total.div_ceil(grid.tile.0) * grid.across
    });
    // `move`: the grid and the body travel by value, into the loop's state.
    run_offsets(
        pool,
        pool.num_threads(),
        tiles,
        schedule,
        move |chunk: Range<usize>, ctx| {
            for index in chunk {
                // SAFETY: the loop driver hands every tile number to exactly one chunk, and a
                // chunk runs each of its numbers once, so no two `Tile`s of one number exist.
                body(unsafe { grid.tile(index) }, ctx);
            }
        },
    );
}

/// Checks the shape of a tile loop's grid (panicking at the caller's line), and wraps it.
#[track_caller]
fn tiled_grid<T>(grid: &mut [T], cols: usize, tile: (usize, usize)) -> TiledGrid<'_, T> {
    let len = grid.len();
    if cols == 0 || len % cols != 0 {
        panic!(
            "workshare: for_each_tile_mut: grid length {len} is not a multiple of {cols} columns"
        );
    }
    if tile.0 == 0 || tile.1 == 0 {
        panic!("workshare: for_each_tile_mut: tile size {tile:?} has a zero dimension");
    }
    TiledGrid {
        base: grid.as_mut_ptr(),
        len,
        cols,
        tile,
        across: cols.div_ceil(tile.1),
        _borrow: PhantomData,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn schedules() -> Vec<Schedule> {
        vec![
            Schedule::Auto,
            Schedule::Static,
            Schedule::StaticChunk(1),
            Schedule::StaticChunk(3),
            Schedule::Dynamic(1),
            Schedule::Dynamic(2),
            Schedule::Guided(1),
            Schedule::Stealing,
        ]
    }

    /// Every cell is written exactly once, by the tile that covers it, and tiles report the
    /// extents they write.
    fn check(threads: usize, rows: usize, cols: usize, tile: (usize, usize), schedule: Schedule) {
        let pool = Pool::new(threads).unwrap();
        let mut grid = vec![0usize; rows * cols];
        let seen = AtomicUsize::new(0);
        for_each_tile_mut(&pool, &mut grid, cols, tile, schedule, |mut t, ctx| {
            assert!(ctx.thread_id() < ctx.team_size());
            assert!(t.height() <= tile.0 && t.width() <= tile.1);
            assert_eq!(t.rows().start % tile.0, 0);
            assert_eq!(t.cols().start % tile.1, 0);
            let (rows, cols_range, id) = (t.rows(), t.cols(), t.index() + 1);
            for (r, cells) in rows.zip(t.rows_mut()) {
                assert_eq!(cells.len(), cols_range.len());
                for (c, cell) in cols_range.clone().zip(cells) {
                    // Exactly once: a cell written twice would not be 0 here.
                    assert_eq!(*cell, 0, "cell ({r}, {c}) written twice");
                    *cell = id;
                }
            }
            seen.fetch_add(1, Ordering::Relaxed);
        });
        let across = cols.div_ceil(tile.1);
        for (i, &v) in grid.iter().enumerate() {
            let (r, c) = (i / cols, i % cols);
            assert_eq!(v, (r / tile.0) * across + c / tile.1 + 1, "cell ({r}, {c})");
        }
        let tiles = if cols == 0 {
            0
        } else {
            rows.div_ceil(tile.0) * across
        };
        assert_eq!(seen.into_inner(), tiles);
    }

    #[test]
    fn every_cell_once_every_schedule_and_team() {
        let threads: Vec<usize> = if cfg!(miri) {
            vec![1, 3]
        } else {
            (1..=8).collect()
        };
        let shapes: &[(usize, usize, (usize, usize))] = if cfg!(miri) {
            &[(5, 7, (2, 3)), (0, 3, (2, 2))]
        } else {
            &[
                (5, 7, (2, 3)),
                (1, 1, (1, 1)),
                (0, 3, (2, 2)),
                (17, 13, (4, 4)),
                (9, 31, (9, 31)),
                (3, 3, (8, 8)),
                (33, 1, (5, 1)),
            ]
        };
        for &t in &threads {
            for &(rows, cols, tile) in shapes {
                for schedule in schedules() {
                    check(t, rows, cols, tile, schedule);
                }
            }
        }
    }

    #[test]
    fn row_access_stays_in_the_tile() {
        let pool = Pool::new(2).unwrap();
        let mut grid: Vec<u32> = (0..4 * 5).collect();
        for_each_tile_mut(&pool, &mut grid, 5, (3, 2), Schedule::Static, |mut t, _| {
            let expect = (t.rows().start * 5 + t.cols().start) as u32;
            assert_eq!(t.row(0)[0], expect);
            t.row_mut(0)[0] += 100;
            let last = t.height() - 1;
            assert_eq!(t.row(last).len(), t.width());
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                t.row_mut(t.height());
            }));
            assert!(out.is_err());
        });
        assert_eq!(grid[0], 100);
        assert_eq!(grid[2], 102);
        assert_eq!(grid[15], 115);
        assert_eq!(grid[1], 1);
    }

    #[test]
    fn panics_propagate() {
        let pool = Pool::new(3).unwrap();
        let mut grid = vec![0u8; 8 * 8];
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            for_each_tile_mut(&pool, &mut grid, 8, (2, 2), Schedule::Dynamic(1), |t, _| {
                assert_ne!(t.index(), 5, "tile five");
            });
        }));
        assert!(out.is_err());
        // The pool stays usable.
        for_each_tile_mut(&pool, &mut grid, 8, (2, 2), Schedule::Static, |mut t, _| {
            t.row_mut(0)[0] = 1;
        });
        assert_eq!(grid.iter().filter(|&&v| v == 1).count(), 16);
    }

    #[test]
    fn bad_shapes_panic_at_the_caller() {
        let pool = Pool::new(1).unwrap();
        let mut grid = vec![0u8; 6];
        for (cols, tile) in [(0, (1, 1)), (4, (1, 1)), (3, (0, 1)), (3, (1, 0))] {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                for_each_tile_mut(&pool, &mut grid, cols, tile, Schedule::Static, |_, _| {});
            }));
            let message = out.unwrap_err();
            let message = message.downcast_ref::<String>().unwrap();
            assert!(
                message.starts_with("workshare: for_each_tile_mut:"),
                "{message}"
            );
        }
    }
}
