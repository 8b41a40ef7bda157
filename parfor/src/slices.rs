//! Loops over slices: disjoint mutable sub-slices of an output, zipped with input slices.

use crate::loops::run_offsets;
use crate::{Ctx, Schedule};
use std::marker::PhantomData;
use std::ops::Range;
use workshare_pool::Pool;

/// A `&mut [T]` from which disjoint sub-slices are handed to the chunks of one loop.
///
/// The schedules hand out chunks at run time, so the sub-slices cannot be split up front with
/// `split_at_mut`. This is the crate's one unsafe abstraction: it relies on the loop driver's
/// guarantee that every offset of `0..len` belongs to exactly one chunk.
struct DisjointSlice<'a, T> {
    ptr: *mut T,
    len: usize,
    _borrow: PhantomData<&'a mut [T]>,
}

// SAFETY: it hands out `&mut T`s to other threads (so `T: Send`), never two for one element
// (see `chunk`), exactly like `&mut [T]: Send` would across `split_at_mut`.
unsafe impl<T: Send> Sync for DisjointSlice<'_, T> {}

impl<'a, T> DisjointSlice<'a, T> {
    fn new(slice: &'a mut [T]) -> Self {
        Self {
            ptr: slice.as_mut_ptr(),
            len: slice.len(),
            _borrow: PhantomData,
        }
    }

    /// The elements `range` of the slice.
    ///
    /// # Safety
    ///
    /// No two sub-slices returned while the `DisjointSlice` lives may overlap.
    #[inline]
    unsafe fn chunk(&self, range: Range<usize>) -> &'a mut [T] {
        assert!(range.start <= range.end && range.end <= self.len);
        // SAFETY: `range` lies within the borrowed slice (asserted above); no other reference
        // to these elements exists (the caller's contract) while the borrow `'a` lasts.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(range.start), range.len()) }
    }
}

/// Calls `body(chunk, offset, ctx)` on disjoint sub-slices covering `out` exactly once, where
/// `chunk` is `&mut out[offset..offset + chunk.len()]`, on the team of `pool`, handing chunks
/// out by `schedule`. Like [`for_each_chunk`](crate::for_each_chunk), whose guarantees and
/// panics it shares.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{for_each_mut_chunk, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// let mut squares = vec![0u64; 1000];
/// for_each_mut_chunk(&pool, &mut squares, Schedule::Dynamic(64), |chunk, offset, _ctx| {
///     for (k, out) in chunk.iter_mut().enumerate() {
///         let i = (offset + k) as u64;
///         *out = i * i;
///     }
/// });
/// assert_eq!(squares[999], 999 * 999);
/// # Ok::<(), workshare::Error>(())
/// ```
#[track_caller]
pub fn for_each_mut_chunk<T, F>(pool: &Pool, out: &mut [T], schedule: Schedule, body: F)
where
    T: Send,
    F: Fn(&mut [T], usize, Ctx) + Sync,
{
    let schedule = schedule.resolved();
    for_each_mut_chunk_at_most(pool, pool.num_threads(), out, schedule, body);
}

/// [`for_each_mut_chunk`] on a team of at most `max_threads` threads.
pub(crate) fn for_each_mut_chunk_at_most<T, F>(
    pool: &Pool,
    max_threads: usize,
    out: &mut [T],
    schedule: Schedule,
    body: F,
) where
    T: Send,
    F: Fn(&mut [T], usize, Ctx) + Sync,
{
    let out = DisjointSlice::new(out);
    let len = out.len;
    // `move`: the slice and the body travel by value, into the loop's state.
    run_offsets(
        pool,
        max_threads,
        len,
        schedule,
        move |range: Range<usize>, ctx| {
            let offset = range.start;
            // SAFETY: the loop driver hands every offset of `0..len` to exactly one chunk, so the
            // chunks' sub-slices are disjoint.
            body(unsafe { out.chunk(range) }, offset, ctx);
        },
    );
}

mod sealed {
    /// Keeps [`SliceLike`](super::SliceLike) to the containers listed there.
    pub trait Sealed {}
}

/// A container whose elements lie in one slice, so that a shared borrow of it is an input of
/// [`map_into`] (and of the reductions): `[T]`, `[T; N]`, `Vec<T>` and `Box<[T]>`.
///
/// It lets the loops take `&v` for a `Vec` (or an array, or a boxed slice) as they take
/// `&v[..]`: a generic parameter gets no deref coercion, so each accepted form needs an
/// implementation. Sealed: the list above is complete.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::SliceLike;
/// fn total<S: SliceLike<Elem = u32> + ?Sized>(s: &S) -> u32 {
///     s.elements().iter().sum()
/// }
/// let (v, a, b) = (vec![1, 2, 3], [1, 2, 3], vec![1, 2, 3].into_boxed_slice());
/// assert_eq!(total(&v), 6);
/// assert_eq!(total(&a), 6);
/// assert_eq!(total(&b), 6);
/// assert_eq!(total(&v[1..]), 5);
/// ```
pub trait SliceLike: sealed::Sealed {
    /// The element type.
    type Elem;

    /// The elements, as a slice.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::SliceLike;
    /// assert_eq!(SliceLike::elements(&vec![1, 2]), &[1, 2]);
    /// ```
    fn elements(&self) -> &[Self::Elem];
}

impl<T> sealed::Sealed for [T] {}
impl<T, const N: usize> sealed::Sealed for [T; N] {}
impl<T> sealed::Sealed for Vec<T> {}
impl<T> sealed::Sealed for Box<[T]> {}

impl<T> SliceLike for [T] {
    type Elem = T;
    #[inline]
    fn elements(&self) -> &[T] {
        self
    }
}

impl<T, const N: usize> SliceLike for [T; N] {
    type Elem = T;
    #[inline]
    fn elements(&self) -> &[T] {
        self
    }
}

impl<T> SliceLike for Vec<T> {
    type Elem = T;
    #[inline]
    fn elements(&self) -> &[T] {
        self
    }
}

impl<T> SliceLike for Box<[T]> {
    type Elem = T;
    #[inline]
    fn elements(&self) -> &[T] {
        self
    }
}

/// One or more equally long inputs, read in step with an output slice by [`map_into`]: a shared
/// borrow of a [`SliceLike`] container, or a tuple of one, two or three of them.
///
/// | input | [`Item`](Inputs::Item) |
/// |---|---|
/// | `&[A]`, `&Vec<A>`, `&[A; N]`, `&Box<[A]>` | `&A` |
/// | `(a,)`, each of the forms above | `&A` |
/// | `(a, b)`, any two of the forms above (`(&v, &w[..])`) | `(&A, &B)` |
/// | `(a, b, c)`, any three of the forms above | `(&A, &B, &C)` |
///
/// The reductions' `Input` accepts the same forms (and index ranges). An owned container
/// (`v` instead of `&v`) or a `&mut` is not an input:
///
/// ```compile_fail
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{map_into, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// let (x, mut out) = (vec![1.0f32; 4], vec![0.0f32; 4]);
/// map_into(&pool, &mut out, x, Schedule::Auto, |o, x| *o = *x); // `&x`, not `x`
/// # Ok::<(), workshare::Error>(())
/// ```
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::Inputs;
/// let (a, b) = (vec![1, 2, 3], [4.0, 5.0, 6.0]);
/// let inputs = (&a, &b);
/// assert_eq!(inputs.lengths(), vec![3, 3]);
/// let items: Vec<_> = inputs.items(1..3).collect();
/// assert_eq!(items, vec![(&2, &5.0), (&3, &6.0)]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an input of `map_into`",
    label = "expected `&v` for a slice, `Vec`, array or boxed slice `v`, or a tuple of up to three",
    note = "inputs are borrowed: pass `&v`, not `v`"
)]
pub trait Inputs: Copy + Sync {
    /// One element of each input, by reference.
    type Item;
    /// Iterates over the inputs in step.
    type Items: Iterator<Item = Self::Item>;

    /// The length of each input, in order.
    fn lengths(self) -> Vec<usize>;
    /// The first input whose length differs from `len`, as `(input, its length)`; `None` when
    /// all are `len` long. The implementations here allocate nothing (unlike
    /// [`lengths`](Inputs::lengths)): [`map_into`] checks with it on every call.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::Inputs;
    /// let (a, b) = ([1, 2, 3], [4.0, 5.0]);
    /// assert_eq!((&a, &b).mismatch(3), Some((1, 2)));
    /// assert_eq!((&a,).mismatch(3), None);
    /// ```
    fn mismatch(self, len: usize) -> Option<(usize, usize)> {
        (self.lengths().into_iter().enumerate()).find(|&(_, actual)| actual != len)
    }
    /// Iterates over the elements at `positions` of the inputs in step (as long as the
    /// shortest).
    ///
    /// # Panics
    ///
    /// When `positions` is not within an input, as slice indexing does.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
    /// use workshare::parfor::Inputs;
    /// let v = vec![10, 20, 30];
    /// assert_eq!((&v).items(1..3).collect::<Vec<_>>(), [&20, &30]);
    /// ```
    fn items(self, positions: Range<usize>) -> Self::Items;
}

impl<'a, S: SliceLike + Sync + ?Sized> Inputs for &'a S {
    type Item = &'a S::Elem;
    type Items = std::slice::Iter<'a, S::Elem>;
    fn lengths(self) -> Vec<usize> {
        vec![self.elements().len()]
    }
    fn mismatch(self, len: usize) -> Option<(usize, usize)> {
        first_mismatch([self.elements().len()], len)
    }
    fn items(self, positions: Range<usize>) -> Self::Items {
        self.elements()[positions].iter()
    }
}

impl<'a, A: SliceLike + Sync + ?Sized> Inputs for (&'a A,) {
    type Item = &'a A::Elem;
    type Items = std::slice::Iter<'a, A::Elem>;
    fn lengths(self) -> Vec<usize> {
        vec![self.0.elements().len()]
    }
    fn mismatch(self, len: usize) -> Option<(usize, usize)> {
        first_mismatch([self.0.elements().len()], len)
    }
    fn items(self, positions: Range<usize>) -> Self::Items {
        self.0.elements()[positions].iter()
    }
}

impl<'a, A, B> Inputs for (&'a A, &'a B)
where
    A: SliceLike + Sync + ?Sized,
    B: SliceLike + Sync + ?Sized,
{
    type Item = (&'a A::Elem, &'a B::Elem);
    type Items = std::iter::Zip<std::slice::Iter<'a, A::Elem>, std::slice::Iter<'a, B::Elem>>;
    fn lengths(self) -> Vec<usize> {
        vec![self.0.elements().len(), self.1.elements().len()]
    }
    fn mismatch(self, len: usize) -> Option<(usize, usize)> {
        first_mismatch([self.0.elements().len(), self.1.elements().len()], len)
    }
    fn items(self, positions: Range<usize>) -> Self::Items {
        let (a, b) = (self.0.elements(), self.1.elements());
        a[positions.clone()].iter().zip(&b[positions])
    }
}

/// Flattens the nested pairs of two `zip`s into a triple.
type Flatten3<'a, A, B, C> = fn(((&'a A, &'a B), &'a C)) -> (&'a A, &'a B, &'a C);

/// The item iterator of three inputs.
type Zip3<'a, A, B, C> = std::iter::Map<
    std::iter::Zip<
        std::iter::Zip<std::slice::Iter<'a, A>, std::slice::Iter<'a, B>>,
        std::slice::Iter<'a, C>,
    >,
    Flatten3<'a, A, B, C>,
>;

impl<'a, A, B, C> Inputs for (&'a A, &'a B, &'a C)
where
    A: SliceLike + Sync + ?Sized,
    B: SliceLike + Sync + ?Sized,
    C: SliceLike + Sync + ?Sized,
{
    type Item = (&'a A::Elem, &'a B::Elem, &'a C::Elem);
    type Items = Zip3<'a, A::Elem, B::Elem, C::Elem>;
    fn lengths(self) -> Vec<usize> {
        let (a, b, c) = (self.0.elements(), self.1.elements(), self.2.elements());
        vec![a.len(), b.len(), c.len()]
    }
    fn mismatch(self, len: usize) -> Option<(usize, usize)> {
        let (a, b, c) = (self.0.elements(), self.1.elements(), self.2.elements());
        first_mismatch([a.len(), b.len(), c.len()], len)
    }
    fn items(self, positions: Range<usize>) -> Self::Items {
        let (a, b, c) = (self.0.elements(), self.1.elements(), self.2.elements());
        let flatten: Flatten3<'a, A::Elem, B::Elem, C::Elem> = |((a, b), c)| (a, b, c);
        let (a, b) = (&a[positions.clone()], &b[positions.clone()]);
        a.iter().zip(b).zip(&c[positions]).map(flatten)
    }
}

/// The first of `lengths` that is not `len`, with its position.
#[inline]
fn first_mismatch<const N: usize>(lengths: [usize; N], len: usize) -> Option<(usize, usize)> {
    (lengths.into_iter().enumerate()).find(|&(_, actual)| actual != len)
}

/// Panics unless every input is as long as the output.
#[inline]
#[track_caller]
fn check_lengths(what: &str, inputs: impl Inputs, out_len: usize) {
    if let Some((input, len)) = inputs.mismatch(out_len) {
        mismatch(what, input, len, out_len);
    }
}

#[cold]
#[track_caller]
fn mismatch(what: &str, input: usize, len: usize, out_len: usize) -> ! {
    panic!("workshare: {what}: input {input} has length {len} but the output has length {out_len}")
}

/// Sets every `out[i]` by `f(&mut out[i], item_i)`, where `item_i` holds the `i`-th element of
/// each input, on the team of `pool`, handing chunks out by `schedule`: the safe way to write
/// `out[i] = f(a[i], b[i])` in parallel.
///
/// `inputs` is any [`Inputs`]: `&x` for a `Vec`, an array, a boxed slice or a slice, or a
/// tuple of up to three of them (`(&a, &b)`), whose items `f` gets as a tuple of references.
/// `out` is a `&mut` of a slice, a `Vec`, an array or a boxed slice (`&mut out`, `&mut out[..]`):
/// a `&mut [T]` parameter, which Rust's deref coercion reaches from each of them.
///
/// # Panics
///
/// With `workshare: map_into: input K has length L but the output has length N` when the
/// lengths differ (before anything runs); otherwise like [`for_each_chunk`](crate::for_each_chunk).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } }
/// use workshare::parfor::{map_into, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// let (a, b) = (vec![1.0f32; 100], vec![2.0f32; 100]);
/// let mut out = vec![0.0f32; 100];
/// map_into(&pool, &mut out, (&a, &b), Schedule::Auto, |o, (x, y)| *o = x + y);
/// assert!(out.iter().all(|&v| v == 3.0));
///
/// // Arrays in and out; one input, whose items are `&f32`.
/// let (x, mut roots) = ([1.0f32, 4.0, 9.0], [0.0f32; 3]);
/// map_into(&pool, &mut roots, &x, Schedule::Auto, |r, x| *r = x.sqrt());
/// assert_eq!(roots, [1.0, 2.0, 3.0]);
/// # Ok::<(), workshare::Error>(())
/// ```
#[track_caller]
pub fn map_into<T, I, F>(pool: &Pool, out: &mut [T], inputs: I, schedule: Schedule, f: F)
where
    T: Send,
    I: Inputs,
    F: Fn(&mut T, I::Item) + Sync,
{
    let schedule = schedule.resolved();
    check_lengths("map_into", inputs, out.len());
    for_each_mut_chunk(pool, out, schedule, move |chunk, offset, _ctx| {
        let items = inputs.items(offset..offset + chunk.len());
        chunk.iter_mut().zip(items).for_each(|(o, item)| f(o, item));
    });
}
