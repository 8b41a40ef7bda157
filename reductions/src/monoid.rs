//! User-defined reductions: the [`Monoid`] trait and the ready-made monoids.

use crate::num::Num;

/// A reduction operator with its identity, like OpenMP's `declare reduction`.
///
/// `combine` must be associative, and `identity()` must leave any value unchanged when combined
/// on either side. The ordinary reductions ([`reduce_monoid`](crate::reduce_monoid)) combine
/// per-thread partial results in an unspecified order, so there `combine` must also be
/// commutative; the deterministic ones ([`reduce_deterministic`](crate::reduce_deterministic))
/// keep index order, so associativity is enough. In `a.combine(b)`, `a` covers lower indices
/// whenever the order is known.
///
/// Tuples of monoids are monoids (componentwise), so several reductions run in one pass.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{reduce_monoid, Max, Monoid, Pool, Schedule, Sum};
///
/// /// Bitwise OR, declared as a reduction.
/// struct Or(u64);
/// impl Monoid for Or {
///     fn identity() -> Self { Or(0) }
///     fn combine(self, other: Self) -> Self { Or(self.0 | other.0) }
/// }
///
/// let pool = Pool::new(2)?;
/// let bits = reduce_monoid(&pool, 0..10, Schedule::Auto, |i| Or(1 << i));
/// assert_eq!(bits.0, 0b11_1111_1111);
///
/// // Sum and maximum in one pass.
/// let data = [3, 9, 4];
/// let (total, top) = reduce_monoid(&pool, &data[..], Schedule::Auto, |&x| (Sum(x), Max(x)));
/// assert_eq!((total.0, top.0), (16, 9));
/// # Ok::<(), workshare::Error>(())
/// ```
pub trait Monoid: Sized + Send {
    /// The value that changes nothing: `identity().combine(x) == x == x.combine(identity())`.
    fn identity() -> Self;

    /// Combines two partial results.
    fn combine(self, other: Self) -> Self;
}

/// The sum monoid (identity zero).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{Monoid, Sum};
/// assert_eq!(Sum(2).combine(Sum(3)).0, 5);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Sum<T>(pub T);

impl<T: Num> Monoid for Sum<T> {
    #[inline]
    fn identity() -> Self {
        Sum(T::ZERO)
    }
    #[inline]
    fn combine(self, other: Self) -> Self {
        Sum(self.0 + other.0)
    }
}

/// The product monoid (identity one).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{Monoid, Product};
/// assert_eq!(Product(2).combine(Product(3)).0, 6);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Product<T>(pub T);

impl<T: Num> Monoid for Product<T> {
    #[inline]
    fn identity() -> Self {
        Product(T::ONE)
    }
    #[inline]
    fn combine(self, other: Self) -> Self {
        Product(self.0 * other.0)
    }
}

/// The minimum monoid (identity [`Num::HIGHEST`]). A value that compares neither less nor
/// greater (NaN) never replaces a number.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{Min, Monoid};
/// assert_eq!(Min(2).combine(Min(-3)).0, -3);
/// assert_eq!(Min(1.0).combine(Min(f64::NAN)).0, 1.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Min<T>(pub T);

impl<T: Num> Monoid for Min<T> {
    #[inline]
    fn identity() -> Self {
        Min(T::HIGHEST)
    }
    #[inline]
    fn combine(self, other: Self) -> Self {
        if other.0 < self.0 {
            other
        } else {
            self
        }
    }
}

/// The maximum monoid (identity [`Num::LOWEST`]). NaN never replaces a number.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{Max, Monoid};
/// assert_eq!(Max(2).combine(Max(-3)).0, 2);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Max<T>(pub T);

impl<T: Num> Monoid for Max<T> {
    #[inline]
    fn identity() -> Self {
        Max(T::LOWEST)
    }
    #[inline]
    fn combine(self, other: Self) -> Self {
        if other.0 > self.0 {
            other
        } else {
            self
        }
    }
}

/// The counting monoid: `Count(1)` per item that counts, `Count(0)` per other item.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{Count, Monoid};
/// assert_eq!(Count(2).combine(Count(1)).0, 3);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Count(pub usize);

impl Monoid for Count {
    #[inline]
    fn identity() -> Self {
        Count(0)
    }
    #[inline]
    fn combine(self, other: Self) -> Self {
        Count(self.0 + other.0)
    }
}

/// The position of the smallest value; ties go to the lowest index, the serial loop's answer.
///
/// The identity has `index == usize::MAX` and value [`Num::HIGHEST`]; any real item, even one
/// equal to `HIGHEST`, wins against it by its lower index. Combining is commutative.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{ArgMin, Monoid};
/// let best = ArgMin::new(4, 1).combine(ArgMin::new(2, 1)).combine(ArgMin::new(7, 5));
/// assert_eq!(best.index(), Some(2));
/// assert_eq!(ArgMin::<i32>::identity().index(), None);
/// ```
// Exhaustive on purpose: a position and its value are all this monoid will ever hold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ArgMin<T> {
    /// Index of the best item so far (`usize::MAX` for none).
    pub index: usize,
    /// Its value.
    pub value: T,
}

/// The position of the largest value; ties go to the lowest index, the serial loop's answer.
///
/// The identity has `index == usize::MAX` and value [`Num::LOWEST`]. Combining is commutative.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{ArgMax, Monoid};
/// let best = ArgMax::new(4, 9).combine(ArgMax::new(2, 9)).combine(ArgMax::new(0, 5));
/// assert_eq!(best.index(), Some(2));
/// ```
// Exhaustive on purpose: a position and its value are all this monoid will ever hold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ArgMax<T> {
    /// Index of the best item so far (`usize::MAX` for none).
    pub index: usize,
    /// Its value.
    pub value: T,
}

macro_rules! impl_arg {
    ($name:ident, $identity:ident, $better:tt) => {
        impl<T> $name<T> {
            /// The item at `index` with `value`.
            #[inline]
            pub fn new(index: usize, value: T) -> Self {
                Self { index, value }
            }

            /// The index of the best item, `None` for the identity.
            #[inline]
            pub fn index(&self) -> Option<usize> {
                (self.index != usize::MAX).then_some(self.index)
            }
        }

        impl<T: Num> Monoid for $name<T> {
            #[inline]
            fn identity() -> Self {
                Self::new(usize::MAX, T::$identity)
            }
            #[inline]
            fn combine(self, other: Self) -> Self {
                let better = other.value $better self.value
                    || (other.value == self.value && other.index < self.index);
                if better {
                    other
                } else {
                    self
                }
            }
        }
    };
}

impl_arg!(ArgMin, HIGHEST, <);
impl_arg!(ArgMax, LOWEST, >);

impl Monoid for () {
    fn identity() -> Self {}
    fn combine(self, _: Self) -> Self {}
}

macro_rules! impl_tuple {
    ($($m:ident $i:tt),+) => {
        impl<$($m: Monoid),+> Monoid for ($($m,)+) {
            #[inline]
            fn identity() -> Self {
                ($($m::identity(),)+)
            }
            #[inline]
            fn combine(self, other: Self) -> Self {
                ($(self.$i.combine(other.$i),)+)
            }
        }
    };
}

impl_tuple!(A 0);
impl_tuple!(A 0, B 1);
impl_tuple!(A 0, B 1, C 2);
impl_tuple!(A 0, B 1, C 2, D 3);
impl_tuple!(A 0, B 1, C 2, D 3, E 4);
impl_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);
