//! What a reduction or a loop runs over: an index range or a slice.

use std::ops::Range;

/// The input of a reduction or a loop: an index range (items are the indices), a slice (items
/// are references to its elements), or two equally long slices read in step (items are pairs of
/// references, like `a.iter().zip(b)`; the closure then needs no indexing and no bounds checks,
/// which lets the compiler vectorize the fold).
///
/// Work is split by *position* `0..len()`; [`fold`](Input::fold) visits the items of a run of
/// positions in increasing order, so a chunk's partial result is the serial loop's over that
/// chunk.
///
/// # Examples
///
/// ```
/// use workshare_reductions::Input;
/// let data = [5, 6, 7];
/// assert_eq!(Input::fold(&(10..13), 1..3, 0, |acc, i| acc + i), 11 + 12);
/// assert_eq!(data.as_slice().fold(1..3, 0, |acc, x| acc + x), 6 + 7);
/// assert_eq!(data.as_slice().fold_indexed(0..3, 0, |acc, i, _| acc + i), 0 + 1 + 2);
/// let (a, b) = ([1, 2, 3], [10, 20, 30]);
/// assert_eq!((&a[..], &b[..]).fold(0..3, 0, |acc, (x, y)| acc + x * y), 140);
/// ```
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

impl Input for Range<usize> {
    type Item = usize;

    #[inline]
    fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    #[inline]
    fn fold<A>(&self, positions: Range<usize>, acc: A, f: impl FnMut(A, usize) -> A) -> A {
        (self.start + positions.start..self.start + positions.end).fold(acc, f)
    }

    #[inline]
    fn fold_indexed<A>(
        &self,
        positions: Range<usize>,
        acc: A,
        mut f: impl FnMut(A, usize, usize) -> A,
    ) -> A {
        self.fold(positions, acc, |acc, i| f(acc, i, i))
    }
}

impl<'a, T: Sync> Input for &'a [T] {
    type Item = &'a T;

    #[inline]
    fn len(&self) -> usize {
        <[T]>::len(self)
    }

    #[inline]
    fn fold<A>(&self, positions: Range<usize>, acc: A, f: impl FnMut(A, &'a T) -> A) -> A {
        let items: &'a [T] = self;
        items[positions].iter().fold(acc, f)
    }

    #[inline]
    fn fold_indexed<A>(
        &self,
        positions: Range<usize>,
        acc: A,
        mut f: impl FnMut(A, usize, &'a T) -> A,
    ) -> A {
        let items: &'a [T] = self;
        let start = positions.start;
        items[positions]
            .iter()
            .enumerate()
            .fold(acc, |acc, (k, x)| f(acc, start + k, x))
    }
}

impl<'a, T: Sync> Input for &'a Vec<T> {
    type Item = &'a T;

    #[inline]
    fn len(&self) -> usize {
        Vec::len(self)
    }

    #[inline]
    fn fold<A>(&self, positions: Range<usize>, acc: A, f: impl FnMut(A, &'a T) -> A) -> A {
        let items: &'a [T] = self;
        items.fold(positions, acc, f)
    }

    #[inline]
    fn fold_indexed<A>(
        &self,
        positions: Range<usize>,
        acc: A,
        f: impl FnMut(A, usize, &'a T) -> A,
    ) -> A {
        let items: &'a [T] = self;
        items.fold_indexed(positions, acc, f)
    }
}

/// Two slices read in step. [`len`](Input::len) panics with `workshare: zipped inputs have
/// lengths ...` unless both are equally long.
impl<'a, A: Sync, B: Sync> Input for (&'a [A], &'a [B]) {
    type Item = (&'a A, &'a B);

    #[inline]
    fn len(&self) -> usize {
        if self.0.len() != self.1.len() {
            zip_mismatch(self.0.len(), self.1.len());
        }
        self.0.len()
    }

    #[inline]
    fn fold<A2>(
        &self,
        positions: Range<usize>,
        acc: A2,
        f: impl FnMut(A2, Self::Item) -> A2,
    ) -> A2 {
        let (a, b): (&'a [A], &'a [B]) = *self;
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
        let (a, b): (&'a [A], &'a [B]) = *self;
        let start = positions.start;
        a[positions.clone()]
            .iter()
            .zip(&b[positions])
            .enumerate()
            .fold(acc, |acc, (k, item)| f(acc, start + k, item))
    }
}

#[cold]
fn zip_mismatch(a: usize, b: usize) -> ! {
    panic!("workshare: zipped inputs have lengths {a} and {b}")
}
