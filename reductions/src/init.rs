//! Loops with per-thread state.

use crate::input::Input;
use crate::slots::Slots;
use workshare_parfor::{Pool, Schedule};

/// Runs `body(state, item)` for every item of `input` in parallel, where `state` (`&mut S`)
/// belongs to the running thread, and returns the states in thread order.
///
/// `init(thread_id)` runs exactly once per participating team thread (a share of the loop), on
/// the thread that runs that share, before its first item: unlike rayon's `for_each_init`, not
/// once per chunk. A thread that gets no items
/// makes no state, so the result has at most [`pool.size()`](Pool::size) states. Combine them
/// with the iterator methods of `Vec`.
///
/// # Panics
///
/// On the schedule's errors; a panic in `init` or `body` propagates to the caller.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } pub mod parfor { pub use workshare_parfor::*; } pub mod reductions { pub use workshare_reductions::*; } }
/// use workshare::reductions::{for_each_init, Pool, Schedule};
/// let pool = Pool::new(2)?;
/// // A histogram per thread, merged afterwards: no atomics in the loop.
/// let data: Vec<u8> = (0..1000).map(|i| (i % 4) as u8).collect();
/// let histograms = for_each_init(&pool, &data[..], Schedule::Dynamic(100), |_| [0u32; 4], |h, &x| {
///     h[x as usize] += 1;
/// });
/// assert!(!histograms.is_empty() && histograms.len() <= 2);
/// let merged = histograms.iter().fold([0; 4], |mut acc, h| {
///     acc.iter_mut().zip(h).for_each(|(a, b)| *a += b);
///     acc
/// });
/// assert_eq!(merged, [250; 4]);
/// # Ok::<(), workshare::Error>(())
/// ```
#[must_use]
#[track_caller]
pub fn for_each_init<I, S, Init, F>(
    pool: &Pool,
    input: I,
    schedule: Schedule,
    init: Init,
    body: F,
) -> Vec<S>
where
    I: Input,
    S: Send,
    Init: Fn(usize) -> S + Sync,
    F: Fn(&mut S, I::Item) + Sync,
{
    let schedule = schedule.resolved();
    let mut states: Slots<Option<S>> = Slots::from_fn(pool, |_| None);
    let len = input.len();
    states.run(
        pool,
        0..len,
        schedule,
        move |state, positions, thread_id| {
            let state = state.get_or_insert_with(|| init(thread_id));
            input.fold(positions, (), |(), item| body(state, item));
        },
    );
    states.into_iter().flatten().collect()
}
