//! Reductions inside a running region: every team thread folds its share of a loop, and every
//! team thread receives the result (OpenMP's `for reduction(..)` inside `parallel`).
//!
//! The loop is a team loop without its barrier ([`team_for_each_chunk_nowait`]); the partial
//! results meet in one collective of the team ([`Team::reduce`], or [`Team::gather`] for the
//! deterministic forms), which is the only synchronization.

use crate::deterministic::{block_positions, in_block_order, tree_combine, BLOCK_LEN};
use crate::input::Input;
use crate::num::Num;
use workshare_parfor::{
    team_for_each_chunk_nowait, team_for_each_mut_chunk, Schedule, SliceHandle, Team,
};

/// Reduces `input` inside a running region: this thread folds its share (under `schedule`,
/// as [`team_for_each_chunk`](workshare_parfor::team_for_each_chunk) shares it) from
/// `identity()` with `fold`, then the team's partial results are combined in thread order
/// with `combine`, and every team thread returns the result.
///
/// Every team thread must call it with the same input and schedule. The grouping of the
/// folds follows the chunks, so floating-point results may differ in the last bits between
/// schedules and team sizes; [`team_reduce_deterministic`] does not.
///
/// # Panics
///
/// As [`Team::reduce`]; a panic in `fold` or `combine` reaches every team thread and the
/// region's caller.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{team_reduce, Pool, Schedule};
/// let pool = Pool::new(3)?;
/// let words = ["a", "bbb", "cc"];
/// pool.region(|team| {
///     let longest = team_reduce(team, &words[..], Schedule::Dynamic(1),
///         || 0, |m, w| m.max(w.len()), usize::max);
///     assert_eq!(longest, 3); // on every thread
/// });
/// # Ok::<(), workshare::Error>(())
/// ```
pub fn team_reduce<I, T, Id, F, C>(
    team: &Team<'_>,
    input: I,
    schedule: Schedule,
    identity: Id,
    fold: F,
    combine: C,
) -> T
where
    I: Input,
    T: Send + Clone + 'static,
    Id: Fn() -> T,
    F: Fn(T, I::Item) -> T,
    C: FnMut(T, T) -> T,
{
    let mut acc = Some(identity());
    team_for_each_chunk_nowait(team, 0..input.len(), schedule, |positions, _| {
        let folded = input.fold(positions, acc.take().unwrap_or_else(&identity), &fold);
        acc = Some(folded);
    });
    team.reduce(acc.unwrap_or_else(identity), combine)
}

/// The sum of `f(item)` over `input` inside a running region, on every team thread. Like
/// [`team_reduce`] with `+`.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{team_sum, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// let x: Vec<i64> = (1..=100).collect();
/// pool.region(|team| {
///     assert_eq!(team_sum(team, &x[..], Schedule::Static, |&v| v), 5050);
/// });
/// # Ok::<(), workshare::Error>(())
/// ```
pub fn team_sum<I, T, F>(team: &Team<'_>, input: I, schedule: Schedule, f: F) -> T
where
    I: Input,
    T: Num,
    F: Fn(I::Item) -> T,
{
    team_reduce(
        team,
        input,
        schedule,
        || T::ZERO,
        |a, item| a + f(item),
        |a, b| a + b,
    )
}

/// Like [`team_reduce`], but bit-identical for every team size, schedule and run, and equal to
/// [`reduce_deterministic`](crate::reduce_deterministic) on a pool: fixed blocks of
/// [`BLOCK_LEN`] items, each folded in index order, combined in a fixed tree on thread 0, the
/// result handed to every team thread. `combine` need only be associative; the schedule
/// distributes blocks.
///
/// # Panics
///
/// As [`team_reduce`].
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{team_reduce_deterministic, Pool, Schedule};
/// let x: Vec<f64> = (0..10_000).map(|i| 1.0 / (1.0 + i as f64)).collect();
/// let run = |threads, schedule| {
///     let pool = Pool::new(threads).unwrap();
///     let sums = std::sync::Mutex::new(Vec::new());
///     pool.region(|team| {
///         let s = team_reduce_deterministic(team, &x[..], schedule,
///             || 0.0, |a, &v| a + v, |a, b| a + b);
///         sums.lock().unwrap().push(s.to_bits());
///     });
///     sums.into_inner().unwrap()
/// };
/// let one = run(1, Schedule::Static);
/// // Every thread of every team gets the same bits.
/// assert!(run(3, Schedule::Dynamic(1)).iter().all(|&bits| bits == one[0]));
/// # Ok::<(), workshare::Error>(())
/// ```
pub fn team_reduce_deterministic<I, T, Id, F, C>(
    team: &Team<'_>,
    input: I,
    schedule: Schedule,
    identity: Id,
    fold: F,
    combine: C,
) -> T
where
    I: Input,
    T: Send + Clone + 'static,
    Id: Fn() -> T,
    F: Fn(T, I::Item) -> T,
    C: Fn(T, T) -> T,
{
    let len = input.len();
    let blocks = len.div_ceil(BLOCK_LEN);
    let mut partials = Vec::new();
    team_for_each_chunk_nowait(team, 0..blocks, schedule, |block_range, _| {
        for block in block_range {
            let positions = block_positions(block, len);
            partials.push((block, input.fold(positions, identity(), &fold)));
        }
    });
    team.gather(partials, |all| {
        let ordered = in_block_order(all.into_iter().flatten(), blocks);
        tree_combine(ordered, &combine).unwrap_or_else(&identity)
    })
}

/// The sum of `f(item)` inside a running region, bit-identical for every team size, schedule
/// and run, and equal to [`sum_deterministic`](crate::sum_deterministic) on a pool.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{sum_deterministic, team_sum_deterministic, Pool, Schedule};
/// let f = |i: usize| (i as f64).sqrt();
/// let pool = Pool::new(3)?;
/// let expected = sum_deterministic(&pool, 0..50_000, Schedule::Static, f);
/// pool.region(|team| {
///     let s = team_sum_deterministic(team, 0..50_000, Schedule::Guided(1), f);
///     assert_eq!(s.to_bits(), expected.to_bits());
/// });
/// # Ok::<(), workshare::Error>(())
/// ```
pub fn team_sum_deterministic<I, T, F>(team: &Team<'_>, input: I, schedule: Schedule, f: F) -> T
where
    I: Input,
    T: Num,
    F: Fn(I::Item) -> T,
{
    team_reduce_deterministic(
        team,
        input,
        schedule,
        || T::ZERO,
        |a, item| a + f(item),
        |a, b| a + b,
    )
}

/// Writes the inclusive prefix "sums" of `input` under the associative `op` into the slice of
/// `out`, inside a running region: `out[i] = input[0] op input[1] op ... op input[i]`. Every
/// team thread must call it with the same arguments; the output is complete, and visible to
/// every thread, when it returns.
///
/// Two passes over fixed blocks of [`BLOCK_LEN`] items: the team folds each block's total, thread
/// 0 folds the totals in block order into each block's starting value (a collective), and the
/// team writes every block from its starting value. The grouping depends on the length alone,
/// so the output has the same bits for every team size, schedule and run (floating point
/// too); with an exact operator (integers) it equals the serial scan. `op` need only be
/// associative; the schedule distributes blocks in the first pass and items in the second.
///
/// # Panics
///
/// On every team thread, with `workshare: ...`, when `input` and `out` differ in length; as
/// [`team_reduce`] and [`team_for_each_mut_chunk`] otherwise.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{team_scan_inclusive, Pool, Schedule};
/// use workshare::parfor::RegionSlice;
/// let pool = Pool::new(3)?;
/// let x: Vec<u64> = (1..=10).collect();
/// let mut sums = vec![0u64; 10];
/// let out = RegionSlice::new(&mut sums);
/// pool.region(|team| {
///     let mut out = out.take(team);
///     team_scan_inclusive(team, &x, &mut out, Schedule::Static, || 0, |a, b| a + b);
///     assert_eq!(out.read()[9], 55); // every thread sees the whole output
/// });
/// drop(out);
/// assert_eq!(sums[..4], [1, 3, 6, 10]);
/// # Ok::<(), workshare::Error>(())
/// ```
pub fn team_scan_inclusive<T, Id, Op>(
    team: &Team<'_>,
    input: &[T],
    out: &mut SliceHandle<'_, T>,
    schedule: Schedule,
    identity: Id,
    op: Op,
) where
    T: Clone + Send + Sync + 'static,
    Id: Fn() -> T,
    Op: Fn(T, T) -> T,
{
    scan(team, input, out, schedule, &identity, &op, true);
}

/// Like [`team_scan_inclusive`], but `out[i]` combines the items *before* `i`:
/// `out[0] = identity()`, `out[i] = input[0] op ... op input[i - 1]`.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{team_scan_exclusive, Pool, Schedule};
/// use workshare::parfor::RegionSlice;
/// let pool = Pool::new(2)?;
/// let counts = [3usize, 1, 4, 1, 5];
/// let mut starts = vec![0usize; 5];
/// let out = RegionSlice::new(&mut starts);
/// pool.region(|team| {
///     let mut out = out.take(team);
///     team_scan_exclusive(team, &counts, &mut out, Schedule::Dynamic(2), || 0, |a, b| a + b);
/// });
/// drop(out);
/// assert_eq!(starts, [0, 3, 4, 8, 9]);
/// # Ok::<(), workshare::Error>(())
/// ```
pub fn team_scan_exclusive<T, Id, Op>(
    team: &Team<'_>,
    input: &[T],
    out: &mut SliceHandle<'_, T>,
    schedule: Schedule,
    identity: Id,
    op: Op,
) where
    T: Clone + Send + Sync + 'static,
    Id: Fn() -> T,
    Op: Fn(T, T) -> T,
{
    scan(team, input, out, schedule, &identity, &op, false);
}

/// The two passes of [`team_scan_inclusive`] and [`team_scan_exclusive`].
fn scan<T: Clone + Send + Sync + 'static>(
    team: &Team<'_>,
    input: &[T],
    out: &mut SliceHandle<'_, T>,
    schedule: Schedule,
    identity: &dyn Fn() -> T,
    op: &dyn Fn(T, T) -> T,
    inclusive: bool,
) {
    let len = input.len();
    assert!(
        out.len() == len,
        "workshare: scan of {len} items into a slice of {}",
        out.len()
    );
    let fold = |acc: T, items: &[T]| items.iter().cloned().fold(acc, op);
    // Pass 1: every block's total.
    let blocks = len.div_ceil(BLOCK_LEN);
    let mut totals = Vec::new();
    team_for_each_chunk_nowait(team, 0..blocks, schedule, |block_range, _| {
        for block in block_range {
            totals.push((block, fold(identity(), &input[block_positions(block, len)])));
        }
    });
    // Each block's starting value, folded in block order on thread 0, for every thread.
    let starts: Vec<T> = team.gather(totals, |all| {
        let mut start = identity();
        let mut starts = Vec::with_capacity(blocks);
        for total in in_block_order(all.into_iter().flatten(), blocks) {
            starts.push(start.clone());
            start = op(start, total);
        }
        starts
    });
    // Pass 2: each position from its block's start and the block's items before it, in index
    // order, so chunk boundaries do not change the grouping.
    team_for_each_mut_chunk(out, schedule, |chunk, offset, _| {
        let block = offset / BLOCK_LEN;
        let block_start = block * BLOCK_LEN;
        let mut acc = fold(starts[block].clone(), &input[block_start..offset]);
        for (k, slot) in chunk.iter_mut().enumerate() {
            let i = offset + k;
            if i % BLOCK_LEN == 0 {
                acc = starts[i / BLOCK_LEN].clone();
            }
            let next = op(acc.clone(), input[i].clone());
            *slot = if inclusive { next.clone() } else { acc };
            acc = next;
        }
    });
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::{sum_deterministic, Pool};

    /// Team sizes to test (fewer under Miri, which is slow).
    fn thread_counts() -> Vec<usize> {
        if cfg!(miri) {
            vec![1, 3]
        } else {
            (1..=8).collect()
        }
    }

    const SCHEDULES: [Schedule; 6] = [
        Schedule::Static,
        Schedule::StaticChunk(2),
        Schedule::Dynamic(1),
        Schedule::Guided(3),
        Schedule::Stealing,
        Schedule::Auto,
    ];

    #[test]
    fn team_sums_are_exact_for_every_team_and_schedule() {
        for threads in thread_counts() {
            let pool = Pool::new(threads).unwrap();
            let lens: &[usize] = if cfg!(miri) {
                &[0, 17]
            } else {
                &[0, 1, 17, 5000]
            };
            for &len in lens {
                for schedule in SCHEDULES {
                    pool.region(|team| {
                        let s: u64 = team_sum(team, 0..len, schedule, |i| i as u64);
                        assert_eq!(s, (len as u64 * len.saturating_sub(1) as u64) / 2);
                        let items = team_reduce(
                            team,
                            0..len,
                            schedule,
                            Vec::new,
                            |mut v, i| {
                                v.push(i);
                                v
                            },
                            |mut a, b| {
                                a.extend(b);
                                a
                            },
                        );
                        let mut sorted = items.clone();
                        sorted.sort_unstable();
                        assert_eq!(sorted, (0..len).collect::<Vec<_>>(), "exactly once");
                    });
                }
            }
        }
    }

    #[test]
    fn deterministic_team_sums_match_the_pool_form_bit_for_bit() {
        let len = if cfg!(miri) {
            BLOCK_LEN + 3
        } else {
            3 * BLOCK_LEN + 123
        };
        let x: Vec<f64> = (0..len)
            .map(|i| ((i * 7919) % 1000) as f64 * 1e-3 + 1.0 / (1.0 + i as f64))
            .collect();
        let expected = sum_deterministic(&Pool::new(1).unwrap(), &x[..], Schedule::Static, |&v| v);
        for threads in thread_counts() {
            let pool = Pool::new(threads).unwrap();
            for schedule in SCHEDULES {
                pool.region(|team| {
                    let s = team_sum_deterministic(team, &x[..], schedule, |&v| v);
                    assert_eq!(s.to_bits(), expected.to_bits(), "{threads} {schedule:?}");
                });
            }
        }
    }

    #[test]
    fn a_panic_in_fold_reaches_the_caller() {
        let pool = Pool::new(3).unwrap();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool.region(|team| {
                team_sum(team, 0..100, Schedule::Dynamic(1), |i| {
                    assert_ne!(i, 42);
                    1u32
                });
            })
        }));
        assert!(caught.is_err());
        pool.region(|team| assert_eq!(team_sum(team, 0..10, Schedule::Static, |_| 1u8), 10));
    }

    #[test]
    fn team_scans_equal_the_serial_scan_and_have_the_same_bits_for_every_team() {
        let len = if cfg!(miri) {
            BLOCK_LEN + 5
        } else {
            2 * BLOCK_LEN + 77
        };
        let ints: Vec<u64> = (0..len as u64).map(|i| i * 7 % 13).collect();
        let serial: Vec<u64> = ints
            .iter()
            .scan(0, |acc, &x| {
                *acc += x;
                Some(*acc)
            })
            .collect();
        let floats: Vec<f64> = (0..len).map(|i| 1.0 / (1.0 + i as f64)).collect();
        let mut reference: Option<Vec<u64>> = None;
        // Under Miri (slow): two teams, two schedules, the long input only.
        let threads = if cfg!(miri) {
            vec![1, 2]
        } else {
            thread_counts()
        };
        let schedules: &[Schedule] = if cfg!(miri) {
            &[Schedule::Static, Schedule::Guided(64)]
        } else {
            &SCHEDULES
        };
        let lens: &[usize] = if cfg!(miri) { &[len] } else { &[0, 1, len] };
        for threads in threads {
            let pool = Pool::new(threads).unwrap();
            for &schedule in schedules {
                for &n in lens {
                    let (mut incl, mut excl) = (vec![u64::MAX; n], vec![u64::MAX; n]);
                    let mut fl = vec![f64::NAN; n];
                    let (si, se, sf) = (
                        workshare_parfor::RegionSlice::new(&mut incl),
                        workshare_parfor::RegionSlice::new(&mut excl),
                        workshare_parfor::RegionSlice::new(&mut fl),
                    );
                    pool.region(|team| {
                        let (mut hi, mut he, mut hf) =
                            (si.take(team), se.take(team), sf.take(team));
                        let add = |a: u64, b: u64| a + b;
                        team_scan_inclusive(team, &ints[..n], &mut hi, schedule, || 0, add);
                        team_scan_exclusive(team, &ints[..n], &mut he, schedule, || 0, add);
                        let addf = |a: f64, b: f64| a + b;
                        team_scan_inclusive(team, &floats[..n], &mut hf, schedule, || 0.0, addf);
                    });
                    assert_eq!(incl, serial[..n], "{threads} {schedule:?} {n}");
                    let shifted: Vec<u64> = (0..n)
                        .map(|i| if i == 0 { 0 } else { serial[i - 1] })
                        .collect();
                    assert_eq!(excl, shifted, "{threads} {schedule:?} {n}");
                    if n == len {
                        let bits: Vec<u64> = fl.iter().map(|x| x.to_bits()).collect();
                        match &reference {
                            None => reference = Some(bits),
                            Some(first) => assert_eq!(&bits, first, "{threads} {schedule:?}"),
                        }
                    }
                }
            }
        }
    }
}
