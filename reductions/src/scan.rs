//! Prefix sums with any associative operator (OpenMP 5's `scan`, TBB's `parallel_scan`).
//!
//! # Design
//!
//! Two passes over fixed blocks, the same blocks as the deterministic reductions:
//!
//! 1. The positions `0..len` are cut into blocks of [`BLOCK_LEN`](crate::BLOCK_LEN) items (the
//!    last may be shorter), independent of the thread count. The schedule distributes blocks;
//!    each block is folded from the identity in index order into its total (reads only).
//! 2. On the caller, the block totals are scanned serially, in block order, into each block's
//!    offset: `offset[0] = identity`, `offset[k + 1] = op(offset[k], total[k])`.
//! 3. The schedule distributes blocks again; each block is scanned from its offset in index
//!    order, reading the input and writing the output once.
//!
//! Every step depends on the length only, so the results are bit-identical for every thread
//! count, schedule and run, floating point included. Only associativity is needed (the order
//! of the operands is kept), so non-commutative operators work.
//!
//! Against a serial loop (one read and one write of every item), steps 1 and 3 as two loops
//! read every item twice: 1.5 times the bytes, which a memory-bound scan pays in time. Under
//! `Schedule::Static` the steps are fused instead: one region works through the blocks in
//! rounds of about 512 KiB per team thread; in each round every thread folds its blocks, the
//! team meets at a barrier, and every thread rescans its blocks while they are still in its
//! cache, computing their offsets from the round's carry and the totals of the blocks before
//! them, in block order (the same left fold as step 2, so the same bits). The items then cross
//! the memory bus once for reading, as in the serial loop, for one barrier per round. The
//! other schedules run the two loops (balancing blocks of uneven cost, such as an expensive
//! operator on some items).
//!
//! The results differ from a serial left fold in rounding only: a serial loop adds item by
//! item, the blocks add a block's running sum to the sum of the blocks before it.

use crate::deterministic::BLOCK_LEN;
use crate::num::Num;
use std::ops::Range;
use std::sync::{Mutex, OnceLock};
use workshare_parfor::{for_each_mut_chunk, Pool, Schedule};

/// Writes the inclusive prefix "sums" of `input` under `op` into `output`:
/// `output[i] = op(...op(op(identity, input[0]), input[1])..., input[i])` (up to the grouping
/// of the operations, which is fixed: see below), on the team of `pool`.
///
/// `op` must be associative and `identity` must leave any value unchanged on either side. The
/// result is bit-identical for every thread count, schedule and run, also for floating point:
/// the input is cut into fixed blocks of [`BLOCK_LEN`](crate::BLOCK_LEN) items; each block's
/// total is folded, the totals are scanned serially into offsets, and each block is scanned
/// from its offset. `schedule` distributes the blocks (a chunk size counts blocks).
/// `Schedule::Static` fuses the two passes into cache-sized rounds, so the input is read from
/// memory once (the choice for memory-bound scans); the others balance blocks of uneven cost
/// but read the input twice.
///
/// # Panics
///
/// With `workshare: scan_inclusive: input has length N but the output has length M` (at the
/// caller's line, before anything runs) when the lengths differ; with a message starting
/// `workshare: chunk size must be at least 1` for a zero chunk size. A panic in `op` resumes on
/// the caller; the pool stays usable.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{scan_inclusive, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// let input: Vec<u64> = (1..=100_000).collect();
/// let mut sums = vec![0; input.len()];
/// scan_inclusive(&pool, &input, &mut sums, Schedule::Static, 0, |a, b| a + b);
/// assert_eq!(sums[3], 1 + 2 + 3 + 4);
/// assert_eq!(sums[99_999], 100_000 * 100_001 / 2);
///
/// // Floating point: the same bits with any team and schedule.
/// let x: Vec<f64> = (0..50_000).map(|i| 1.0 / (1.0 + i as f64)).collect();
/// let scan = |threads, schedule| {
///     let pool = Pool::new(threads).unwrap();
///     let mut out = vec![0.0; x.len()];
///     scan_inclusive(&pool, &x, &mut out, schedule, 0.0, |a, b| a + b);
///     out
/// };
/// let (one, three) = (scan(1, Schedule::Static), scan(3, Schedule::Dynamic(2)));
/// assert!(one.iter().zip(&three).all(|(a, b)| a.to_bits() == b.to_bits()));
/// # Ok::<(), workshare::Error>(())
/// ```
#[track_caller]
pub fn scan_inclusive<T, Op>(
    pool: &Pool,
    input: &[T],
    output: &mut [T],
    schedule: Schedule,
    identity: T,
    op: Op,
) where
    T: Clone + Send + Sync,
    Op: Fn(T, T) -> T + Sync,
{
    let schedule = schedule.resolved();
    check_lengths("scan_inclusive", input.len(), output.len());
    let fold = |block: usize, _: &mut [T]| fold_block(block_of(input, block), &identity, &op);
    scan_with(
        pool,
        output,
        schedule,
        &identity,
        &op,
        fold,
        |block, out, mut acc| {
            for (o, x) in out.iter_mut().zip(block_of(input, block)) {
                acc = op(acc, x.clone());
                *o = acc.clone();
            }
        },
    );
}

/// Writes the exclusive prefix "sums" of `input` under `op` into `output`:
/// `output[0] = identity` and `output[i] = op(...op(identity, input[0])..., input[i - 1])`,
/// on the team of `pool`. Bit-identical for every thread count, schedule and run, as
/// [`scan_inclusive`], whose requirements and panics it shares (with `scan_exclusive` in the
/// message).
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{scan_exclusive, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// // Where each variable-length record starts in a packed buffer.
/// let lengths = [3usize, 0, 5, 2];
/// let mut starts = [0; 4];
/// scan_exclusive(&pool, &lengths, &mut starts, Schedule::Auto, 0, |a, b| a + b);
/// assert_eq!(starts, [0, 3, 3, 8]);
/// # Ok::<(), workshare::Error>(())
/// ```
#[track_caller]
pub fn scan_exclusive<T, Op>(
    pool: &Pool,
    input: &[T],
    output: &mut [T],
    schedule: Schedule,
    identity: T,
    op: Op,
) where
    T: Clone + Send + Sync,
    Op: Fn(T, T) -> T + Sync,
{
    let schedule = schedule.resolved();
    check_lengths("scan_exclusive", input.len(), output.len());
    let fold = |block: usize, _: &mut [T]| fold_block(block_of(input, block), &identity, &op);
    scan_with(
        pool,
        output,
        schedule,
        &identity,
        &op,
        fold,
        |block, out, mut acc| {
            for (o, x) in out.iter_mut().zip(block_of(input, block)) {
                let next = op(acc.clone(), x.clone());
                *o = std::mem::replace(&mut acc, next);
            }
        },
    );
}

/// [`scan_inclusive`] in place: replaces each `data[i]` by the inclusive prefix "sum" of
/// `data[..=i]`. Bit-identical to [`scan_inclusive`] of the same values.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{scan_inclusive_in_place, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// // Running maximum.
/// let mut data = [3, 1, 4, 1, 5, 9, 2, 6];
/// scan_inclusive_in_place(&pool, &mut data, Schedule::Static, i32::MIN, |a, b| a.max(b));
/// assert_eq!(data, [3, 3, 4, 4, 5, 9, 9, 9]);
/// # Ok::<(), workshare::Error>(())
/// ```
#[track_caller]
pub fn scan_inclusive_in_place<T, Op>(
    pool: &Pool,
    data: &mut [T],
    schedule: Schedule,
    identity: T,
    op: Op,
) where
    T: Clone + Send + Sync,
    Op: Fn(T, T) -> T + Sync,
{
    let schedule = schedule.resolved();
    let fold = |_, cells: &mut [T]| fold_block(cells, &identity, &op);
    scan_with(
        pool,
        data,
        schedule,
        &identity,
        &op,
        fold,
        |_, out, mut acc| {
            for o in out.iter_mut() {
                acc = op(acc, o.clone());
                *o = acc.clone();
            }
        },
    );
}

/// [`scan_exclusive`] in place: replaces each `data[i]` by the exclusive prefix "sum" of
/// `data[..i]` (`data[0]` by `identity`). Bit-identical to [`scan_exclusive`] of the same
/// values.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{scan_exclusive_in_place, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// let mut data = vec![1u32; 10_000];
/// scan_exclusive_in_place(&pool, &mut data, Schedule::Static, 0, |a, b| a + b);
/// assert!(data.iter().enumerate().all(|(i, &x)| x as usize == i));
/// # Ok::<(), workshare::Error>(())
/// ```
#[track_caller]
pub fn scan_exclusive_in_place<T, Op>(
    pool: &Pool,
    data: &mut [T],
    schedule: Schedule,
    identity: T,
    op: Op,
) where
    T: Clone + Send + Sync,
    Op: Fn(T, T) -> T + Sync,
{
    let schedule = schedule.resolved();
    let fold = |_, cells: &mut [T]| fold_block(cells, &identity, &op);
    scan_with(
        pool,
        data,
        schedule,
        &identity,
        &op,
        fold,
        |_, out, mut acc| {
            for o in out.iter_mut() {
                let next = op(acc.clone(), o.clone());
                *o = std::mem::replace(&mut acc, next);
            }
        },
    );
}

/// The inclusive prefix sums of `input` into `output` ([`scan_inclusive`] with `+` and
/// [`Num::ZERO`]): bit-identical for every thread count, schedule and run.
///
/// # Panics
///
/// As [`scan_inclusive`] (with `prefix_sum` in the message). Integer overflow panics in debug
/// builds and wraps in release builds, as `+` does.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{prefix_sum, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// let x = [0.5f32, 0.25, 0.125];
/// let mut running = [0.0; 3];
/// prefix_sum(&pool, &x, &mut running, Schedule::Auto);
/// assert_eq!(running, [0.5, 0.75, 0.875]);
/// # Ok::<(), workshare::Error>(())
/// ```
#[track_caller]
pub fn prefix_sum<T: Num>(pool: &Pool, input: &[T], output: &mut [T], schedule: Schedule) {
    let schedule = schedule.resolved();
    check_lengths("prefix_sum", input.len(), output.len());
    scan_inclusive(pool, input, output, schedule, T::ZERO, |a, b| a + b);
}

/// The items of block `block` of `items`.
#[inline]
fn block_of<T>(items: &[T], block: usize) -> &[T] {
    let start = block * BLOCK_LEN;
    &items[start..(start + BLOCK_LEN).min(items.len())]
}

/// A block's total: its items folded from the identity in index order.
#[inline]
fn fold_block<T: Clone, Op: Fn(T, T) -> T>(items: &[T], identity: &T, op: &Op) -> T {
    items.iter().fold(identity.clone(), |a, x| op(a, x.clone()))
}

/// How many blocks each team thread takes per round of the fused scan: about 512 KiB of
/// items, so that a thread's blocks are still in its caches when it rescans them (a private
/// L2 is 256 KiB to 2 MiB on current x86 and ARM server cores; the rest falls to a shared L3).
fn blocks_per_round<T>() -> usize {
    // The tests run many rounds on small inputs.
    if cfg!(test) {
        return 1;
    }
    (512 * 1024 / (BLOCK_LEN * std::mem::size_of::<T>().max(1))).max(1)
}

/// Runs a scan over the blocks of `out`: `total(block, cells)` folds a block (reading the
/// input, or `cells` for an in-place scan), `scan(block, cells, offset)` rescans it from its
/// offset. `Static` takes the fused path, every other schedule two loops.
fn scan_with<T, Op, Fold, Scan>(
    pool: &Pool,
    out: &mut [T],
    schedule: Schedule,
    identity: &T,
    op: &Op,
    total: Fold,
    scan: Scan,
) where
    T: Clone + Send + Sync,
    Op: Fn(T, T) -> T + Sync,
    Fold: Fn(usize, &mut [T]) -> T + Sync,
    Scan: Fn(usize, &mut [T], T) + Sync,
{
    // One `&mut` per block, handed out by the loops (safe splitting).
    let mut blocks: Vec<&mut [T]> = out.chunks_mut(BLOCK_LEN).collect();
    if schedule == Schedule::Static {
        return fused(pool, blocks, identity, op, total, scan);
    }
    // Step 1: the totals, one per block.
    let mut totals = vec![identity.clone(); blocks.len()];
    let mut pairs: Vec<(&mut T, &mut &mut [T])> = totals.iter_mut().zip(&mut blocks).collect();
    for_each_mut_chunk(pool, &mut pairs, schedule, |chunk, first, _ctx| {
        for (k, (t, cells)) in chunk.iter_mut().enumerate() {
            **t = total(first + k, cells);
        }
    });
    drop(pairs);
    // Step 2: the offsets, serially in block order.
    let mut acc = identity.clone();
    for t in totals.iter_mut() {
        let next = op(acc.clone(), std::mem::replace(t, acc));
        acc = next;
    }
    // Step 3: each block from its offset.
    for_each_mut_chunk(pool, &mut blocks, schedule, |chunk, first, _ctx| {
        for (k, cells) in chunk.iter_mut().enumerate() {
            scan(first + k, cells, totals[first + k].clone());
        }
    });
}

/// The fused scan, for `Schedule::Static`: one region; in rounds of [`blocks_per_round`]
/// blocks per team thread, each thread folds its blocks of the round, the team meets at a
/// barrier, and each thread rescans its blocks of the round, still in its cache, from their
/// offsets. So the items cross the memory bus once for reading, as in a serial loop, where the
/// two-loop form reads them twice.
///
/// The offsets are the same as in the two-loop form: every thread computes them from the
/// round's carry and the totals of the blocks before its own, as the same left fold over block
/// totals in block order, so the bits do not depend on the team or the rounds.
fn fused<T, Op, Fold, Scan>(
    pool: &Pool,
    blocks: Vec<&mut [T]>,
    identity: &T,
    op: &Op,
    total: Fold,
    scan: Scan,
) where
    T: Clone + Send + Sync,
    Op: Fn(T, T) -> T + Sync,
    Fold: Fn(usize, &mut [T]) -> T + Sync,
    Scan: Fn(usize, &mut [T], T) + Sync,
{
    let count = blocks.len();
    if count == 0 {
        return;
    }
    // Each block is locked once in each pass, by the one thread that owns it in its round:
    // never contended.
    let blocks: Vec<Mutex<&mut [T]>> = blocks.into_iter().map(Mutex::new).collect();
    let totals: Vec<OnceLock<T>> = (0..count).map(|_| OnceLock::new()).collect();
    let per_thread = blocks_per_round::<T>();
    pool.region(|team| {
        let (me, threads) = (team.thread_id(), team.team_size());
        let round_len = per_thread * threads;
        let mut carry = identity.clone();
        for round_start in (0..count).step_by(round_len) {
            let round = round_start..(round_start + round_len).min(count);
            let mine = share(round.clone(), threads, me);
            for k in mine.clone() {
                let mut cells = blocks[k].lock().unwrap_or_else(|e| e.into_inner());
                let _ = totals[k].set(total(k, &mut cells));
            }
            // Publishes this round's totals to the team (the barrier orders the writes
            // before every thread's reads after it).
            team.barrier();
            let total_of = |k: usize| totals[k].get().expect("a total set before the barrier");
            let mut acc = carry.clone();
            for k in round.start..mine.start {
                acc = op(acc, total_of(k).clone());
            }
            for k in mine.clone() {
                let mut cells = blocks[k].lock().unwrap_or_else(|e| e.into_inner());
                scan(k, &mut cells, acc.clone());
                acc = op(acc, total_of(k).clone());
            }
            for k in mine.end..round.end {
                acc = op(acc, total_of(k).clone());
            }
            carry = acc;
        }
    });
}

/// Part `part` of `range` cut into `parts` contiguous pieces whose lengths differ by at most
/// one.
fn share(range: Range<usize>, parts: usize, part: usize) -> Range<usize> {
    let (base, extra) = (range.len() / parts, range.len() % parts);
    let start = range.start + part * base + part.min(extra);
    start..start + base + usize::from(part < extra)
}

/// Panics, at the caller's line, unless the input and the output are equally long.
#[inline]
#[track_caller]
pub(crate) fn check_lengths(what: &str, input: usize, output: usize) {
    if input != output {
        mismatch(what, input, output);
    }
}

#[cold]
#[track_caller]
fn mismatch(what: &str, input: usize, output: usize) -> ! {
    panic!("workshare: {what}: input has length {input} but the output has length {output}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schedules() -> Vec<Schedule> {
        vec![
            Schedule::Auto,
            Schedule::Static,
            Schedule::StaticChunk(1),
            Schedule::StaticChunk(2),
            Schedule::Dynamic(1),
            Schedule::Guided(1),
            Schedule::Stealing,
        ]
    }

    fn thread_counts() -> Vec<usize> {
        if cfg!(miri) {
            vec![1, 3]
        } else {
            (1..=8).collect()
        }
    }

    fn sizes() -> Vec<usize> {
        if cfg!(miri) {
            vec![0, 1, BLOCK_LEN + 3]
        } else {
            vec![
                0,
                1,
                2,
                BLOCK_LEN - 1,
                BLOCK_LEN,
                BLOCK_LEN + 1,
                5 * BLOCK_LEN + 17,
            ]
        }
    }

    /// A non-commutative, associative operator that records which items went in and in which
    /// order: concatenation of ranges, merged when adjacent. An item folded twice, missed or
    /// out of order shows up as a range list other than `[0..=i]`.
    #[derive(Clone, Debug, PartialEq)]
    struct Span(Option<(usize, usize)>, bool);

    fn concat(a: Span, b: Span) -> Span {
        match (a.0, b.0) {
            (None, _) => Span(b.0, a.1 && b.1),
            (_, None) => Span(a.0, a.1 && b.1),
            (Some((s, e)), Some((s2, e2))) => Span(Some((s, e2)), a.1 && b.1 && e + 1 == s2),
        }
    }

    #[test]
    fn every_item_once_in_order_every_schedule_and_team() {
        for threads in thread_counts() {
            let pool = Pool::new(threads).unwrap();
            for n in sizes() {
                let input: Vec<Span> = (0..n).map(|i| Span(Some((i, i)), true)).collect();
                let id = Span(None, true);
                for schedule in schedules() {
                    let mut inc = vec![Span(None, false); n];
                    scan_inclusive(&pool, &input, &mut inc, schedule, id.clone(), concat);
                    let mut exc = vec![Span(None, false); n];
                    scan_exclusive(&pool, &input, &mut exc, schedule, id.clone(), concat);
                    for i in 0..n {
                        assert_eq!(inc[i], Span(Some((0, i)), true), "{schedule:?} {i}");
                        let before = (i > 0).then(|| (0, i - 1));
                        assert_eq!(exc[i], Span(before, true), "{schedule:?} {i}");
                    }
                    let mut in_place = input.clone();
                    scan_inclusive_in_place(&pool, &mut in_place, schedule, id.clone(), concat);
                    assert_eq!(in_place, inc);
                    let mut in_place = input.clone();
                    scan_exclusive_in_place(&pool, &mut in_place, schedule, id.clone(), concat);
                    assert_eq!(in_place, exc);
                }
            }
        }
    }

    #[test]
    fn float_bits_do_not_depend_on_team_or_schedule() {
        let n = if cfg!(miri) {
            BLOCK_LEN + 5
        } else {
            7 * BLOCK_LEN + 123
        };
        let x: Vec<f64> = (0..n)
            .map(|i| ((i * 7919) % 1000) as f64 / 3.0 - 100.0)
            .collect();
        let run = |threads, schedule| {
            let pool = Pool::new(threads).unwrap();
            let mut inc = vec![0.0; n];
            prefix_sum(&pool, &x, &mut inc, schedule);
            let mut exc = vec![0.0; n];
            scan_exclusive(&pool, &x, &mut exc, schedule, 0.0, |a, b| a + b);
            let bits = |v: Vec<f64>| v.into_iter().map(f64::to_bits).collect::<Vec<_>>();
            (bits(inc), bits(exc))
        };
        let expected = run(1, Schedule::Static);
        for threads in if cfg!(miri) { vec![2] } else { vec![2, 3, 8] } {
            for schedule in schedules() {
                assert!(run(threads, schedule) == expected, "{threads} {schedule:?}");
            }
        }
    }

    #[test]
    fn integer_sums_match_a_serial_loop() {
        let pool = Pool::new(3).unwrap();
        let n = if cfg!(miri) {
            2 * BLOCK_LEN + 1
        } else {
            10 * BLOCK_LEN + 7
        };
        let x: Vec<u64> = (0..n as u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9) >> 40)
            .collect();
        let mut out = vec![0; n];
        prefix_sum(&pool, &x, &mut out, Schedule::Static);
        let mut acc = 0;
        for (i, &v) in x.iter().enumerate() {
            acc += v;
            assert_eq!(out[i], acc);
        }
    }

    #[test]
    fn length_mismatch_panics_at_the_caller() {
        let pool = Pool::new(2).unwrap();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut out = [0u8; 2];
            scan_inclusive(
                &pool,
                &[1u8, 2, 3],
                &mut out,
                Schedule::Static,
                0,
                |a, b| a + b,
            );
        }));
        let message = caught.unwrap_err();
        let message = message.downcast_ref::<String>().unwrap();
        assert_eq!(
            message,
            "workshare: scan_inclusive: input has length 3 but the output has length 2"
        );
    }

    #[test]
    fn panics_in_the_operator_propagate() {
        let pool = Pool::new(3).unwrap();
        let n = 4 * BLOCK_LEN;
        let x = vec![1u32; n];
        let mut out = vec![0; n];
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            scan_inclusive(&pool, &x, &mut out, Schedule::Dynamic(1), 0, |a, b| {
                assert!(a < 3 * BLOCK_LEN as u32 / 2, "operator failed");
                a + b
            });
        }));
        assert!(caught.is_err());
        prefix_sum(&pool, &x, &mut out, Schedule::Static);
        assert_eq!(out[n - 1] as usize, n);
        // The fused path (`Static`): a panic in one thread's pass must not leave the others
        // waiting at the round's barrier.
        for threads in [1, 2, 3] {
            let pool = Pool::new(threads).unwrap();
            let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                scan_inclusive_in_place(&pool, &mut out, Schedule::Static, 0, |a, b| {
                    assert!(b != 3, "operator failed");
                    a + b
                });
            }));
            assert!(caught.is_err());
            out.iter_mut().for_each(|x| *x = 1);
            out[2 * BLOCK_LEN + 5] = 3;
        }
        out.fill(1);
        prefix_sum(&pool, &x, &mut out, Schedule::Static);
        assert_eq!(out[n - 1] as usize, n);
    }
}
