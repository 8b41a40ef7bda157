//! What a reduction or a loop runs over: an index range or a slice.

use std::ops::Range;

/// The input of a reduction or a loop: an index range (items are the indices) or a slice (items
/// are references to its elements).
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
