//! The reductions on the global pool: the same names and arguments, without the pool.
//!
//! Each function here calls its namesake at the crate root with
//! the calling thread's current pool ([`workshare_pool::with_current_pool`]): the global pool
//! (sized by `WORKSHARE_NUM_THREADS`, or the number of cores) unless the call runs inside
//! `Pool::install` or inside a region of another pool. For [`Slots`](crate::Slots), pass a pool
//! explicitly.
//!
//! # Examples
//!
//! ```
//! use workshare_reductions::{global, Schedule};
//! assert_eq!(global::sum(0..10, Schedule::Auto, |i| i), 45);
//! ```

use crate::input::Input;
use crate::monoid::Monoid;
use crate::num::Num;
use workshare_parfor::Schedule;
use workshare_pool::with_current_pool;

/// [`reduce`](crate::reduce) on the global pool.
///
/// # Examples
///
/// ```
/// use workshare_reductions::{global, Schedule};
/// assert_eq!(global::reduce(0..4, Schedule::Auto, || 1, |a, i| a * (i + 1), |a, b| a * b), 24);
/// ```
#[must_use]
#[track_caller]
pub fn reduce<I, T, Id, F, C>(input: I, schedule: Schedule, identity: Id, fold: F, combine: C) -> T
where
    I: Input,
    T: Send,
    Id: Fn() -> T + Sync,
    F: Fn(T, I::Item) -> T + Sync,
    C: Fn(T, T) -> T + Sync,
{
    let schedule = schedule.resolved();
    with_current_pool(|pool| crate::reduce(pool, input, schedule, identity, fold, combine))
}

/// [`reduce_monoid`](crate::reduce_monoid) on the global pool.
///
/// # Examples
///
/// ```
/// use workshare_reductions::{global, Max, Schedule, Sum};
/// let (s, m) = global::reduce_monoid(0..5, Schedule::Auto, |i| (Sum(i), Max(i)));
/// assert_eq!((s.0, m.0), (10, 4));
/// ```
#[must_use]
#[track_caller]
pub fn reduce_monoid<I, M, F>(input: I, schedule: Schedule, f: F) -> M
where
    I: Input,
    M: Monoid,
    F: Fn(I::Item) -> M + Sync,
{
    let schedule = schedule.resolved();
    with_current_pool(|pool| crate::reduce_monoid(pool, input, schedule, f))
}

/// Defines, for each `name(argument) -> Output`, the global-pool twin of the crate root's
/// `name`, a reduction of `argument(item)` with numeric values (`T: Num`): the same signature
/// without the pool. Each function's documentation comes with it.
macro_rules! per_item_reductions {
    ($($(#[$doc:meta])* $name:ident($f:ident) -> $output:ty;)*) => {$(
        $(#[$doc])*
        #[must_use]
        #[track_caller]
        pub fn $name<I, T, F>(input: I, schedule: Schedule, $f: F) -> $output
        where
            I: Input,
            T: Num,
            F: Fn(I::Item) -> T + Sync,
        {
            let schedule = schedule.resolved();
            with_current_pool(|pool| crate::$name(pool, input, schedule, $f))
        }
    )*};
}

per_item_reductions! {
    /// [`sum`](crate::sum) on the global pool.
    ///
    /// # Examples
    ///
    /// ```
    /// use workshare_reductions::{global, Schedule};
    /// assert_eq!(global::sum(&[1.5, 2.5][..], Schedule::Auto, |&x| x), 4.0);
    /// ```
    sum(f) -> T;

    /// [`product`](crate::product) on the global pool.
    ///
    /// # Examples
    ///
    /// ```
    /// use workshare_reductions::{global, Schedule};
    /// assert_eq!(global::product(1..5, Schedule::Auto, |i| i), 24);
    /// ```
    product(f) -> T;

    /// [`min`](crate::min) on the global pool.
    ///
    /// # Examples
    ///
    /// ```
    /// use workshare_reductions::{global, Schedule};
    /// assert_eq!(global::min(&[3, 1, 2][..], Schedule::Auto, |&x| x), Some(1));
    /// ```
    min(f) -> Option<T>;

    /// [`max`](crate::max) on the global pool.
    ///
    /// # Examples
    ///
    /// ```
    /// use workshare_reductions::{global, Schedule};
    /// assert_eq!(global::max(&[3, 1, 2][..], Schedule::Auto, |&x| x), Some(3));
    /// ```
    max(f) -> Option<T>;

    /// [`argmin`](crate::argmin) on the global pool.
    ///
    /// # Examples
    ///
    /// ```
    /// use workshare_reductions::{global, Schedule};
    /// assert_eq!(global::argmin(&[3, 1, 1][..], Schedule::Auto, |&x| x), Some(1));
    /// ```
    argmin(key) -> Option<usize>;

    /// [`argmax`](crate::argmax) on the global pool.
    ///
    /// # Examples
    ///
    /// ```
    /// use workshare_reductions::{global, Schedule};
    /// assert_eq!(global::argmax(&[3, 1, 3][..], Schedule::Auto, |&x| x), Some(0));
    /// ```
    argmax(key) -> Option<usize>;

    /// [`sum_deterministic`](crate::sum_deterministic) on the global pool.
    ///
    /// # Examples
    ///
    /// ```
    /// use workshare_reductions::{global, Schedule};
    /// assert_eq!(global::sum_deterministic(0..4, Schedule::Auto, |i| i as f64 * 0.5), 3.0);
    /// ```
    sum_deterministic(f) -> T;
}

/// [`count`](crate::count) on the global pool.
///
/// # Examples
///
/// ```
/// use workshare_reductions::{global, Schedule};
/// assert_eq!(global::count(0..10, Schedule::Auto, |i| i % 2 == 0), 5);
/// ```
#[must_use]
#[track_caller]
pub fn count<I, F>(input: I, schedule: Schedule, predicate: F) -> usize
where
    I: Input,
    F: Fn(I::Item) -> bool + Sync,
{
    let schedule = schedule.resolved();
    with_current_pool(|pool| crate::count(pool, input, schedule, predicate))
}

/// [`reduce_deterministic`](crate::reduce_deterministic) on the global pool.
///
/// # Examples
///
/// ```
/// use workshare_reductions::{global, Schedule};
/// let s = global::reduce_deterministic(0..10, Schedule::Auto, || 0.0, |a, i| a + i as f64, |a, b| a + b);
/// assert_eq!(s, 45.0);
/// ```
#[must_use]
#[track_caller]
pub fn reduce_deterministic<I, T, Id, F, C>(
    input: I,
    schedule: Schedule,
    identity: Id,
    fold: F,
    combine: C,
) -> T
where
    I: Input,
    T: Send,
    Id: Fn() -> T + Sync,
    F: Fn(T, I::Item) -> T + Sync,
    C: Fn(T, T) -> T,
{
    let schedule = schedule.resolved();
    with_current_pool(|pool| {
        crate::reduce_deterministic(pool, input, schedule, identity, fold, combine)
    })
}

/// [`for_each_init`](crate::for_each_init) on the global pool.
///
/// # Examples
///
/// ```
/// use workshare_reductions::{global, Schedule};
/// let states = global::for_each_init(0..100, Schedule::Auto, |_| 0, |n, i| *n += i);
/// assert_eq!(states.iter().sum::<usize>(), 4950);
/// ```
#[must_use]
#[track_caller]
pub fn for_each_init<I, S, Init, F>(input: I, schedule: Schedule, init: Init, body: F) -> Vec<S>
where
    I: Input,
    S: Send,
    Init: Fn(usize) -> S + Sync,
    F: Fn(&mut S, I::Item) + Sync,
{
    let schedule = schedule.resolved();
    with_current_pool(|pool| crate::for_each_init(pool, input, schedule, init, body))
}
