//! Opt-in per-region statistics: per team thread, the time spent in its share of each region,
//! and the chunks, iterations and steals that loops report through [`Team::record_work`].
//!
//! # Protocol
//!
//! Off by default ([`PoolBuilder::collect_stats`](crate::PoolBuilder::collect_stats),
//! [`Pool::set_collect_stats`](crate::Pool::set_collect_stats)). A region's owner decides once,
//! when it starts the region, whether the region is counted. If it is, the owner allocates one
//! padded cell per team thread and carries a pointer to them in the published job
//! (`RegionInfo::stats`), so that a region is counted by all its threads or by none. When it is
//! off, the only cost is the owner's one load of the flag per region.
//!
//! Each team thread writes only the cell of its team thread id, with `Relaxed` atomics; the
//! owner reads every cell after the region's join, whose Acquire makes every participant's
//! writes visible, and then:
//!
//! - keeps the region's figures as the *calling thread's* last region of this pool
//!   ([`Pool::last_region_stats`](crate::Pool::last_region_stats)): regions that other threads
//!   run at the same time, on the same pool, never mix into it;
//! - adds them to the pool's totals by team thread id
//!   ([`Pool::stats`](crate::Pool::stats)), under a lock: concurrent and nested regions all
//!   add up there, each once.
//!
//! [`Team::record_work`]: crate::Team::record_work

use crate::sync::{AtomicBool, AtomicU64, CachePadded, Mutex, Ordering};
use std::cell::RefCell;
use std::fmt;
use std::time::Duration;

/// Counters of one team thread in one region, each one atomic word.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    busy_ns: AtomicU64,
    regions: AtomicU64,
    chunks: AtomicU64,
    iterations: AtomicU64,
    steals: AtomicU64,
}

impl Counters {
    /// Adds `work`. Only the cell's team thread calls it.
    pub(crate) fn add(&self, work: &ThreadStats) {
        // Relaxed: only this cell's thread writes it; the owner reads it after the join.
        let add = |counter: &AtomicU64, value: u64| {
            if value != 0 {
                counter.fetch_add(value, Ordering::Relaxed);
            }
        };
        add(&self.busy_ns, duration_ns(work.busy));
        add(&self.regions, work.regions);
        add(&self.chunks, work.chunks);
        add(&self.iterations, work.iterations);
        add(&self.steals, work.steals);
    }

    fn read(&self) -> ThreadStats {
        ThreadStats {
            busy: Duration::from_nanos(self.busy_ns.load(Ordering::Relaxed)),
            regions: self.regions.load(Ordering::Relaxed),
            chunks: self.chunks.load(Ordering::Relaxed),
            iterations: self.iterations.load(Ordering::Relaxed),
            steals: self.steals.load(Ordering::Relaxed),
        }
    }
}

fn duration_ns(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// The cells of one counted region, one per team thread, owned by the region's owner.
pub(crate) type RegionCells = Box<[CachePadded<Counters>]>;

/// A region's cells as the job carries them to the workers (one per team thread): null when it
/// is not counted.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StatsRef {
    cells: *const CachePadded<Counters>,
}

// SAFETY: a `StatsRef` is dereferenced only by `cell`, whose contract keeps the cells alive,
// and the cells are atomics.
unsafe impl Send for StatsRef {}
// SAFETY: as for `Send`.
unsafe impl Sync for StatsRef {}

impl StatsRef {
    /// No statistics.
    pub(crate) const NONE: Self = Self {
        cells: std::ptr::null(),
    };

    /// Points at `cells`, or at nothing.
    pub(crate) fn new(cells: Option<&RegionCells>) -> Self {
        match cells {
            Some(cells) => Self {
                cells: cells.as_ptr(),
            },
            None => Self::NONE,
        }
    }

    /// Team thread `rank`'s cell, when the region is counted.
    ///
    /// # Safety
    /// `rank` is below the team size of the region the cells were made for (one cell per team
    /// thread), and the cells must be alive for `'a`: the owner keeps them until the region's
    /// join, so a team thread may use them until it finishes.
    pub(crate) unsafe fn cell<'a>(self, rank: usize) -> Option<&'a Counters> {
        if self.cells.is_null() {
            return None;
        }
        // SAFETY: `rank` is below the number of cells starting at `cells` (made from a live
        // slice in `new`), alive for `'a`: the caller's contract.
        Some(unsafe { &*self.cells.add(rank) })
    }
}

/// A unique id per pool (addresses can be reused once a pool is dropped).
fn next_pool_id() -> u64 {
    // Not a protocol: a counter that hands out distinct numbers.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// The last counted region each thread started, per pool: (pool id, reset count, figures).
const LAST_KEPT: usize = 8;
crate::sync::thread_local! {
    static LAST: RefCell<Vec<(u64, u64, Stats)>> = RefCell::new(Vec::new());
}

/// A pool's statistics switch and totals.
#[derive(Debug)]
pub(crate) struct PoolStats {
    enabled: AtomicBool,
    id: u64,
    /// Bumped by `reset`, so that each thread's last region from before it reads as empty.
    resets: AtomicU64,
    /// The totals, by team thread id; as long as the pool's size.
    totals: Mutex<Vec<ThreadStats>>,
}

impl PoolStats {
    pub(crate) fn new(size: usize, enabled: bool) -> Self {
        Self {
            enabled: AtomicBool::new(enabled),
            id: next_pool_id(),
            resets: AtomicU64::new(0),
            totals: Mutex::new(vec![ThreadStats::default(); size]),
        }
    }

    pub(crate) fn set_enabled(&self, on: bool) {
        // Relaxed: read by later region owners; a region started concurrently may go either way.
        self.enabled.store(on, Ordering::Relaxed);
    }

    /// Called by a region's owner before it publishes the region: the cells of a team of
    /// `team_size`, or `None` when statistics are off.
    #[inline]
    pub(crate) fn begin(&self, team_size: usize) -> Option<RegionCells> {
        if !self.enabled.load(Ordering::Relaxed) {
            return None;
        }
        Some(begin_counted(team_size))
    }

    /// Called by the owner after the region's join: files the region's figures.
    #[cold]
    pub(crate) fn finish(&self, cells: &RegionCells) {
        let region = Stats {
            threads: cells.iter().map(|cell| cell.read()).collect(),
        };
        {
            let mut totals = self.totals.lock();
            for (total, thread) in totals.iter_mut().zip(&region.threads) {
                *total = total.plus(thread);
            }
        }
        let resets = self.resets.load(Ordering::Relaxed);
        LAST.with(|last| {
            let mut last = last.borrow_mut();
            last.retain(|(id, _, _)| *id != self.id);
            if last.len() == LAST_KEPT {
                last.remove(0);
            }
            last.push((self.id, resets, region));
        });
    }

    /// The accumulated figures, by team thread id.
    pub(crate) fn totals(&self) -> Stats {
        Stats {
            threads: self.totals.lock().clone(),
        }
    }

    /// The figures of the last counted region the calling thread started.
    pub(crate) fn last_region(&self) -> Stats {
        let resets = self.resets.load(Ordering::Relaxed);
        LAST.with(|last| {
            last.borrow()
                .iter()
                .find(|(id, at, _)| *id == self.id && *at == resets)
                .map(|(_, _, stats)| stats.clone())
                .unwrap_or_default()
        })
    }

    pub(crate) fn reset(&self) {
        let mut totals = self.totals.lock();
        totals.iter_mut().for_each(|t| *t = ThreadStats::default());
        self.resets.fetch_add(1, Ordering::Relaxed);
    }
}

#[cold]
fn begin_counted(team_size: usize) -> RegionCells {
    (0..team_size)
        .map(|_| CachePadded::new(Counters::default()))
        .collect()
}

/// One team thread's figures: in one region ([`Pool::last_region_stats`]) or accumulated
/// ([`Pool::stats`]).
///
/// `busy` is the time the thread spent in its share of the region (the region's closure;
/// for a parallel loop, running chunks and claiming or stealing them), not the time it waited
/// for the region to start or for the others to finish. `chunks`, `iterations` and `steals`
/// are what the loops of `workshare-parfor` (or any code calling [`Team::record_work`])
/// reported.
///
/// [`Pool::last_region_stats`]: crate::Pool::last_region_stats
/// [`Pool::stats`]: crate::Pool::stats
/// [`Team::record_work`]: crate::Team::record_work
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// let pool = workshare::Pool::builder().num_threads(2).collect_stats(true).build()?;
/// pool.region(|team| team.record_work(1, 10, 0));
/// let me = pool.last_region_stats().threads()[0];
/// assert_eq!((me.regions, me.chunks, me.iterations), (1, 1, 10));
/// # Ok::<(), workshare::Error>(())
/// ```
// Non-exhaustive: the pool may count more per thread (its fields are read, never built by users).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ThreadStats {
    /// Time spent in the region's closure.
    pub busy: Duration,
    /// Regions this thread took part in (0 or 1 for the last region).
    pub regions: u64,
    /// Chunks of loop indices run.
    pub chunks: u64,
    /// Loop iterations (indices) run.
    pub iterations: u64,
    /// Times this thread took work from another thread's share (the `Stealing` and `Auto`
    /// schedules).
    pub steals: u64,
}

impl ThreadStats {
    fn plus(&self, other: &ThreadStats) -> ThreadStats {
        ThreadStats {
            busy: self.busy + other.busy,
            regions: self.regions + other.regions,
            chunks: self.chunks + other.chunks,
            iterations: self.iterations + other.iterations,
            steals: self.steals + other.steals,
        }
    }
}

/// Per-thread statistics of a pool: see [`Pool::stats`](crate::Pool::stats) and
/// [`Pool::last_region_stats`](crate::Pool::last_region_stats). Its `Display` is a table.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// let pool = workshare::Pool::builder().num_threads(2).collect_stats(true).build()?;
/// pool.region(|team| {
///     // Thread 1 has twice the work of thread 0.
///     let n = if team.thread_id() == 1 { 2000 } else { 1000 };
///     let mut x = 0u64;
///     for i in 0..n * 100 {
///         x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
///     }
///     team.record_work(1, n, 0);
/// });
/// let stats = pool.last_region_stats();
/// assert_eq!(stats.threads().len(), 2);
/// assert_eq!(stats.total().iterations, 3000);
/// assert!(stats.imbalance().unwrap() >= 1.0);
/// println!("{stats}");
/// # Ok::<(), workshare::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    threads: Vec<ThreadStats>,
}

impl Stats {
    /// One entry per team thread index, thread 0 (the caller) first.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::builder().num_threads(3).collect_stats(true).build()?;
    /// pool.region(|_| {});
    /// assert_eq!(pool.stats().threads().len(), 3);
    /// assert!(pool.stats().threads().iter().all(|t| t.regions == 1));
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn threads(&self) -> &[ThreadStats] {
        &self.threads
    }

    /// The sum over all threads.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::builder().num_threads(2).collect_stats(true).build()?;
    /// pool.region(|team| team.record_work(2, 5, 0));
    /// assert_eq!(pool.stats().total().chunks, 4);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn total(&self) -> ThreadStats {
        self.threads
            .iter()
            .fold(ThreadStats::default(), |sum, t| sum.plus(t))
    }

    /// The load imbalance: the busiest thread's busy time over the mean busy time of the
    /// threads listed, from 1.0 (perfect balance) up to the number of threads (one thread did
    /// everything). `None` when no busy time was recorded.
    ///
    /// A loop whose imbalance stays well above 1 under `Static` needs a balancing schedule
    /// (`Dynamic`, `Guided`, `Stealing`, or `Auto`).
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::builder().num_threads(2).collect_stats(true).build()?;
    /// assert_eq!(pool.stats().imbalance(), None);
    /// pool.region(|team| {
    ///     if team.thread_id() == 0 {
    ///         std::thread::sleep(std::time::Duration::from_millis(20));
    ///     }
    /// });
    /// // Thread 0 was busy 20 ms, thread 1 almost not at all: close to 2.
    /// assert!(pool.last_region_stats().imbalance().unwrap() > 1.5);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn imbalance(&self) -> Option<f64> {
        let busy = |t: &ThreadStats| t.busy.as_secs_f64();
        let total: f64 = self.threads.iter().map(busy).sum();
        if self.threads.is_empty() || total <= 0.0 {
            return None;
        }
        let max = self.threads.iter().map(busy).fold(0.0, f64::max);
        Some(max / (total / self.threads.len() as f64))
    }
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:>6} {:>12} {:>8} {:>8} {:>12} {:>8}",
            "thread", "busy", "regions", "chunks", "iterations", "steals"
        )?;
        for (index, t) in self.threads.iter().enumerate() {
            writeln!(
                f,
                "{:>6} {:>12} {:>8} {:>8} {:>12} {:>8}",
                index,
                format!("{:.3?}", t.busy),
                t.regions,
                t.chunks,
                t.iterations,
                t.steals
            )?;
        }
        match self.imbalance() {
            Some(imbalance) => write!(f, "imbalance (max busy / mean busy): {imbalance:.2}"),
            None => write!(f, "imbalance: no busy time recorded"),
        }
    }
}
