//! The numbers the ready-made reductions work on.

use std::ops::{Add, Mul};

/// A primitive number: the element type of [`sum`](crate::sum), [`product`](crate::product),
/// [`min`](crate::min), [`max`](crate::max), [`argmin`](crate::argmin) and
/// [`argmax`](crate::argmax).
///
/// Implemented for every primitive integer and for `f32` and `f64`. The constants are the
/// identities of the ready-made [`Monoid`](crate::Monoid)s: [`ZERO`](Num::ZERO) for a sum,
/// [`ONE`](Num::ONE) for a product, [`HIGHEST`](Num::HIGHEST) for a minimum and
/// [`LOWEST`](Num::LOWEST) for a maximum (infinities for floats).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::Num;
/// assert_eq!(<i32 as Num>::LOWEST, i32::MIN);
/// assert_eq!(<f64 as Num>::HIGHEST, f64::INFINITY);
/// ```
pub trait Num:
    Copy + Send + Sync + PartialOrd + Add<Output = Self> + Mul<Output = Self> + 'static
{
    /// The additive identity.
    const ZERO: Self;
    /// The multiplicative identity.
    const ONE: Self;
    /// No value compares less (`MIN` for integers, negative infinity for floats).
    const LOWEST: Self;
    /// No value compares greater (`MAX` for integers, positive infinity for floats).
    const HIGHEST: Self;
}

macro_rules! impl_num_int {
    ($($t:ty),*) => {$(
        impl Num for $t {
            const ZERO: Self = 0;
            const ONE: Self = 1;
            const LOWEST: Self = <$t>::MIN;
            const HIGHEST: Self = <$t>::MAX;
        }
    )*};
}

macro_rules! impl_num_float {
    ($($t:ty),*) => {$(
        impl Num for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const LOWEST: Self = <$t>::NEG_INFINITY;
            const HIGHEST: Self = <$t>::INFINITY;
        }
    )*};
}

impl_num_int!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);
impl_num_float!(f32, f64);
