//! The ordinary reductions: per-thread partial results, combined after the loop.

use crate::chunks;
use crate::input::Input;
use crate::monoid::{ArgMax, ArgMin, Count, Max, Min, Monoid, Product};
use crate::num::Num;
use crate::slots::Partials;
use std::ops::Range;
use workshare_parfor::{Pool, Schedule};

/// Reduces `input` in parallel: each chunk is folded from `identity()` with `fold`, in index
/// order, and the partial results are merged with `combine`.
///
/// `combine` must be associative and commutative, with `identity()` neutral: partial results are
/// merged in an order that depends on the schedule and the timing. For floating point, whose
/// addition is not associative, the result may differ in its last bits from run to run; use
/// [`reduce_deterministic`](crate::reduce_deterministic) for bit-identical results.
///
/// # Panics
///
/// On the schedule's errors (a chunk size of 0); a panic in a closure propagates to the caller.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{reduce, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// let a: Vec<i64> = (1..=1000).collect();
/// // sum((a[i] - b[i])^2) with b = a + 6, with no shared accumulator.
/// let total = reduce(&pool, &a[..], Schedule::Auto, || 0, |acc, &x| acc + (x - (x + 6)).pow(2), |x, y| x + y);
/// assert_eq!(total, 36 * 1000);
/// # Ok::<(), workshare::Error>(())
/// ```
#[must_use]
#[track_caller]
pub fn reduce<I, T, Id, F, C>(
    pool: &Pool,
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
    C: Fn(T, T) -> T + Sync,
{
    let schedule = schedule.resolved();
    let len = input.len();
    // The common case of a reduction that runs on this thread alone (too small to fork, or the
    // pool's threads taken by other callers): one fold, as that thread would run it, without
    // the per-thread partial results or the loop's layers.
    let key = fold_all::<I, T, F> as fn(&I, T, &F) -> T as usize;
    if chunks::runs_serially(pool, schedule, len, key) {
        return fold_all(&input, identity(), &fold);
    }
    let mut partials = Partials::new(pool);
    let (identity_ref, combine_ref) = (&identity, &combine);
    // `move`: the input and the fold travel by value, into the loop's state.
    partials.for_each_chunk_keyed(
        pool,
        0..len,
        schedule,
        Some(key),
        move |partial, positions| {
            let chunk = input.fold(positions, identity_ref(), &fold);
            merge_into(partial, chunk, combine_ref);
        },
    );
    finish(&mut partials, identity, combine)
}

/// The fold of a whole input from `init`: a reduction run serially. Its address for the
/// reduction's types is the key of the reduction's loop in `Auto`'s memory (distinct code for
/// distinct folds; two instances that compile to the same code would share a key, and also
/// their cost).
#[inline(never)]
fn fold_all<I, T, F>(input: &I, init: T, fold: &F) -> T
where
    I: Input,
    F: Fn(T, I::Item) -> T,
{
    input.fold(0..input.len(), init, fold)
}

/// Merges a chunk's result into the running thread's partial result. Each chunk starts from the
/// identity, so a thread's chunks need not arrive in index order for a fold that is sensitive to
/// it (ties in [`argmax`]).
#[inline]
fn merge_into<T>(partial: &mut Option<T>, chunk: T, combine: impl Fn(T, T) -> T) {
    *partial = Some(match partial.take() {
        None => chunk,
        Some(before) => combine(before, chunk),
    });
}

/// Merges the per-thread partial results, in thread order. Borrows the partials: moving them
/// into the call copied a kilobyte, a tenth of a tiny reduction's time.
fn finish<T: Send>(
    partials: &mut Partials<T>,
    identity: impl Fn() -> T,
    combine: impl Fn(T, T) -> T,
) -> T {
    partials
        .take_values()
        .reduce(combine)
        .unwrap_or_else(identity)
}

/// Reduces `input` with a [`Monoid`]: `f` maps each item to a monoid value, and the values are
/// combined. The monoid's `combine` must be commutative (see [`reduce`]).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{reduce_monoid, Count, Max, Pool, Schedule, Sum};
/// let pool = Pool::new(2)?;
/// let data = [4.0, -1.5, 8.25, 0.0];
/// let (sum, max, positive) = reduce_monoid(&pool, &data[..], Schedule::Auto, |&x| {
///     (Sum(x), Max(x), Count(usize::from(x > 0.0)))
/// });
/// assert_eq!((sum.0, max.0, positive.0), (10.75, 8.25, 2));
/// # Ok::<(), workshare::Error>(())
/// ```
#[must_use]
#[track_caller]
pub fn reduce_monoid<I, M, F>(pool: &Pool, input: I, schedule: Schedule, f: F) -> M
where
    I: Input,
    M: Monoid,
    F: Fn(I::Item) -> M + Sync,
{
    let schedule = schedule.resolved();
    reduce(
        pool,
        input,
        schedule,
        M::identity,
        |acc, item| acc.combine(f(item)),
        M::combine,
    )
}

/// The sum of `f(item)` over `input` (integer overflow behaves as in the serial loop).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{sum, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// assert_eq!(sum(&pool, 1..101, Schedule::Auto, |i| i as u64), 5050);
/// let data = [0.5, 0.25];
/// assert_eq!(sum(&pool, &data[..], Schedule::Static, |&x| x), 0.75);
/// # Ok::<(), workshare::Error>(())
/// ```
#[must_use]
#[track_caller]
pub fn sum<I, T, F>(pool: &Pool, input: I, schedule: Schedule, f: F) -> T
where
    I: Input,
    T: Num,
    F: Fn(I::Item) -> T + Sync,
{
    let schedule = schedule.resolved();
    let add = |a: T, b: T| a + b;
    reduce(
        pool,
        input,
        schedule,
        || T::ZERO,
        |acc, item| acc + f(item),
        add,
    )
}

/// The product of `f(item)` over `input` (one for an empty input).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{product, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// assert_eq!(product(&pool, 1..11, Schedule::Auto, |i| i as u64), 3_628_800);
/// # Ok::<(), workshare::Error>(())
/// ```
#[must_use]
#[track_caller]
pub fn product<I, T, F>(pool: &Pool, input: I, schedule: Schedule, f: F) -> T
where
    I: Input,
    T: Num,
    F: Fn(I::Item) -> T + Sync,
{
    let schedule = schedule.resolved();
    reduce_monoid(pool, input, schedule, |item| Product(f(item))).0
}

/// The smallest `f(item)` over `input`, `None` for an empty input. NaNs are skipped (a
/// float input of NaNs only gives positive infinity).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{min, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// let data = [3, -7, 5];
/// assert_eq!(min(&pool, &data[..], Schedule::Auto, |&x| x), Some(-7));
/// assert_eq!(min(&pool, 0..0, Schedule::Auto, |i| i), None);
/// # Ok::<(), workshare::Error>(())
/// ```
#[must_use]
#[track_caller]
pub fn min<I, T, F>(pool: &Pool, input: I, schedule: Schedule, f: F) -> Option<T>
where
    I: Input,
    T: Num,
    F: Fn(I::Item) -> T + Sync,
{
    let schedule = schedule.resolved();
    reduce_non_empty(pool, input, schedule, |item| Min(f(item))).map(|min| min.0)
}

/// The largest `f(item)` over `input`, `None` for an empty input. NaNs are skipped.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{max, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// assert_eq!(max(&pool, 0..10, Schedule::Dynamic(3), |i| (i % 7) as u8), Some(6));
/// # Ok::<(), workshare::Error>(())
/// ```
#[must_use]
#[track_caller]
pub fn max<I, T, F>(pool: &Pool, input: I, schedule: Schedule, f: F) -> Option<T>
where
    I: Input,
    T: Num,
    F: Fn(I::Item) -> T + Sync,
{
    let schedule = schedule.resolved();
    reduce_non_empty(pool, input, schedule, |item| Max(f(item))).map(|max| max.0)
}

/// [`reduce_monoid`], `None` for an empty input (whose result would be the identity).
fn reduce_non_empty<I, M, F>(pool: &Pool, input: I, schedule: Schedule, f: F) -> Option<M>
where
    I: Input,
    M: Monoid,
    F: Fn(I::Item) -> M + Sync,
{
    let empty = input.is_empty();
    let reduced = reduce_monoid(pool, input, schedule, f);
    (!empty).then_some(reduced)
}

/// The number of items for which `predicate` holds.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{count, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// assert_eq!(count(&pool, 0..100, Schedule::Auto, |i| i % 3 == 0), 34);
/// # Ok::<(), workshare::Error>(())
/// ```
#[must_use]
#[track_caller]
pub fn count<I, F>(pool: &Pool, input: I, schedule: Schedule, predicate: F) -> usize
where
    I: Input,
    F: Fn(I::Item) -> bool + Sync,
{
    let schedule = schedule.resolved();
    let counted = |acc: Count, item| Count(acc.0 + usize::from(predicate(item)));
    reduce(
        pool,
        input,
        schedule,
        Count::identity,
        counted,
        Count::combine,
    )
    .0
}

/// The index of the item with the smallest `key`; ties go to the lowest index, as in the serial
/// loop. `None` for an empty input. The index is the item itself for a range, the position for a
/// slice. NaN keys are skipped, as [`min`] and [`max`] skip them: the key at the index returned
/// is what `min` returns, and an input whose keys are all NaN gives `None`. `key` must be pure:
/// it may run twice for an item (see `best_in_chunk` in the source).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{argmin, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// let scores = [4, 1, 9, 1];
/// assert_eq!(argmin(&pool, &scores[..], Schedule::Auto, |&s| s), Some(1));
/// # Ok::<(), workshare::Error>(())
/// ```
#[must_use]
#[track_caller]
pub fn argmin<I, T, F>(pool: &Pool, input: I, schedule: Schedule, key: F) -> Option<usize>
where
    I: Input,
    T: Num,
    F: Fn(I::Item) -> T + Sync,
{
    let schedule = schedule.resolved();
    arg_best::<I, ArgMin<T>, T, _, _>(pool, input, schedule, |a, b| a < b, key)
}

/// The index of the item with the largest `key`; ties go to the lowest index, as in the serial
/// loop. `None` for an empty input. NaN keys, and `key` running twice, as in [`argmin`].
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{argmax, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// let scores = [4, 9, 1, 9];
/// assert_eq!(argmax(&pool, &scores[..], Schedule::Dynamic(1), |&s| s), Some(1));
/// # Ok::<(), workshare::Error>(())
/// ```
#[must_use]
#[track_caller]
pub fn argmax<I, T, F>(pool: &Pool, input: I, schedule: Schedule, key: F) -> Option<usize>
where
    I: Input,
    T: Num,
    F: Fn(I::Item) -> T + Sync,
{
    let schedule = schedule.resolved();
    arg_best::<I, ArgMax<T>, T, _, _>(pool, input, schedule, |a, b| a > b, key)
}

/// An [`ArgMin`] or [`ArgMax`] monoid: built from an index and a value.
trait Arg<T>: Monoid {
    fn at(index: usize, value: T) -> Self;
    fn parts(&self) -> (Option<usize>, T);
}

impl<T: Num> Arg<T> for ArgMin<T> {
    fn at(index: usize, value: T) -> Self {
        ArgMin::new(index, value)
    }
    fn parts(&self) -> (Option<usize>, T) {
        (self.index(), self.value)
    }
}

impl<T: Num> Arg<T> for ArgMax<T> {
    fn at(index: usize, value: T) -> Self {
        ArgMax::new(index, value)
    }
    fn parts(&self) -> (Option<usize>, T) {
        (self.index(), self.value)
    }
}

/// Within a chunk items come in increasing index order, so a strict `better` keeps the lowest
/// index on ties; across chunks the monoid's tie rule does.
#[track_caller]
fn arg_best<I, M, T, B, K>(
    pool: &Pool,
    input: I,
    schedule: Schedule,
    better: B,
    key: K,
) -> Option<usize>
where
    I: Input,
    M: Arg<T>,
    T: Num,
    B: Fn(T, T) -> bool + Sync,
    K: Fn(I::Item) -> T + Sync,
{
    let len = input.len();
    // As in `reduce`: a search that runs on this thread alone is one chunk.
    type Best<I, T, B, K> = fn(&I, Range<usize>, T, &B, &K) -> Option<(usize, T)>;
    let loop_key = best_in_chunk::<I, T, B, K> as Best<I, T, B, K> as usize;
    if chunks::runs_serially(pool, schedule, len, loop_key) {
        let worst = M::identity().parts().1;
        let best = best_in_chunk(&input, 0..len, worst, &better, &key);
        return best
            .map_or_else(M::identity, |(index, best)| M::at(index, best))
            .parts()
            .0;
    }
    let mut partials = Partials::new(pool);
    // `move`: the input and the key travel by value, into the loop's state.
    partials.for_each_chunk_keyed(
        pool,
        0..len,
        schedule,
        Some(loop_key),
        move |partial, positions| {
            let worst = M::identity().parts().1;
            if let Some((index, best)) = best_in_chunk(&input, positions, worst, &better, &key) {
                merge_into(partial, M::at(index, best), M::combine);
            }
        },
    );
    finish(&mut partials, M::identity, M::combine).parts().0
}

/// Items per block of [`best_in_chunk`]: 16 KiB of `i32` keys, so a block that beats the best
/// so far is still in L1 when it is scanned a second time.
const ARG_BLOCK: usize = 4096;

/// The first position of the best key in `positions`, and that key; `None` if empty. `worst`
/// is the identity's key (no key is worse).
///
/// Written as two branch-free folds per block instead of one fold with a branch per item: the
/// block's best key (a plain max/min fold, which vectorizes for integer keys), and only when it
/// beats the best so far (rare past the first blocks on unordered data), the first position in
/// the block whose key is not worse than it. A strict `better` makes that the first occurrence,
/// so the result is the serial loop's. The first block is always scanned twice, so that a chunk
/// whose keys all equal `worst` still reports its first position. NaN keys are skipped (never
/// better, and no candidate): a chunk of NaN keys only reports `None`. `key` runs at most twice
/// per item.
fn best_in_chunk<I, T, B, K>(
    input: &I,
    positions: Range<usize>,
    worst: T,
    better: &B,
    key: &K,
) -> Option<(usize, T)>
where
    I: Input,
    T: Num,
    B: Fn(T, T) -> bool,
    K: Fn(I::Item) -> T,
{
    let mut found: Option<(usize, T)> = None;
    let mut start = positions.start;
    while start < positions.end {
        let block = start..positions.end.min(start.saturating_add(ARG_BLOCK));
        start = block.end;
        let seed = found.map_or(worst, |(_, best)| best);
        let block_best = input.fold(block.clone(), seed, |m, item| {
            let value = key(item);
            if better(value, m) {
                value
            } else {
                m
            }
        });
        if found.is_some_and(|(_, best)| !better(block_best, best)) {
            continue;
        }
        // `k == k`: a NaN key is no candidate (it is "not worse" than anything).
        #[allow(clippy::eq_op)]
        let candidate = |k: T| !better(block_best, k) && k == k;
        found = input.fold_indexed(block, None, |hit, index, item| {
            hit.or_else(|| candidate(key(item)).then_some((index, block_best)))
        });
    }
    found
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// The serial loop's answer: the first index of the largest key.
    fn first_max(keys: &[i32]) -> Option<usize> {
        let mut best: Option<usize> = None;
        for (i, &k) in keys.iter().enumerate() {
            if best.map_or(true, |b| k > keys[b]) {
                best = Some(i);
            }
        }
        best
    }

    #[test]
    fn argmax_blocks_keep_the_first_of_ties() {
        let pool = Pool::new(2).unwrap();
        let n = 3 * ARG_BLOCK + 17;
        let cases: Vec<Vec<i32>> = vec![
            vec![i32::MIN; n],
            (0..n as i32).collect(),
            (0..n as i32).rev().collect(),
            (0..n).map(|i| (i % 1000) as i32).collect(),
            (0..n)
                .map(|i| i32::from(i == ARG_BLOCK + 5 || i == 2 * ARG_BLOCK))
                .collect(),
        ];
        for keys in &cases {
            for schedule in [Schedule::Static, Schedule::Dynamic(100), Schedule::Auto] {
                let got = argmax(&pool, &keys[..], schedule, |&k| k);
                assert_eq!(got, first_max(keys), "{schedule:?}");
                let got = argmin(&pool, &keys[..], schedule, |&k| -(k as i64));
                assert_eq!(got, first_max(keys), "{schedule:?}");
            }
        }
    }
}
