//! The reductions and scans on the current pool: the same names and arguments as at the crate
//! root, without the pool.
//!
//! Each function here calls its namesake at the crate root with
//! the calling thread's current pool ([`workshare_pool::with_current_pool`]): the global pool
//! (sized by `WORKSHARE_NUM_THREADS`, or the number of cores) unless the call runs inside
//! `Pool::install` or inside a region of another pool. `sum(&pool, input, schedule, f)` on a
//! given pool is `global::sum(input, schedule, f)` on the current one. Every function is
//! `#[track_caller]`, as its namesake is: a bad schedule or mismatched lengths panic at the
//! caller's line. For [`Slots`](crate::Slots), which are sized for a pool, pass the pool
//! explicitly; the `team_*` reductions take their team.
//!
//! # Examples
//!
//! ```
//! # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
//! use workshare::reductions::{global, Schedule};
//! assert_eq!(global::sum(0..10, Schedule::Auto, |i| i), 45);
//! ```

use crate::input::Input;
use crate::monoid::Monoid;
use crate::num::Num;
use crate::scan::check_lengths;
use workshare_parfor::Schedule;
use workshare_pool::with_current_pool;

/// [`reduce`](crate::reduce) on the current pool.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{global, Schedule};
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

/// [`reduce_monoid`](crate::reduce_monoid) on the current pool.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{global, Max, Schedule, Sum};
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

/// Defines, for each `name(argument) -> Output`, the current-pool twin of the crate root's
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
    /// [`sum`](crate::sum) on the current pool.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
    /// use workshare::reductions::{global, Schedule};
    /// assert_eq!(global::sum(&[1.5, 2.5][..], Schedule::Auto, |&x| x), 4.0);
    /// ```
    sum(f) -> T;

    /// [`product`](crate::product) on the current pool.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
    /// use workshare::reductions::{global, Schedule};
    /// assert_eq!(global::product(1..5, Schedule::Auto, |i| i), 24);
    /// ```
    product(f) -> T;

    /// [`min`](crate::min) on the current pool.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
    /// use workshare::reductions::{global, Schedule};
    /// assert_eq!(global::min(&[3, 1, 2][..], Schedule::Auto, |&x| x), Some(1));
    /// ```
    min(f) -> Option<T>;

    /// [`max`](crate::max) on the current pool.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
    /// use workshare::reductions::{global, Schedule};
    /// assert_eq!(global::max(&[3, 1, 2][..], Schedule::Auto, |&x| x), Some(3));
    /// ```
    max(f) -> Option<T>;

    /// [`argmin`](crate::argmin) on the current pool.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
    /// use workshare::reductions::{global, Schedule};
    /// assert_eq!(global::argmin(&[3, 1, 1][..], Schedule::Auto, |&x| x), Some(1));
    /// ```
    argmin(key) -> Option<usize>;

    /// [`argmax`](crate::argmax) on the current pool.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
    /// use workshare::reductions::{global, Schedule};
    /// assert_eq!(global::argmax(&[3, 1, 3][..], Schedule::Auto, |&x| x), Some(0));
    /// ```
    argmax(key) -> Option<usize>;

    /// [`sum_deterministic`](crate::sum_deterministic) on the current pool.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
    /// use workshare::reductions::{global, Schedule};
    /// assert_eq!(global::sum_deterministic(0..4, Schedule::Auto, |i| i as f64 * 0.5), 3.0);
    /// ```
    sum_deterministic(f) -> T;
}

/// [`count`](crate::count) on the current pool.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{global, Schedule};
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

/// [`reduce_deterministic`](crate::reduce_deterministic) on the current pool.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{global, Schedule};
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

/// [`for_each_init`](crate::for_each_init) on the current pool.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{global, Schedule};
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

/// [`scan_inclusive`](crate::scan_inclusive) on the current pool: writes the inclusive prefix
/// "sums" of `input` under `op` into `output`, bit-identical for every thread count, schedule
/// and run.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{global, Schedule};
/// let input: Vec<u64> = (1..=100_000).collect();
/// let mut sums = vec![0; input.len()];
/// global::scan_inclusive(&input, &mut sums, Schedule::Static, 0, |a, b| a + b);
/// assert_eq!(sums[99_999], 100_000 * 100_001 / 2);
/// ```
#[track_caller]
pub fn scan_inclusive<T, Op>(input: &[T], output: &mut [T], schedule: Schedule, identity: T, op: Op)
where
    T: Clone + Send + Sync,
    Op: Fn(T, T) -> T + Sync,
{
    let schedule = schedule.resolved();
    check_lengths("scan_inclusive", input.len(), output.len());
    with_current_pool(|pool| crate::scan_inclusive(pool, input, output, schedule, identity, op));
}

/// [`scan_exclusive`](crate::scan_exclusive) on the current pool: writes the exclusive prefix
/// "sums" of `input` under `op` into `output` (`output[0] = identity`).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{global, Schedule};
/// let lengths = [3usize, 0, 5, 2];
/// let mut starts = [0; 4];
/// global::scan_exclusive(&lengths, &mut starts, Schedule::Auto, 0, |a, b| a + b);
/// assert_eq!(starts, [0, 3, 3, 8]);
/// ```
#[track_caller]
pub fn scan_exclusive<T, Op>(input: &[T], output: &mut [T], schedule: Schedule, identity: T, op: Op)
where
    T: Clone + Send + Sync,
    Op: Fn(T, T) -> T + Sync,
{
    let schedule = schedule.resolved();
    check_lengths("scan_exclusive", input.len(), output.len());
    with_current_pool(|pool| crate::scan_exclusive(pool, input, output, schedule, identity, op));
}

/// [`scan_inclusive_in_place`](crate::scan_inclusive_in_place) on the current pool: replaces
/// each `data[i]` by the inclusive prefix "sum" of `data[..=i]`.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{global, Schedule};
/// let mut data = [3, 1, 4, 1, 5, 9, 2, 6];
/// global::scan_inclusive_in_place(&mut data, Schedule::Static, i32::MIN, |a, b| a.max(b));
/// assert_eq!(data, [3, 3, 4, 4, 5, 9, 9, 9]);
/// ```
#[track_caller]
pub fn scan_inclusive_in_place<T, Op>(data: &mut [T], schedule: Schedule, identity: T, op: Op)
where
    T: Clone + Send + Sync,
    Op: Fn(T, T) -> T + Sync,
{
    let schedule = schedule.resolved();
    with_current_pool(|pool| crate::scan_inclusive_in_place(pool, data, schedule, identity, op));
}

/// [`scan_exclusive_in_place`](crate::scan_exclusive_in_place) on the current pool: replaces
/// each `data[i]` by the exclusive prefix "sum" of `data[..i]` (`data[0]` by `identity`).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{global, Schedule};
/// let mut data = vec![1u32; 10_000];
/// global::scan_exclusive_in_place(&mut data, Schedule::Static, 0, |a, b| a + b);
/// assert!(data.iter().enumerate().all(|(i, &x)| x as usize == i));
/// ```
#[track_caller]
pub fn scan_exclusive_in_place<T, Op>(data: &mut [T], schedule: Schedule, identity: T, op: Op)
where
    T: Clone + Send + Sync,
    Op: Fn(T, T) -> T + Sync,
{
    let schedule = schedule.resolved();
    with_current_pool(|pool| crate::scan_exclusive_in_place(pool, data, schedule, identity, op));
}

/// [`prefix_sum`](crate::prefix_sum) on the current pool: the inclusive prefix sums of `input`
/// into `output`.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{global, Schedule};
/// let x = [0.5f32, 0.25, 0.125];
/// let mut running = [0.0; 3];
/// global::prefix_sum(&x, &mut running, Schedule::Auto);
/// assert_eq!(running, [0.5, 0.75, 0.875]);
/// ```
#[track_caller]
pub fn prefix_sum<T: Num>(input: &[T], output: &mut [T], schedule: Schedule) {
    let schedule = schedule.resolved();
    check_lengths("prefix_sum", input.len(), output.len());
    with_current_pool(|pool| crate::prefix_sum(pool, input, output, schedule));
}
