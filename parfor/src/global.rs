//! Loops on the global pool, and the same loops as methods of [`Pool`].

use crate::{for_each, for_each_chunk, map_into, Ctx, IndexRange, Inputs, Schedule};
use std::ops::Range;
use workshare_pool::Pool;

/// Calls `body(i)` once for every `i` in `range` on the current pool
/// ([`workshare_pool::with_current_pool`]: the global pool unless inside `Pool::install` or a
/// region of another pool) with [`Schedule::Auto`]: Numba's `for i in prange(n)` is
/// `par_for(0..n, |i| ...)`. Like [`for_each`].
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let sum = AtomicUsize::new(0);
/// workshare_parfor::par_for(0..100, |i| {
///     sum.fetch_add(i, Ordering::Relaxed);
/// });
/// assert_eq!(sum.into_inner(), 4950);
/// ```
#[track_caller]
pub fn par_for<R: IndexRange, F: Fn(usize) + Sync>(range: R, body: F) {
    let range = range.to_usize_range();
    workshare_pool::with_current_pool(|pool| for_each(pool, range, Schedule::Auto, body));
}

/// Calls `body(chunk, ctx)` on disjoint chunks covering `range` on the current pool with
/// [`Schedule::Auto`]. Like [`for_each_chunk`].
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let count = AtomicUsize::new(0);
/// workshare_parfor::par_for_chunk(0..100, |chunk, _ctx| {
///     count.fetch_add(chunk.len(), Ordering::Relaxed);
/// });
/// assert_eq!(count.into_inner(), 100);
/// ```
#[track_caller]
pub fn par_for_chunk<R: IndexRange, F: Fn(Range<usize>, Ctx) + Sync>(range: R, body: F) {
    let range = range.to_usize_range();
    workshare_pool::with_current_pool(|pool| for_each_chunk(pool, range, Schedule::Auto, body));
}

/// Sets every `out[i]` by `f(&mut out[i], item_i)` on the current pool with [`Schedule::Auto`].
/// Like [`map_into`], whose panics it shares.
///
/// # Examples
///
/// ```
/// let x = vec![4.0f32; 10];
/// let mut roots = vec![0.0f32; 10];
/// workshare_parfor::par_map_into(&mut roots, &x[..], |r, x| *r = x.sqrt());
/// assert!(roots.iter().all(|&r| r == 2.0));
/// ```
pub fn par_map_into<T, I, F>(out: &mut [T], inputs: I, f: F)
where
    T: Send,
    I: Inputs,
    F: Fn(&mut T, I::Item) + Sync,
{
    workshare_pool::with_current_pool(|pool| map_into(pool, out, inputs, Schedule::Auto, f));
}

/// Parallel loops as methods of [`Pool`], with [`Schedule::Auto`]: `pool.par_for(0..n, |i| ..)`.
///
/// # Examples
///
/// ```
/// use workshare_parfor::{ParFor, Pool};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let pool = Pool::new(2)?;
/// let sum = AtomicUsize::new(0);
/// pool.par_for(0..10, |i| {
///     sum.fetch_add(i, Ordering::Relaxed);
/// });
/// assert_eq!(sum.into_inner(), 45);
/// # Ok::<(), workshare_pool::Error>(())
/// ```
pub trait ParFor {
    /// [`for_each`] on this pool with [`Schedule::Auto`].
    ///
    /// # Examples
    ///
    /// ```
    /// use workshare_parfor::{ParFor, Pool};
    /// let pool = Pool::new(2)?;
    /// pool.par_for(0..4, |i| assert!(i < 4));
    /// # Ok::<(), workshare_pool::Error>(())
    /// ```
    #[track_caller]
    fn par_for<R: IndexRange, F: Fn(usize) + Sync>(&self, range: R, body: F);

    /// [`for_each_chunk`] on this pool with [`Schedule::Auto`].
    ///
    /// # Examples
    ///
    /// ```
    /// use workshare_parfor::{ParFor, Pool};
    /// let pool = Pool::new(2)?;
    /// pool.par_for_chunk(0..4, |chunk, ctx| assert!(chunk.end <= 4 && ctx.thread_id() < 2));
    /// # Ok::<(), workshare_pool::Error>(())
    /// ```
    #[track_caller]
    fn par_for_chunk<R: IndexRange, F: Fn(Range<usize>, Ctx) + Sync>(&self, range: R, body: F);
}

impl ParFor for Pool {
    fn par_for<R: IndexRange, F: Fn(usize) + Sync>(&self, range: R, body: F) {
        for_each(self, range, Schedule::Auto, body);
    }

    fn par_for_chunk<R: IndexRange, F: Fn(Range<usize>, Ctx) + Sync>(&self, range: R, body: F) {
        for_each_chunk(self, range, Schedule::Auto, body);
    }
}
