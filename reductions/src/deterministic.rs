//! Deterministic reductions: the same bits for every thread count and every schedule.
//!
//! # Design
//!
//! A floating-point sum depends on the order of its additions. The ordinary reductions fold
//! whatever chunks a thread happens to get, so their rounding depends on the thread count, the
//! schedule and the timing. Here the order is fixed by the input length alone:
//!
//! 1. The positions `0..len` are cut into blocks of [`BLOCK_LEN`] (the last may be shorter),
//!    independent of the thread count.
//! 2. The schedule distributes *blocks*; each block is folded from the identity in index order
//!    into one partial result, recorded with its block number in the running thread's slot.
//! 3. After the loop the partials are put in block order and combined as a fixed balanced tree:
//!    neighbours pairwise, level by level, an odd last one carried up unchanged.
//!
//! Steps 1 and 3 depend on `len` only, and step 2 computes each block the same way on any
//! thread, so the result is bit-identical across thread counts, schedules and runs. Only
//! associativity is needed (the tree keeps index order), so non-commutative operators work too.
//! The extra cost over an ordinary reduction is one partial per 4096 items.

use crate::input::Input;
use crate::num::Num;
use crate::slots::Slots;
use std::ops::Range;
use workshare_parfor::{Pool, Schedule};

/// The number of items per block of a deterministic reduction.
///
/// Large enough that the per-block bookkeeping (one push, one combine) is lost in the fold,
/// small enough that a 1e5-item input still has 25 blocks to spread over the threads.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// assert_eq!(workshare::reductions::BLOCK_LEN, 4096);
/// ```
pub const BLOCK_LEN: usize = 4096;

/// Like [`reduce`](crate::reduce), but bit-identical for every thread count, schedule and run:
/// fixed blocks of [`BLOCK_LEN`] items, each folded in index order, combined in a fixed tree.
/// `combine` need only be associative. The schedule distributes blocks, not items (a chunk
/// size counts blocks).
///
/// # Panics
///
/// As [`reduce`](crate::reduce).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{reduce_deterministic, Pool, Schedule};
/// let values: Vec<f64> = (0..10_000).map(|i| 1.0 / (1.0 + i as f64)).collect();
/// let sum_with = |threads, schedule| {
///     let pool = Pool::new(threads).unwrap();
///     reduce_deterministic(&pool, &values[..], schedule, || 0.0, |a, &x| a + x, |a, b| a + b)
/// };
/// let one = sum_with(1, Schedule::Static);
/// assert_eq!(one.to_bits(), sum_with(3, Schedule::Dynamic(1)).to_bits());
/// // Not commutative, only associative: string concatenation keeps index order.
/// let pool = Pool::new(2)?;
/// let text = reduce_deterministic(&pool, 0..5000, Schedule::Auto, String::new,
///     |mut s, i| { if i % 1000 == 0 { s.push_str(&(i / 1000).to_string()) } s },
///     |a, b| a + &b);
/// assert_eq!(text, "01234");
/// # Ok::<(), workshare::Error>(())
/// ```
#[must_use]
#[track_caller]
pub fn reduce_deterministic<I, T, Id, F, C>(
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
    C: Fn(T, T) -> T,
{
    let schedule = schedule.resolved();
    let len = input.len();
    let blocks = len.div_ceil(BLOCK_LEN); // mutant: boundary
    let mut partials: Slots<Vec<(usize, T)>> = Slots::new(pool);
    let identity_ref = &identity;
    // `move`: the input and the fold travel by value, into the loop's state.
    partials.for_each_chunk(pool, 0..blocks, schedule, move |out, block_range| {
        for block in block_range {
            out.push((
                block,
                input.fold(block_positions(block, len), identity_ref(), &fold),
            ));
        }
    });
    let ordered = in_block_order(partials.into_iter().flatten(), blocks);
    tree_combine(ordered, combine).unwrap_or_else(identity)
}

/// The sum of `f(item)`, bit-identical for every thread count, schedule and run (see
/// [`reduce_deterministic`]).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{sum_deterministic, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// let x = sum_deterministic(&pool, 0..100_000, Schedule::Guided(1), |i| (i as f64).sqrt());
/// let y = sum_deterministic(&pool, 0..100_000, Schedule::Static, |i| (i as f64).sqrt());
/// assert_eq!(x.to_bits(), y.to_bits());
/// # Ok::<(), workshare::Error>(())
/// ```
#[must_use]
#[track_caller]
pub fn sum_deterministic<I, T, F>(pool: &Pool, input: I, schedule: Schedule, f: F) -> T
where
    I: Input,
    T: Num,
    F: Fn(I::Item) -> T + Sync,
{
    let schedule = schedule.resolved();
    let add = |a: T, b: T| a + b;
    reduce_deterministic(
        pool,
        input,
        schedule,
        || T::ZERO,
        |a, item| a + f(item),
        add,
    )
}

/// The positions of block `block` of an input of `len` items.
#[inline]
pub(crate) fn block_positions(block: usize, len: usize) -> Range<usize> {
    block * BLOCK_LEN..((block + 1) * BLOCK_LEN).min(len) // mutant: boundary
}

/// Puts `(block, partial)` pairs in block order.
///
/// # Panics
///
/// If the pairs do not cover `0..blocks` exactly once (a broken schedule): `workshare: ...`.
pub(crate) fn in_block_order<T>(pairs: impl Iterator<Item = (usize, T)>, blocks: usize) -> Vec<T> {
    let mut ordered: Vec<Option<T>> = (0..blocks).map(|_| None).collect();
    for (block, partial) in pairs {
        let previous = ordered[block].replace(partial);
        assert!(previous.is_none(), "workshare: block {block} reduced twice");
    }
    ordered
        .into_iter()
        .enumerate()
        .map(|(block, partial)| {
            partial.unwrap_or_else(|| panic!("workshare: block {block} missed"))
        })
        .collect()
}

/// Combines `values` as a balanced tree whose shape depends on `values.len()` only: neighbours
/// pairwise, level by level, an odd last value carried up unchanged. `None` when empty.
pub(crate) fn tree_combine<T>(mut values: Vec<T>, combine: impl Fn(T, T) -> T) -> Option<T> {
    while values.len() > 1 {
        let mut level = Vec::with_capacity(values.len().div_ceil(2));
        let mut rest = values.into_iter();
        while let Some(left) = rest.next() {
            level.push(match rest.next() {
                Some(right) => combine(left, right),
                None => left,
            });
        }
        values = level;
    }
    values.pop()
}
