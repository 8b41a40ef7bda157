//! A small library built on [workshare], written so that [loom] can model-check it: the example
//! crate of workshare's loom guide (`docs/loom.md`, `workshare::guide::loom`).
//!
//! Its functions use workshare's global-pool functions ([`workshare::parfor::global::for_each`],
//! [`workshare::reductions::global::sum`], [`workshare::region`]), so they run on the pool that
//! the caller installs with [`Pool::install`](workshare::Pool::install), and on the global pool
//! otherwise. Its own shared state (atomic counters, per-thread slots behind an `UnsafeCell`)
//! comes from a small private `sync` module: loom's types under `RUSTFLAGS="--cfg loom"`, `std`'s
//! otherwise. The models are in `tests/loom.rs`; without `cfg(loom)` they run once each, as plain
//! tests.
//!
//! [workshare]: https://docs.rs/workshare
//! [loom]: https://docs.rs/loom
//!
//! # Examples
//!
//! ```
//! use workshare::Pool;
//! use workshare_loom_user::{blockwise_sum, total};
//! let pool = Pool::new(2)?;
//! let data: Vec<u64> = (1..=100).collect();
//! assert_eq!(pool.install(|| total(&data)), 5050);
//! assert_eq!(pool.install(|| blockwise_sum(&data)), 5050);
//! # Ok::<(), workshare::Error>(())
//! ```

mod sync;

use std::ops::Range;
use sync::{AtomicUsize, Ordering, UnsafeCell};
use workshare::reductions::{global, Schedule};

/// The sum of `data`, on the current pool: [`workshare::reductions::global::sum`] with
/// [`Schedule::Auto`].
///
/// # Examples
///
/// ```
/// assert_eq!(workshare_loom_user::total(&[1, 2, 3]), 6);
/// ```
pub fn total(data: &[u64]) -> u64 {
    global::sum(data, Schedule::Auto, |&x| x)
}

/// The sum of `data`, from one partial sum per team thread of a region of the current pool:
/// each team thread adds up its own contiguous block of `data` into its own slot, and the
/// caller adds the slots up after the region's join.
///
/// # Examples
///
/// ```
/// let pool = workshare::Pool::new(2)?;
/// assert_eq!(pool.install(|| workshare_loom_user::blockwise_sum(&[1, 2, 3])), 6);
/// # Ok::<(), workshare::Error>(())
/// ```
pub fn blockwise_sum(data: &[u64]) -> u64 {
    // A team has at most the current pool's `num_threads` threads.
    let slots = PartialSums::new(workshare::num_threads());
    workshare::region(|team| {
        let (me, threads) = (team.thread_id(), team.team_size());
        let partial = data[block(data.len(), threads, me)].iter().sum();
        // SAFETY: `me` is this thread's id in the team, and each team thread has its own id:
        // no other thread writes slot `me` during the region, and nobody reads it before the
        // region's join (`into_total`).
        unsafe { slots.set(me, partial) };
    });
    slots.into_total()
}

/// Block `me` of `threads` nearly equal contiguous blocks of `0..len`.
fn block(len: usize, threads: usize, me: usize) -> Range<usize> {
    let (base, extra) = (len / threads, len % threads);
    let start = me * base + me.min(extra);
    start..start + base + usize::from(me < extra)
}

/// One partial sum per team thread.
struct PartialSums(Vec<UnsafeCell<u64>>);

// SAFETY: the slots are written only through `set`, whose contract gives each slot one writer
// at a time and no concurrent reader; `into_total` takes the value by value.
unsafe impl Sync for PartialSums {}

impl PartialSums {
    /// `threads` slots holding 0.
    fn new(threads: usize) -> Self {
        Self((0..threads).map(|_| UnsafeCell::new(0)).collect())
    }

    /// Writes `value` into slot `me`.
    ///
    /// # Safety
    ///
    /// No other thread accesses slot `me` until this call returns.
    unsafe fn set(&self, me: usize, value: u64) {
        // SAFETY: the caller's contract: this thread alone accesses slot `me` now.
        self.0[me].with_mut(|slot| unsafe { *slot = value });
    }

    /// The sum of the slots.
    fn into_total(self) -> u64 {
        self.0.into_iter().map(UnsafeCell::into_inner).sum()
    }
}

/// A histogram: how many of the values added fell into each bin (value modulo the number of
/// bins), counted in parallel with atomic counters.
///
/// # Examples
///
/// ```
/// let histogram = workshare_loom_user::Histogram::new(2);
/// histogram.add_all(&[0, 1, 3]);
/// assert_eq!(histogram.counts(), [1, 2]);
/// ```
#[derive(Debug)]
pub struct Histogram {
    bins: Box<[AtomicUsize]>,
}

impl Histogram {
    /// A histogram of `bins` empty bins.
    ///
    /// # Panics
    ///
    /// When `bins` is 0.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(workshare_loom_user::Histogram::new(3).counts(), [0, 0, 0]);
    /// ```
    #[track_caller]
    pub fn new(bins: usize) -> Self {
        assert!(bins > 0, "a histogram needs at least one bin");
        Self {
            bins: (0..bins).map(|_| AtomicUsize::new(0)).collect(),
        }
    }

    /// Counts every value of `values` into bin `value % bins`: a
    /// [`parfor::global::for_each`](workshare::parfor::global::for_each) (`Schedule::Auto`) on
    /// the current pool.
    ///
    /// # Examples
    ///
    /// ```
    /// let histogram = workshare_loom_user::Histogram::new(4);
    /// let values: Vec<usize> = (0..100).collect();
    /// histogram.add_all(&values);
    /// assert_eq!(histogram.counts(), [25; 4]);
    /// ```
    pub fn add_all(&self, values: &[usize]) {
        workshare::parfor::global::for_each(0..values.len(), Schedule::Auto, |i| {
            // Relaxed: a count; the loop's join orders every increment before `add_all`
            // returns.
            self.bins[values[i] % self.bins.len()].fetch_add(1, Ordering::Relaxed);
        });
    }

    /// The count of each bin.
    ///
    /// # Examples
    ///
    /// ```
    /// let histogram = workshare_loom_user::Histogram::new(2);
    /// histogram.add_all(&[5]);
    /// assert_eq!(histogram.counts(), [0, 1]);
    /// ```
    pub fn counts(&self) -> Vec<usize> {
        // Relaxed: every `add_all` joined its loop before returning.
        self.bins
            .iter()
            .map(|bin| bin.load(Ordering::Relaxed))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::block;

    #[test]
    fn blocks_cover_the_range_once() {
        for len in 0..20 {
            for threads in 1..5 {
                let blocks: Vec<_> = (0..threads).map(|me| block(len, threads, me)).collect();
                assert_eq!(blocks[0].start, 0);
                assert_eq!(blocks[threads - 1].end, len);
                assert!(blocks.windows(2).all(|w| w[0].end == w[1].start));
            }
        }
    }
}
