//! What a reduction or a loop runs over: an index range or a slice.

use std::ops::{Range, RangeInclusive};
use workshare_parfor::{IndexRange, LoopIndex, SliceLike};

/// The input of a reduction or a loop: an index range (items are the indices), a slice (items
/// are references to its elements), or two or three equally long slices read in step (items are
/// tuples of references, like `a.iter().zip(b)`; the closure then needs no indexing and no
/// bounds checks, which lets the compiler vectorize the fold).
///
/// | input | [`Item`](Input::Item) |
/// |---|---|
/// | `a..b`, `a..=b` of any primitive integer type ([`IndexRange`]: `usize`, `u32`, `u64`, `i32`, `i64`, ...) | `usize`, the index |
/// | `&[T]`, `&Vec<T>`, `&[T; N]`, `&Box<[T]>` (a [`SliceLike`] container) | `&T` |
/// | `(s,)`, one of the slice forms above | `&T` |
/// | `(a, b)`, any two of the slice forms (`(&v, &w[..])`) | `(&A, &B)` |
/// | `(a, b, c)`, any three of the slice forms | `(&A, &B, &C)` |
///
/// The slice forms are those of the parallel loops' `Inputs` (`map_into`). A range's items are
/// `usize` whatever its type: the reduction converts its bounds once (see [`IndexRange`]), and
/// panics at the caller's line, before anything runs, on a non-empty range with a negative
/// bound or one past `usize::MAX`, and on `a..=usize::MAX`; an empty or reversed range has no
/// items. A range with untyped integer literals (`0..100`) is a range of `i32`, Rust's fallback,
/// with the same items as `0usize..100`.
///
/// Work is split by *position* `0..len()`; [`fold`](Input::fold) visits the items of a run of
/// positions in increasing order, so a chunk's partial result is the serial loop's over that
/// chunk.
///
/// Other forms stay rejected: a range of floating-point numbers, an owned `Vec` (pass `&v`),
/// tuples of ranges.
///
/// ```compile_fail
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{sum, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// let s: f64 = sum(&pool, 0.0..1.0, Schedule::Auto, |x| x); // no Input for Range<f64>
/// # Ok::<(), workshare::Error>(())
/// ```
///
/// ```compile_fail
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{sum, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// let v = vec![1u64, 2, 3];
/// let s: u64 = sum(&pool, v, Schedule::Auto, |&x| x); // `&v`, not `v`
/// # Ok::<(), workshare::Error>(())
/// ```
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::Input;
/// let data = [5, 6, 7];
/// assert_eq!(Input::fold(&(10..13), 1..3, 0, |acc, i| acc + i), 11 + 12);
/// assert_eq!(Input::fold(&(10u32..=12), 0..3, 0, |acc, i| acc + i), 10 + 11 + 12);
/// assert_eq!((&data).fold(1..3, 0, |acc, x| acc + x), 6 + 7);
/// assert_eq!(data.as_slice().fold_indexed(0..3, 0, |acc, i, _| acc + i), 0 + 1 + 2);
/// let (a, b) = (vec![1, 2, 3], [10, 20, 30]);
/// assert_eq!((&a, &b).fold(0..3, 0, |acc, (x, y)| acc + x * y), 140);
/// assert_eq!((&a, &b, &a).len(), 3);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an input of a reduction",
    label = "expected an integer range `a..b` or `a..=b`, `&v` for a slice, `Vec`, array or \
             boxed slice `v`, or a tuple of up to three of those borrows",
    note = "slices are borrowed: pass `&v`, not `v`"
)]
pub trait Input: Sync {
    /// One item: an index for a range, a reference for a slice.
    type Item;

    /// The number of items.
    fn len(&self) -> usize;

    /// Whether there are no items.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Folds the items at `positions` (a sub-range of `0..len()`) in increasing order.
    fn fold<A>(&self, positions: Range<usize>, acc: A, f: impl FnMut(A, Self::Item) -> A) -> A;

    /// Like [`fold`](Input::fold), also passing each item's index: the index itself for a
    /// range, the position for a slice.
    fn fold_indexed<A>(
        &self,
        positions: Range<usize>,
        acc: A,
        f: impl FnMut(A, usize, Self::Item) -> A,
    ) -> A;
}

impl<T: LoopIndex> Input for Range<T> {
    type Item = usize;

    #[inline]
    #[track_caller]
    fn len(&self) -> usize {
        ExactSizeIterator::len(&self.to_usize_range())
    }

    #[inline]
    #[track_caller]
    fn fold<A>(&self, positions: Range<usize>, acc: A, f: impl FnMut(A, usize) -> A) -> A {
        fold_indices(self.to_usize_range(), positions, acc, f)
    }

    #[inline]
    #[track_caller]
    fn fold_indexed<A>(
        &self,
        positions: Range<usize>,
        acc: A,
        mut f: impl FnMut(A, usize, usize) -> A,
    ) -> A {
        self.fold(positions, acc, |acc, i| f(acc, i, i))
    }
}

impl<T: LoopIndex> Input for RangeInclusive<T> {
    type Item = usize;

    #[inline]
    #[track_caller]
    fn len(&self) -> usize {
        ExactSizeIterator::len(&self.to_usize_range())
    }

    #[inline]
    #[track_caller]
    fn fold<A>(&self, positions: Range<usize>, acc: A, f: impl FnMut(A, usize) -> A) -> A {
        fold_indices(self.to_usize_range(), positions, acc, f)
    }

    #[inline]
    #[track_caller]
    fn fold_indexed<A>(
        &self,
        positions: Range<usize>,
        acc: A,
        mut f: impl FnMut(A, usize, usize) -> A,
    ) -> A {
        self.fold(positions, acc, |acc, i| f(acc, i, i))
    }
}

/// Folds the indices at `positions` of `indices`.
#[inline]
fn fold_indices<A>(
    indices: Range<usize>,
    positions: Range<usize>,
    acc: A,
    f: impl FnMut(A, usize) -> A,
) -> A {
    let start = indices.start;
    // start + position <= indices.end for every position <= len: no overflow.
    (start + positions.start..start + positions.end).fold(acc, f)
}

impl<'a, S: SliceLike + Sync + ?Sized> Input for &'a S {
    type Item = &'a S::Elem;

    #[inline]
    fn len(&self) -> usize {
        self.elements().len()
    }

    #[inline]
    fn fold<A>(&self, positions: Range<usize>, acc: A, f: impl FnMut(A, Self::Item) -> A) -> A {
        let items: &'a [S::Elem] = self.elements();
        items[positions].iter().fold(acc, f)
    }

    #[inline]
    fn fold_indexed<A>(
        &self,
        positions: Range<usize>,
        acc: A,
        mut f: impl FnMut(A, usize, Self::Item) -> A,
    ) -> A {
        let items: &'a [S::Elem] = self.elements();
        let start = positions.start;
        items[positions]
            .iter()
            .enumerate()
            .fold(acc, |acc, (k, x)| f(acc, start + k, x))
    }
}

/// One input in a tuple: the same as the input alone.
impl<'a, S: SliceLike + Sync + ?Sized> Input for (&'a S,) {
    type Item = &'a S::Elem;

    #[inline]
    fn len(&self) -> usize {
        self.0.len()
    }

    #[inline]
    fn fold<A>(&self, positions: Range<usize>, acc: A, f: impl FnMut(A, Self::Item) -> A) -> A {
        self.0.fold(positions, acc, f)
    }

    #[inline]
    fn fold_indexed<A>(
        &self,
        positions: Range<usize>,
        acc: A,
        f: impl FnMut(A, usize, Self::Item) -> A,
    ) -> A {
        self.0.fold_indexed(positions, acc, f)
    }
}

/// Two inputs read in step. [`len`](Input::len) panics with `workshare: zipped inputs have
/// lengths ...` unless both are equally long.
impl<'a, A, B> Input for (&'a A, &'a B)
where
    A: SliceLike + Sync + ?Sized,
    B: SliceLike + Sync + ?Sized,
{
    type Item = (&'a A::Elem, &'a B::Elem);

    #[inline]
    #[track_caller]
    fn len(&self) -> usize {
        let (a, b) = (self.0.elements().len(), self.1.elements().len());
        if a != b {
            zip_mismatch(&[a, b]);
        }
        a
    }

    #[inline]
    fn fold<A2>(
        &self,
        positions: Range<usize>,
        acc: A2,
        f: impl FnMut(A2, Self::Item) -> A2,
    ) -> A2 {
        let (a, b): (&'a [A::Elem], &'a [B::Elem]) = (self.0.elements(), self.1.elements());
        let (a, b) = (&a[positions.clone()], &b[positions]);
        a.iter().zip(b).fold(acc, f)
    }

    #[inline]
    fn fold_indexed<A2>(
        &self,
        positions: Range<usize>,
        acc: A2,
        mut f: impl FnMut(A2, usize, Self::Item) -> A2,
    ) -> A2 {
        let (a, b): (&'a [A::Elem], &'a [B::Elem]) = (self.0.elements(), self.1.elements());
        let start = positions.start;
        a[positions.clone()]
            .iter()
            .zip(&b[positions])
            .enumerate()
            .fold(acc, |acc, (k, item)| f(acc, start + k, item))
    }
}

/// Three inputs read in step. [`len`](Input::len) panics with `workshare: zipped inputs have
/// lengths ...` unless all three are equally long.
impl<'a, A, B, C> Input for (&'a A, &'a B, &'a C)
where
    A: SliceLike + Sync + ?Sized,
    B: SliceLike + Sync + ?Sized,
    C: SliceLike + Sync + ?Sized,
{
    type Item = (&'a A::Elem, &'a B::Elem, &'a C::Elem);

    #[inline]
    #[track_caller]
    fn len(&self) -> usize {
        let (a, b, c) = (
            self.0.elements().len(),
            self.1.elements().len(),
            self.2.elements().len(),
        );
        if a != b || a != c {
            zip_mismatch(&[a, b, c]);
        }
        a
    }

    #[inline]
    fn fold<A2>(
        &self,
        positions: Range<usize>,
        acc: A2,
        mut f: impl FnMut(A2, Self::Item) -> A2,
    ) -> A2 {
        let a: &'a [A::Elem] = self.0.elements();
        let b: &'a [B::Elem] = self.1.elements();
        let c: &'a [C::Elem] = self.2.elements();
        let (a, b) = (&a[positions.clone()], &b[positions.clone()]);
        let c = &c[positions];
        a.iter()
            .zip(b)
            .zip(c)
            .fold(acc, |acc, ((x, y), z)| f(acc, (x, y, z)))
    }

    #[inline]
    fn fold_indexed<A2>(
        &self,
        positions: Range<usize>,
        acc: A2,
        mut f: impl FnMut(A2, usize, Self::Item) -> A2,
    ) -> A2 {
        let start = positions.start;
        let mut k = start;
        self.fold(positions, acc, |acc, item| {
            let acc = f(acc, k, item);
            k += 1;
            acc
        })
    }
}

#[cold]
#[track_caller]
fn zip_mismatch(lengths: &[usize]) -> ! {
    match lengths {
        [a, b] => panic!("workshare: zipped inputs have lengths {a} and {b}"),
        _ => panic!("workshare: zipped inputs have lengths {lengths:?}"),
    }
}
