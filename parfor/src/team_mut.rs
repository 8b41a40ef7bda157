//! Team loops that write a slice inside a running region: OpenMP's `for` over an output array,
//! with the array borrowed once for the whole region.
//!
//! Wrap the `&mut [T]` in a [`RegionSlice`] before the region, take a [`SliceHandle`] on every
//! team thread with [`RegionSlice::take`], read it with [`SliceHandle::read`] and write it with
//! these loops (each a write construct: see `workshare_pool::RegionSlice`). Each chunk is a
//! `&mut [T]` that lives for one body call; chunks of one loop never overlap, under every
//! schedule, and no thread reads the slice while a loop writes it.
//!
//! A `&mut` chunk cannot escape its body:
//!
//! ```compile_fail,E0521
//! # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
//! use workshare::parfor::{team_for_each_mut_chunk, Pool, RegionSlice, Schedule};
//! let pool = Pool::new(2).unwrap();
//! let mut data = vec![0u32; 8];
//! let shared = RegionSlice::new(&mut data);
//! pool.region(|team| {
//!     let mut handle = shared.take(team);
//!     let mut kept: Option<&mut [u32]> = None;
//!     team_for_each_mut_chunk(&mut handle, Schedule::Static, |chunk, _, _| kept = Some(chunk));
//! });
//! ```
//!
//! and a handle cannot be shared by two threads (so two threads cannot get the same element
//! through one handle):
//!
//! ```compile_fail,E0277
//! # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
//! use workshare::parfor::{team_for_each_mut_chunk, Pool, RegionSlice, Schedule};
//! let pool = Pool::new(2).unwrap();
//! let mut data = vec![0u32; 8];
//! let shared = RegionSlice::new(&mut data);
//! pool.region(|team| {
//!     let handle = shared.take(team);
//!     std::thread::scope(|s| {
//!         s.spawn(|| handle.read().len()); // error: `SliceHandle` is not `Sync`
//!     });
//! });
//! ```

use crate::worksharing::share;
use crate::{Ctx, Schedule};
use std::ops::Range;
use std::panic::{self, AssertUnwindSafe};
#[cfg(doc)]
use workshare_pool::RegionSlice;
use workshare_pool::SliceHandle;

/// The plan every team thread must agree on: the schedule, and the unit of a loop index (1
/// for elements, the row length for rows).
fn plan(schedule: Schedule, unit: usize) -> [usize; 3] {
    let (kind, size) = match schedule {
        Schedule::Static => (0, 0),
        Schedule::StaticChunk(size) => (1, size),
        Schedule::Dynamic(size) => (2, size),
        Schedule::Guided(min) => (3, min),
        // Both run as `Guided(1)` in a team (see `team_for_each_chunk`).
        Schedule::Stealing | Schedule::Auto => (4, 0),
        Schedule::Runtime => unreachable!("a team loop resolves `Runtime` at its entry"),
    };
    [kind, size, unit]
}

/// Shares the slice of `slice` among the threads of its team in chunks, calling
/// `body(chunk, offset, ctx)` on this thread's chunks, where `chunk` is `&mut` to positions
/// `offset..offset + chunk.len()`; then waits for the whole team, so that every write is
/// visible to every thread (a write construct: see the module docs).
///
/// Every team thread must call it with the same schedule. `Stealing` and `Auto` run as
/// `Guided(1)`, as in [`team_for_each_chunk`](crate::team_for_each_chunk).
///
/// # Panics
///
/// On a chunk size of 0, on every thread; on the threads whose schedule differs from the
/// first thread's. A panic in `body` stops the hand-out of `Dynamic` and `Guided` chunks and
/// is resumed by the region on its caller.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{team_for_each_mut_chunk, Pool, RegionSlice, Schedule};
/// let pool = Pool::new(2)?;
/// let mut squares = vec![0u64; 100];
/// let shared = RegionSlice::new(&mut squares);
/// pool.region(|team| {
///     let mut out = shared.take(team);
///     team_for_each_mut_chunk(&mut out, Schedule::Dynamic(16), |chunk, offset, _| {
///         for (k, x) in chunk.iter_mut().enumerate() {
///             *x = ((offset + k) * (offset + k)) as u64;
///         }
///     });
///     // Every thread sees every write after the loop.
///     assert_eq!(out.read()[99], 99 * 99);
/// });
/// # Ok::<(), workshare::Error>(())
/// ```
pub fn team_for_each_mut_chunk<T, F>(slice: &mut SliceHandle<'_, T>, schedule: Schedule, body: F)
where
    T: Send,
    F: for<'c> FnMut(&'c mut [T], usize, Ctx),
{
    let len = slice.len();
    share_mut(slice, len, 1, schedule, body);
}

/// Calls `body(&mut x, i)`, with `x` the element at position `i`, for this thread's share of
/// the elements of `slice`, then waits for the whole team. Like [`team_for_each_mut_chunk`],
/// whose rules and panics it shares.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{team_for_each_mut, Pool, RegionSlice, Schedule};
/// let pool = Pool::new(3)?;
/// let mut data = vec![0usize; 10];
/// let shared = RegionSlice::new(&mut data);
/// pool.region(|team| {
///     let mut handle = shared.take(team);
///     team_for_each_mut(&mut handle, Schedule::Static, |x, i| *x = 2 * i);
/// });
/// assert_eq!(data[9], 18);
/// # Ok::<(), workshare::Error>(())
/// ```
pub fn team_for_each_mut<T, F>(slice: &mut SliceHandle<'_, T>, schedule: Schedule, mut body: F)
where
    T: Send,
    F: FnMut(&mut T, usize),
{
    team_for_each_mut_chunk(slice, schedule, |chunk, offset, _| {
        for (k, x) in chunk.iter_mut().enumerate() {
            body(x, offset + k);
        }
    });
}

/// Calls `body(cells, row, ctx)` for this thread's rows of the row-major grid in `slice` (rows
/// of `cols` elements), handing rows out by `schedule`, then waits for the whole team. For
/// stencils: read the previous grid through another handle's [`read`](SliceHandle::read),
/// write this one row by row.
///
/// # Panics
///
/// With `workshare: team_for_each_row_mut: ...` when `cols` is 0 or the length is not a
/// multiple of `cols` (on every thread); otherwise like [`team_for_each_mut_chunk`].
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{team_for_each_row_mut, Pool, RegionSlice, Schedule};
/// let pool = Pool::new(2)?;
/// let (rows, cols) = (4, 3);
/// let mut grid = vec![0usize; rows * cols];
/// let shared = RegionSlice::new(&mut grid);
/// pool.region(|team| {
///     let mut handle = shared.take(team);
///     team_for_each_row_mut(&mut handle, cols, Schedule::Dynamic(1), |cells, row, _| {
///         cells.fill(row);
///     });
/// });
/// assert_eq!(grid, [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
/// # Ok::<(), workshare::Error>(())
/// ```
pub fn team_for_each_row_mut<T, F>(
    slice: &mut SliceHandle<'_, T>,
    cols: usize,
    schedule: Schedule,
    mut body: F,
) where
    T: Send,
    F: FnMut(&mut [T], usize, Ctx),
{
    let len = slice.len();
    if cols == 0 || len % cols != 0 {
        panic!(
            "workshare: team_for_each_row_mut: length {len} is not a multiple of {cols} columns"
        );
    }
    share_mut(slice, len / cols, cols, schedule, |chunk, first, ctx| {
        for (k, cells) in chunk.chunks_mut(cols).enumerate() {
            body(cells, first / cols + k, ctx);
        }
    });
}

/// One write construct over `count` units of `unit` elements: this thread's chunks, as `&mut`
/// with their offset in elements.
fn share_mut<T, F>(
    slice: &mut SliceHandle<'_, T>,
    count: usize,
    unit: usize,
    schedule: Schedule,
    mut body: F,
) where
    F: for<'c> FnMut(&'c mut [T], usize, Ctx),
{
    let schedule = schedule.resolved();
    let construct = slice.write(plan(schedule, unit));
    let team = construct.team();
    let (mut chunks, mut iterations) = (0u64, 0u64);
    // A panicking body is caught here, so that this thread leaves the construct (barrier E)
    // on its ordinary path, then resumed.
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        share(
            team,
            0,
            count,
            schedule,
            Some(construct.counter()),
            |units: Range<usize>, ctx| {
                chunks += 1;
                iterations += units.len() as u64;
                let elements = units.start * unit..units.end * unit;
                // SAFETY: every team thread agreed on this plan (schedule and unit) in
                // `write`, so `share` gives each unit of `0..count` to one thread once (static
                // blocks, round robin, or claims on the construct's own counter, fresh for this
                // construct); units of `unit` elements never overlap and end at
                // `count * unit <= len`.
                let chunk = unsafe { construct.chunk(elements.clone()) };
                body(chunk, elements.start, ctx);
            },
        )
    }));
    drop(construct);
    if let Err(payload) = outcome {
        panic::resume_unwind(payload);
    }
    if team.collecting_stats() {
        team.record_work(chunks, iterations, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Pool;
    use workshare_pool::RegionSlice;

    /// Team sizes to test (fewer under Miri, which is slow).
    fn thread_counts() -> Vec<usize> {
        if cfg!(miri) {
            vec![1, 3]
        } else {
            (1..=8).collect()
        }
    }

    fn schedules() -> [Schedule; 7] {
        [
            Schedule::Static,
            Schedule::StaticChunk(3),
            Schedule::Dynamic(1),
            Schedule::Dynamic(7),
            Schedule::Guided(2),
            Schedule::Stealing,
            Schedule::Auto,
        ]
    }

    /// Exactly once and disjoint: every element is written by one body call, each chunk is
    /// written only by the thread that got it, and every thread sees all writes after the loop.
    #[test]
    fn chunks_cover_each_element_once_for_every_schedule_and_team() {
        for threads in thread_counts() {
            let pool = Pool::new(threads).unwrap();
            let lens: &[usize] = if cfg!(miri) {
                &[0, 7, 20]
            } else {
                &[0, 1, 7, 64, 101]
            };
            for &len in lens {
                for schedule in schedules() {
                    let mut data = vec![(usize::MAX, 0u32); len];
                    let shared = RegionSlice::new(&mut data);
                    pool.region(|team| {
                        let mut handle = shared.take(team);
                        for round in 1..=3u32 {
                            team_for_each_mut_chunk(&mut handle, schedule, |chunk, offset, ctx| {
                                for (k, cell) in chunk.iter_mut().enumerate() {
                                    assert_eq!(cell.1, round - 1, "index {} twice", offset + k);
                                    *cell = (ctx.thread_id(), round);
                                }
                            });
                            assert!(handle.read().iter().all(|c| c.1 == round));
                        }
                    });
                    assert!(
                        data.iter().all(|c| c.1 == 3),
                        "{threads} {len} {schedule:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn rows_and_elements_cover_once() {
        for threads in thread_counts() {
            let pool = Pool::new(threads).unwrap();
            for (rows, cols) in [(0, 3), (1, 1), (5, 3), (17, 4)] {
                for schedule in schedules() {
                    let mut grid = vec![0usize; rows * cols];
                    let shared = RegionSlice::new(&mut grid);
                    pool.region(|team| {
                        let mut handle = shared.take(team);
                        team_for_each_row_mut(&mut handle, cols, schedule, |cells, row, _| {
                            assert_eq!(cells.len(), cols);
                            cells.iter_mut().for_each(|c| *c += row + 1);
                        });
                        team_for_each_mut(&mut handle, schedule, |x, i| *x = *x * 1000 + i);
                    });
                    let expected: Vec<usize> = (0..rows * cols)
                        .map(|i| (i / cols + 1) * 1000 + i)
                        .collect();
                    assert_eq!(grid, expected, "{threads} {rows}x{cols} {schedule:?}");
                }
            }
        }
    }

    #[test]
    fn two_grids_ping_pong_in_one_region() {
        let pool = Pool::new(4).unwrap();
        let (mut a, mut b) = (vec![1u64; 50], vec![0u64; 50]);
        let (sa, sb) = (RegionSlice::new(&mut a), RegionSlice::new(&mut b));
        pool.region(|team| {
            let (mut ha, mut hb) = (sa.take(team), sb.take(team));
            for _ in 0..10 {
                team_for_each_mut(&mut hb, Schedule::Dynamic(3), |x, i| {
                    *x = ha.read()[i] + ha.read()[(i + 1) % 50];
                });
                team_for_each_mut(&mut ha, Schedule::Static, |x, i| *x = hb.read()[i]);
            }
        });
        assert!(a.iter().all(|&x| x == 1024));
    }

    #[test]
    fn disagreeing_schedules_and_second_take_panic() {
        let pool = Pool::new(2).unwrap();
        let mut data = vec![0u8; 10];
        let shared = RegionSlice::new(&mut data);
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            pool.region(|team| {
                let mut handle = shared.take(team);
                let schedule = if team.thread_id() == 0 {
                    Schedule::Static
                } else {
                    Schedule::Dynamic(1)
                };
                team_for_each_mut(&mut handle, schedule, |x, _| *x += 1);
            })
        }));
        assert!(caught.is_err() || pool.num_threads() == 1);
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            pool.region(|team| {
                let _first = shared.take(team);
                let _second = shared.take(team);
            })
        }));
        assert!(caught.is_err());
        // Free again after the region: every handle was dropped.
        pool.region(|team| {
            let mut handle = shared.take(team);
            team_for_each_mut(&mut handle, Schedule::Static, |x, _| *x = 7);
        });
        assert_eq!(data, [7; 10]);
    }

    #[test]
    fn panic_in_a_body_reaches_the_caller_and_the_slice_is_usable_again() {
        let pool = Pool::new(3).unwrap();
        let mut data = vec![0u32; 30];
        let shared = RegionSlice::new(&mut data);
        for schedule in schedules() {
            let caught = panic::catch_unwind(AssertUnwindSafe(|| {
                pool.region(|team| {
                    let mut handle = shared.take(team);
                    team_for_each_mut(&mut handle, schedule, |_, i| assert_ne!(i, 13));
                })
            }));
            assert!(caught.is_err(), "{schedule:?}");
            pool.region(|team| {
                let mut handle = shared.take(team);
                team_for_each_mut(&mut handle, schedule, |x, _| *x += 1);
            });
        }
        assert_eq!(data, [7; 30]);
    }

    #[test]
    fn a_thread_that_leaves_releases_the_others() {
        let pool = Pool::new(3).unwrap();
        let mut data = vec![0u32; 30];
        let shared = RegionSlice::new(&mut data);
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            pool.region(|team| {
                let mut handle = shared.take(team);
                if team.thread_id() != 2 {
                    team_for_each_mut(&mut handle, Schedule::Static, |x, _| *x += 1);
                }
            })
        }));
        assert!(caught.is_err());
    }
}
