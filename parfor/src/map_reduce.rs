//! Loops that write a mutable output and return a reduction, in one fork.
//!
//! A sweep that updates a grid and measures the change (a relaxation step and its residual)
//! would otherwise need two forks: one to write, one to reduce. Here every chunk (or row)
//! body returns a value; each team thread keeps its values, tagged with where they came from,
//! in a slot of its own (the chunks of one thread run one after another, so a slot is never
//! contended), and after the join the caller combines them in index order.

use crate::slices::for_each_mut_chunk;
use crate::{Ctx, Schedule};
use crossbeam_utils::CachePadded;
use std::sync::Mutex;
use workshare_pool::Pool;

/// One team thread's `(position, value)` pairs; the position orders the combine.
type Slot<R> = CachePadded<Mutex<Vec<(usize, R)>>>;

/// One slot per pool thread.
struct Partials<R> {
    slots: Vec<Slot<R>>,
}

impl<R> Partials<R> {
    fn new(pool: &Pool) -> Self {
        let slots = (0..pool.size()).map(|_| Default::default()).collect();
        Self { slots }
    }

    /// Records `value` for `position` in the slot of team thread `ctx.thread_id()`.
    #[inline]
    fn push(&self, ctx: Ctx, position: usize, value: R) {
        // Never contended: only this team thread's chunks use its slot, one at a time. A poisoned
        // slot (a body panicked on this thread) is never reached: the loop re-raises first.
        let mut slot = self.slots[ctx.thread_id()].lock().unwrap();
        slot.push((position, value));
    }

    /// Combines every value left to right in position order, starting from `identity`.
    fn combine(self, identity: R, combine: impl Fn(R, R) -> R) -> R {
        let mut all: Vec<(usize, R)> = Vec::new();
        for slot in self.slots {
            all.append(&mut slot.into_inner().into_inner().unwrap());
        }
        all.sort_unstable_by_key(|&(position, _)| position);
        all.into_iter()
            .fold(identity, |acc, (_, v)| combine(acc, v))
    }
}

/// Like [`for_each_mut_chunk`], and returns the values of `body(chunk, offset, ctx)` over all
/// chunks, combined: a map over a mutable output and a reduction in one fork.
///
/// The result is `combine(...combine(combine(identity(), v0), v1)..., vk)` with `v0, v1, ...`
/// the chunks' values in index order (the order of their offsets), computed on the caller
/// after the join; `combine` need not be commutative. So when `combine` is exactly associative
/// (integers, `max`) the result is the same for every schedule and team. With floating point
/// it depends on the chunk boundaries: those of `StaticChunk(c)` and `Dynamic(c)` are the
/// multiples of `c`, the same for every team and run; `Static`'s depend on the size of the
/// team the loop gets; `Guided`, `Stealing` and `Auto` depend on the timing. For bits that do
/// not depend on the team, use `StaticChunk` (or [`for_each_row_mut_reduce`], which combines
/// per row). One value is kept per chunk until the end, so give chunk sizes that are not tiny.
///
/// A chunk is lent for the body call only: it cannot be returned as the value (nor kept
/// anywhere else), so no `&mut` to the output survives the loop's hand-out:
///
/// ```compile_fail
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{for_each_mut_chunk_reduce, Pool, Schedule};
/// let pool = Pool::new(2).unwrap();
/// let mut out = vec![0u8; 100];
/// let chunks: Vec<&mut [u8]> = for_each_mut_chunk_reduce(&pool, &mut out, Schedule::Static,
///     Vec::new,
///     |chunk, _, _| vec![chunk], // error: the chunk does not outlive the body
///     |mut a, b| { a.extend(b); a });
/// ```
///
/// and two bodies cannot write the same element: the loop holds the output's only `&mut`,
/// and a body (`Fn`, shared by the team) cannot mutate what it captures:
///
/// ```compile_fail,E0596
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{for_each_mut_chunk_reduce, Pool, Schedule};
/// let pool = Pool::new(2).unwrap();
/// let mut out = vec![0u8; 100];
/// let mut other = vec![0u8; 100];
/// for_each_mut_chunk_reduce(&pool, &mut out, Schedule::Static, || 0, |chunk, _, _| {
///     other[0] += 1; // error: cannot borrow `other` as mutable in an `Fn` closure
///     chunk.len()
/// }, |a, b| a + b);
/// ```
///
/// # Panics
///
/// Like [`for_each_chunk`](crate::for_each_chunk): a panic in `body` resumes on the caller,
/// and `combine` does not run.
///
/// # Examples
///
/// One Jacobi sweep of a 1-D Laplace problem, returning the largest change:
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{for_each_mut_chunk_reduce, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// let old: Vec<f64> = (0..1000).map(|i| if i == 0 { 1.0 } else { 0.0 }).collect();
/// let mut new = old.clone();
/// let change = for_each_mut_chunk_reduce(
///     &pool,
///     &mut new[1..999],
///     Schedule::StaticChunk(100),
///     || 0.0f64,
///     |chunk, offset, _ctx| {
///         let mut worst = 0.0f64;
///         for (k, x) in chunk.iter_mut().enumerate() {
///             let i = offset + k + 1;
///             *x = 0.5 * (old[i - 1] + old[i + 1]);
///             worst = worst.max((*x - old[i]).abs());
///         }
///         worst
///     },
///     f64::max,
/// );
/// assert_eq!(change, 0.5);
/// assert_eq!(new[1], 0.5);
/// # Ok::<(), workshare::Error>(())
/// ```
#[track_caller]
pub fn for_each_mut_chunk_reduce<T, R, Id, F, C>(
    pool: &Pool,
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
    let partials = Partials::new(pool);
    let slots = &partials;
    for_each_mut_chunk(pool, out, schedule, move |chunk, offset, ctx| {
        slots.push(ctx, offset, body(chunk, offset, ctx));
    });
    partials.combine(identity(), combine)
}

/// Like [`for_each_row_mut`](crate::for_each_row_mut), and returns the values of
/// `body(cells, row, ctx)` over all rows, combined in row order on the caller:
/// `combine(...combine(combine(identity(), v0), v1)..., v_last)`. The result is therefore the
/// same, bit for bit, for every schedule, team and run, floating point included (each row's
/// value is computed by one body call, and the combine order is fixed). One value is kept per
/// row until the end.
///
/// # Panics
///
/// With `workshare: for_each_row_mut_reduce: ...` when `cols` is 0 or `grid.len()` is not a
/// multiple of `cols`; otherwise like [`for_each_chunk`](crate::for_each_chunk).
///
/// # Examples
///
/// Update a grid and return its residual (the sum of squared changes) in one fork:
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{for_each_row_mut_reduce, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// let (rows, cols) = (50, 40);
/// let target: Vec<f64> = (0..rows * cols).map(|i| (i % 7) as f64).collect();
/// let mut grid = vec![0.0f64; rows * cols];
/// let residual = |schedule| {
///     let mut g = grid.clone();
///     for_each_row_mut_reduce(&pool, &mut g, cols, schedule, || 0.0, |cells, row, _ctx| {
///         let goal = &target[row * cols..(row + 1) * cols];
///         let mut r = 0.0;
///         for (x, &t) in cells.iter_mut().zip(goal) {
///             let next = 0.5 * (*x + t);
///             r += (next - *x) * (next - *x);
///             *x = next;
///         }
///         r
///     }, |a, b| a + b)
/// };
/// let r = residual(Schedule::Dynamic(3));
/// assert_eq!(r.to_bits(), residual(Schedule::Stealing).to_bits());
/// assert!(r > 0.0);
/// # Ok::<(), workshare::Error>(())
/// ```
#[track_caller]
pub fn for_each_row_mut_reduce<T, R, Id, F, C>(
    pool: &Pool,
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
    crate::grid::check_rows("for_each_row_mut_reduce", grid.len(), cols);
    // Safe splitting: one `&mut` per row, handed out as chunks of rows.
    let mut rows: Vec<&mut [T]> = grid.chunks_mut(cols).collect();
    let partials = Partials::new(pool);
    let slots = &partials;
    for_each_mut_chunk(pool, &mut rows, schedule, move |chunk, first, ctx| {
        for (k, cells) in chunk.iter_mut().enumerate() {
            slots.push(ctx, first + k, body(cells, first + k, ctx));
        }
    });
    partials.combine(identity(), combine)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedules() -> Vec<Schedule> {
        vec![
            Schedule::Auto,
            Schedule::Static,
            Schedule::StaticChunk(1),
            Schedule::StaticChunk(4),
            Schedule::Dynamic(1),
            Schedule::Dynamic(3),
            Schedule::Guided(2),
            Schedule::Stealing,
        ]
    }

    fn thread_counts() -> Vec<usize> {
        if cfg!(miri) {
            vec![1, 3]
        } else {
            (1..=8).collect()
        }
    }

    fn sizes() -> &'static [usize] {
        if cfg!(miri) {
            &[0, 1, 13]
        } else {
            &[0, 1, 2, 7, 13, 100, 1001]
        }
    }

    #[test]
    fn chunks_write_once_and_reduce_in_index_order() {
        for threads in thread_counts() {
            let pool = Pool::new(threads).unwrap();
            for &n in sizes() {
                for schedule in schedules() {
                    let mut out = vec![0usize; n];
                    // The combine records the chunks' ranges in order: a chunk value is its
                    // range, so concatenation must give 0..n exactly once, in order.
                    let ranges = for_each_mut_chunk_reduce(
                        &pool,
                        &mut out,
                        schedule,
                        Vec::new,
                        |chunk, offset, _| {
                            for (k, x) in chunk.iter_mut().enumerate() {
                                assert_eq!(*x, 0, "element written twice");
                                *x = offset + k + 1;
                            }
                            vec![(offset, offset + chunk.len())]
                        },
                        |mut a, b| {
                            a.extend(b);
                            a
                        },
                    );
                    assert!(out.iter().enumerate().all(|(i, &x)| x == i + 1));
                    let covered: Vec<usize> = ranges.into_iter().flat_map(|(s, e)| s..e).collect();
                    assert_eq!(covered, (0..n).collect::<Vec<_>>(), "{schedule:?}");
                }
            }
        }
    }

    #[test]
    fn rows_write_once_and_reduce_in_row_order() {
        for threads in thread_counts() {
            let pool = Pool::new(threads).unwrap();
            for &rows in sizes() {
                for cols in [1, 3] {
                    for schedule in schedules() {
                        let mut grid = vec![0usize; rows * cols];
                        let order = for_each_row_mut_reduce(
                            &pool,
                            &mut grid,
                            cols,
                            schedule,
                            Vec::new,
                            |cells, row, _| {
                                assert_eq!(cells.len(), cols);
                                for x in cells.iter_mut() {
                                    assert_eq!(*x, 0, "element written twice");
                                    *x = row + 1;
                                }
                                vec![row]
                            },
                            |mut a, b| {
                                a.extend(b);
                                a
                            },
                        );
                        assert!(grid.iter().enumerate().all(|(i, &x)| x == i / cols + 1));
                        assert_eq!(order, (0..rows).collect::<Vec<_>>(), "{schedule:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn row_reduction_bits_do_not_depend_on_team_or_schedule() {
        let (rows, cols) = if cfg!(miri) { (9, 3) } else { (300, 17) };
        let run = |threads, schedule| {
            let pool = Pool::new(threads).unwrap();
            let mut grid: Vec<f64> = (0..rows * cols).map(|i| 1.0 / (i as f64 + 1.0)).collect();
            let sum = for_each_row_mut_reduce(
                &pool,
                &mut grid,
                cols,
                schedule,
                || 0.0f64,
                |cells, _, _| cells.iter_mut().map(|x| std::mem::replace(x, 0.0)).sum(),
                |a, b| a + b,
            );
            sum.to_bits()
        };
        let expected = run(1, Schedule::Static);
        for threads in [2, 3, 5] {
            for schedule in schedules() {
                assert_eq!(run(threads, schedule), expected, "{threads} {schedule:?}");
            }
        }
    }

    #[test]
    fn panics_propagate_and_the_pool_stays_usable() {
        let pool = Pool::new(3).unwrap();
        let mut out = vec![0u32; 64];
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            for_each_mut_chunk_reduce(
                &pool,
                &mut out,
                Schedule::Dynamic(4),
                || 0,
                |_, offset, _| {
                    assert_ne!(offset, 32, "chunk at 32");
                    1
                },
                |a, b| a + b,
            )
        }));
        assert!(caught.is_err());
        let n = for_each_mut_chunk_reduce(
            &pool,
            &mut out,
            Schedule::Dynamic(4),
            || 0,
            |c, _, _| c.len(),
            |a, b| a + b,
        );
        assert_eq!(n, 64);
    }
}
