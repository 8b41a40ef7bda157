//! Index ranges of any primitive integer type: what the loops take, converted once, at the
//! loop's start, to the `Range<usize>` they run.

use std::fmt::Debug;
use std::ops::{Range, RangeInclusive};

mod sealed {
    use std::fmt::Debug;

    /// Why a bound is not a `usize`.
    pub enum NotUsize {
        Negative,
        TooLarge,
    }

    /// The conversion behind [`LoopIndex`](super::LoopIndex), out of users' reach: only the
    /// primitive integers implement it.
    pub trait Index: Copy + Ord + Debug {
        /// The value as a `usize`, or why it is not one.
        fn to_usize(self) -> Result<usize, NotUsize>;
    }

    /// Keeps [`IndexRange`](super::IndexRange) to `Range` and `RangeInclusive`.
    pub trait Range {}
}

use sealed::NotUsize;

/// A primitive integer type whose ranges the loops and reductions take as index ranges (see
/// [`IndexRange`]): `u8`, `u16`, `u32`, `u64`, `u128`, `usize`, `i8`, `i16`, `i32`, `i64`,
/// `i128` and `isize`, the integer types that rayon's ranges and OpenMP's loops accept.
///
/// The bodies receive `usize` indices whatever the type: a loop converts its two bounds once,
/// when it starts. Sealed: the list above is complete.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{for_each, LoopIndex, Pool, Schedule};
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// // A helper generic over the index type, as the loops are.
/// fn multiples_of_3<T: LoopIndex>(pool: &Pool, from: T, to: T) -> usize {
///     let count = AtomicUsize::new(0);
///     for_each(pool, from..to, Schedule::Auto, |i| {
///         if i % 3 == 0 {
///             count.fetch_add(1, Ordering::Relaxed);
///         }
///     });
///     count.into_inner()
/// }
/// let pool = Pool::new(2)?;
/// assert_eq!(multiples_of_3(&pool, 0u8, 30), 10);
/// assert_eq!(multiples_of_3(&pool, 3i64, 30), 9);
/// assert_eq!(multiples_of_3(&pool, 30u32, 3), 0); // reversed: runs nothing
/// # Ok::<(), workshare::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a loop index type",
    label = "index ranges need bounds of a primitive integer type",
    note = "loops and reductions take `a..b` and `a..=b` of `usize`, `u32`, `u64`, `i32`, \
            `i64` and the other primitive integers; their bodies receive `usize` indices"
)]
pub trait LoopIndex: sealed::Index + Send + Sync + 'static {}

macro_rules! loop_index {
    (unsigned: $($t:ty),*; signed: $($s:ty),*) => {
        $(
            impl sealed::Index for $t {
                #[inline]
                fn to_usize(self) -> Result<usize, NotUsize> {
                    usize::try_from(self).map_err(|_| NotUsize::TooLarge)
                }
            }
            impl LoopIndex for $t {}
        )*
        $(
            impl sealed::Index for $s {
                #[inline]
                fn to_usize(self) -> Result<usize, NotUsize> {
                    usize::try_from(self).map_err(|_| {
                        if self < 0 {
                            NotUsize::Negative
                        } else {
                            NotUsize::TooLarge
                        }
                    })
                }
            }
            impl LoopIndex for $s {}
        )*
    };
}

loop_index!(unsigned: u8, u16, u32, u64, u128, usize; signed: i8, i16, i32, i64, i128, isize);

/// An index range that a loop or a reduction accepts: `a..b` or `a..=b` with bounds of any
/// [`LoopIndex`] type (`usize`, `u32`, `u64`, `i32`, `i64`, ..., the primitive integers).
///
/// Every loop that takes a `range` ([`for_each`](crate::for_each),
/// [`for_each_chunk`](crate::for_each_chunk), [`team_for_each`](crate::team_for_each) and its
/// kin, the tuners, the global pool's `par_for`) and the reductions over a range take any
/// `IndexRange`. The loop converts it once, when it starts, with
/// [`to_usize_range`](IndexRange::to_usize_range); the bodies receive `usize` indices (`Fn(usize)`,
/// `Fn(Range<usize>, Ctx)`) whatever the range's type, so that they can index slices directly.
///
/// - A range with untyped integer literals, `0..100`, is a range of `i32` (Rust's fallback for
///   integer literals) unless something else fixes its type: it runs the same indices as
///   `0usize..100`. A literal above `i32::MAX` needs a suffix: `0..5_000_000_000usize`.
/// - An empty or reversed range (`5..5`, `9..3`, `0..=-1`, `-1..-5`) runs nothing, like a
///   serial `for`, whatever its bounds.
/// - A non-empty range with a negative bound, or a bound past `usize::MAX` (a `u128`, or a
///   `u64` on a 32-bit target), panics before anything runs, at the caller's line:
///   `workshare: index range -5..10 has a negative bound: -5 (loop indices are usize)`.
/// - `a..=usize::MAX` (of `usize`, or of a wider type) panics too: its exclusive end, and for
///   `0..=usize::MAX` its length, do not fit in `usize`.
///
/// Sealed: `Range` and `RangeInclusive` are the only implementations. Other ranges stay
/// rejected at compile time: floating-point bounds, `char` bounds, and the unbounded forms
/// (`0..`, `..n`, `..`), which a loop cannot run:
///
/// ```compile_fail
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{for_each, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// for_each(&pool, 0.0..1.0, Schedule::Auto, |_| {}); // no IndexRange for Range<f64>
/// # Ok::<(), workshare::Error>(())
/// ```
///
/// ```compile_fail
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{for_each, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// for_each(&pool, 'a'..'z', Schedule::Auto, |_| {}); // no IndexRange for Range<char>
/// # Ok::<(), workshare::Error>(())
/// ```
///
/// ```compile_fail
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{for_each, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// for_each(&pool, 0.., Schedule::Auto, |_| {}); // no IndexRange for RangeFrom
/// # Ok::<(), workshare::Error>(())
/// ```
///
/// The bodies take `usize`, not the range's type:
///
/// ```compile_fail
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{for_each, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// for_each(&pool, 0u32..10, Schedule::Auto, |i: u32| {}); // the body gets a usize
/// # Ok::<(), workshare::Error>(())
/// ```
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{for_each, for_each_chunk, IndexRange, Pool, Schedule};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let pool = Pool::new(2)?;
/// let v: Vec<AtomicUsize> = (0..10).map(|_| AtomicUsize::new(0)).collect();
/// let (n32, n64) = (9u32, 10i64);
/// // An inclusive range of u32, a half-open one of i64: the body gets usize indices.
/// for_each(&pool, 0..=n32, Schedule::Auto, |i| {
///     v[i].fetch_add(1, Ordering::Relaxed);
/// });
/// for_each_chunk(&pool, 0..n64, Schedule::Static, |chunk, _ctx| {
///     chunk.for_each(|i| { v[i].fetch_add(1, Ordering::Relaxed); });
/// });
/// assert!(v.iter().all(|x| x.load(Ordering::Relaxed) == 2));
///
/// assert_eq!((2u8..=4).to_usize_range(), 2..5);
/// assert_eq!((-3i32..-7).to_usize_range(), 0..0); // reversed: empty
/// # Ok::<(), workshare::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an index range",
    label = "expected `a..b` or `a..=b` with integer bounds",
    note = "loops take `a..b` and `a..=b` of a primitive integer type; unbounded ranges (`a..`, \
            `..b`) are not index ranges"
)]
pub trait IndexRange: sealed::Range + Debug {
    /// The indices as the `Range<usize>` a loop runs: `start..end`, or `start..end + 1` for
    /// `start..=end`. An empty or reversed range gives an empty one: `s..s` with `s` its start
    /// when that is a `usize`, `0..0` otherwise.
    ///
    /// # Panics
    ///
    /// At the caller's line, when the range is not empty and a bound is negative
    /// (`workshare: index range -5..10 has a negative bound: -5 (loop indices are usize)`)
    /// or past `usize::MAX` (`workshare: index range 0..340282366920938463463374607431768211455
    /// has a bound past usize::MAX: 340282366920938463463374607431768211455`), and for
    /// `start..=usize::MAX` (`workshare: index range 0..=18446744073709551615 ends at
    /// usize::MAX: its exclusive end does not fit in usize`).
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::IndexRange;
    /// assert_eq!((3u64..7).to_usize_range(), 3..7);
    /// assert_eq!((0i16..=9).to_usize_range(), 0..10);
    /// assert_eq!((7usize..3).to_usize_range(), 7..7);
    /// assert_eq!((0..=-1).to_usize_range(), 0..0);
    /// let too_long = std::panic::catch_unwind(|| (0..=usize::MAX).to_usize_range());
    /// assert!(too_long.is_err());
    /// ```
    #[track_caller]
    fn to_usize_range(&self) -> Range<usize>;
}

impl<T: LoopIndex> sealed::Range for Range<T> {}
impl<T: LoopIndex> sealed::Range for RangeInclusive<T> {}

impl<T: LoopIndex> IndexRange for Range<T> {
    #[inline]
    #[track_caller]
    fn to_usize_range(&self) -> Range<usize> {
        let (start, end) = (self.start, self.end);
        if start >= end {
            return empty_at(start);
        }
        let start = usize_bound(self, start);
        start..usize_bound(self, end)
    }
}

impl<T: LoopIndex> IndexRange for RangeInclusive<T> {
    #[inline]
    #[track_caller]
    fn to_usize_range(&self) -> Range<usize> {
        // `is_empty` also covers a range that iteration has exhausted.
        if self.is_empty() {
            return empty_at(*self.start());
        }
        let start = usize_bound(self, *self.start());
        let Some(end) = usize_bound(self, *self.end()).checked_add(1) else {
            ends_at_usize_max(self)
        };
        start..end
    }
}

/// The empty range at `start`, or at 0 when `start` is not a `usize`.
#[inline]
fn empty_at<T: LoopIndex>(start: T) -> Range<usize> {
    let start = start.to_usize().unwrap_or(0);
    start..start
}

/// `bound` as a `usize`; panics naming it and its `range` when it is not one.
#[inline]
#[track_caller]
fn usize_bound<T: LoopIndex>(range: &dyn Debug, bound: T) -> usize {
    match bound.to_usize() {
        Ok(bound) => bound,
        Err(why) => bad_bound(range, &bound, why),
    }
}

#[cold]
#[track_caller]
fn bad_bound(range: &dyn Debug, bound: &dyn Debug, why: NotUsize) -> ! {
    match why {
        NotUsize::Negative => panic!(
            "workshare: index range {range:?} has a negative bound: {bound:?} (loop indices are \
             usize)"
        ),
        NotUsize::TooLarge => {
            panic!("workshare: index range {range:?} has a bound past usize::MAX: {bound:?}")
        }
    }
}

#[cold]
#[track_caller]
fn ends_at_usize_max(range: &dyn Debug) -> ! {
    panic!(
        "workshare: index range {range:?} ends at usize::MAX: its exclusive end does not fit in \
         usize"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::reversed_empty_ranges)]
    fn conversions() {
        assert_eq!((0u8..=255).to_usize_range(), 0..256);
        assert_eq!((-5i8..-5).to_usize_range(), 0..0);
        assert_eq!((-1..=i128::MIN).to_usize_range(), 0..0);
        assert_eq!((u128::MAX..0).to_usize_range(), 0..0);
        assert_eq!(
            (usize::MAX..usize::MAX).to_usize_range(),
            usize::MAX..usize::MAX
        );
        assert_eq!(
            (5isize..=isize::MAX).to_usize_range(),
            5..isize::MAX as usize + 1
        );
        let mut exhausted = 0u32..=2;
        exhausted.by_ref().for_each(drop);
        assert_eq!(exhausted.to_usize_range(), 2..2);
        let mut started = 0u32..=2;
        started.next();
        assert_eq!(started.to_usize_range(), 1..3);
    }
}
