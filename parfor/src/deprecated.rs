//! The loops' former global-pool names, kept for 0.1 and removed in 0.2: each is the
//! [`global`](crate::global) function of the same loop with [`Schedule::Auto`], or the pool
//! function with `&pool` first.
#![allow(deprecated)]

use crate::{for_each, for_each_chunk, Ctx, IndexRange, Inputs, Schedule};
use std::ops::Range;
use workshare_pool::Pool;

/// Calls `body(i)` once for every `i` in `range` on the current pool with [`Schedule::Auto`]:
/// the former name of [`global::for_each`](crate::global::for_each)`(range, Schedule::Auto,
/// body)`, which it calls.
///
/// # Examples
///
/// ```
/// # #![allow(deprecated)]
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let sum = AtomicUsize::new(0);
/// workshare::parfor::par_for(0..100, |i| {
///     sum.fetch_add(i, Ordering::Relaxed);
/// });
/// assert_eq!(sum.into_inner(), 4950);
/// ```
#[deprecated(
    since = "0.1.0",
    note = "use parfor::global::for_each(range, Schedule::Auto, body)"
)]
#[track_caller]
pub fn par_for<R: IndexRange, F: Fn(usize) + Sync>(range: R, body: F) {
    crate::global::for_each(range, Schedule::Auto, body);
}

/// Calls `body(chunk, ctx)` on disjoint chunks covering `range` on the current pool with
/// [`Schedule::Auto`]: the former name of
/// [`global::for_each_chunk`](crate::global::for_each_chunk)`(range, Schedule::Auto, body)`,
/// which it calls.
///
/// # Examples
///
/// ```
/// # #![allow(deprecated)]
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let count = AtomicUsize::new(0);
/// workshare::parfor::par_for_chunk(0..100, |chunk, _ctx| {
///     count.fetch_add(chunk.len(), Ordering::Relaxed);
/// });
/// assert_eq!(count.into_inner(), 100);
/// ```
#[deprecated(
    since = "0.1.0",
    note = "use parfor::global::for_each_chunk(range, Schedule::Auto, body)"
)]
#[track_caller]
pub fn par_for_chunk<R: IndexRange, F: Fn(Range<usize>, Ctx) + Sync>(range: R, body: F) {
    crate::global::for_each_chunk(range, Schedule::Auto, body);
}

/// Sets every `out[i]` by `f(&mut out[i], item_i)` on the current pool with
/// [`Schedule::Auto`]: the former name of
/// [`global::map_into`](crate::global::map_into)`(out, inputs, Schedule::Auto, f)`, which it
/// calls.
///
/// # Examples
///
/// ```
/// # #![allow(deprecated)]
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// let x = vec![4.0f32; 10];
/// let mut roots = vec![0.0f32; 10];
/// workshare::parfor::par_map_into(&mut roots, &x[..], |r, x| *r = x.sqrt());
/// assert!(roots.iter().all(|&r| r == 2.0));
/// ```
#[deprecated(
    since = "0.1.0",
    note = "use parfor::global::map_into(out, inputs, Schedule::Auto, f)"
)]
#[track_caller]
pub fn par_map_into<T, I, F>(out: &mut [T], inputs: I, f: F)
where
    T: Send,
    I: Inputs,
    F: Fn(&mut T, I::Item) + Sync,
{
    crate::global::map_into(out, inputs, Schedule::Auto, f);
}

/// Parallel loops as methods of [`Pool`], with [`Schedule::Auto`]: `pool.par_for(0..n, body)`
/// is [`for_each`]`(&pool, 0..n, Schedule::Auto, body)`, the form to use instead.
///
/// # Examples
///
/// ```
/// # #![allow(deprecated)]
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{ParFor, Pool};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let pool = Pool::new(2)?;
/// let sum = AtomicUsize::new(0);
/// pool.par_for(0..10, |i| {
///     sum.fetch_add(i, Ordering::Relaxed);
/// });
/// assert_eq!(sum.into_inner(), 45);
/// # Ok::<(), workshare::Error>(())
/// ```
#[deprecated(
    since = "0.1.0",
    note = "use parfor::for_each(&pool, range, Schedule::Auto, body) and parfor::for_each_chunk"
)]
pub trait ParFor {
    /// [`for_each`] on this pool with [`Schedule::Auto`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #![allow(deprecated)]
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::{ParFor, Pool};
    /// let pool = Pool::new(2)?;
    /// pool.par_for(0..4, |i| assert!(i < 4));
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[deprecated(
        since = "0.1.0",
        note = "use parfor::for_each(&pool, range, Schedule::Auto, body)"
    )]
    #[track_caller]
    fn par_for<R: IndexRange, F: Fn(usize) + Sync>(&self, range: R, body: F);

    /// [`for_each_chunk`] on this pool with [`Schedule::Auto`].
    ///
    /// # Examples
    ///
    /// ```
    /// # #![allow(deprecated)]
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::{ParFor, Pool};
    /// let pool = Pool::new(2)?;
    /// pool.par_for_chunk(0..4, |chunk, ctx| assert!(chunk.end <= 4 && ctx.thread_id() < 2));
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[deprecated(
        since = "0.1.0",
        note = "use parfor::for_each_chunk(&pool, range, Schedule::Auto, body)"
    )]
    #[track_caller]
    fn par_for_chunk<R: IndexRange, F: Fn(Range<usize>, Ctx) + Sync>(&self, range: R, body: F);
}

impl ParFor for Pool {
    #[track_caller]
    fn par_for<R: IndexRange, F: Fn(usize) + Sync>(&self, range: R, body: F) {
        for_each(self, range, Schedule::Auto, body);
    }

    #[track_caller]
    fn par_for_chunk<R: IndexRange, F: Fn(Range<usize>, Ctx) + Sync>(&self, range: R, body: F) {
        for_each_chunk(self, range, Schedule::Auto, body);
    }
}
