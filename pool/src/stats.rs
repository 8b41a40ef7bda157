//! Opt-in per-region statistics: per team thread, the time spent in its share of each region,
//! and the chunks, iterations and steals that loops report through [`Team::record_work`].
//!
//! # Protocol
//!
//! Off by default ([`PoolBuilder::collect_stats`](crate::PoolBuilder::collect_stats),
//! [`Pool::set_collect_stats`](crate::Pool::set_collect_stats)). A region's owner decides once,
//! when it starts the region, whether the region is counted: it then takes a fresh region id
//! (never 0) and carries it to the participants in the published job (`RegionInfo::stats`), so
//! that a region is counted by all its threads or by none. When it is off, the id is 0 and the
//! only cost is the owner's one load of the flag per region; loops check the id once per share.
//!
//! Each pool thread index has its own padded cell, written only by the thread that runs that
//! index: the last region's figures (reset when a thread first writes for a new region id) and
//! the totals. The writes are `Relaxed` atomics; the owner reads them after the region's join,
//! whose Acquire makes every participant's writes visible. A reader on another thread, or
//! during a running region, may see partial figures (never torn ones: each figure is one
//! atomic word). Regions run serially (a team of one) by two outside threads at the same time
//! both count as thread 0: their figures add up in the totals.
//!
//! [`Team::record_work`]: crate::Team::record_work

use crate::sync::{AtomicBool, AtomicU64, AtomicUsize, CachePadded, Ordering};
use std::fmt;
use std::time::Duration;

/// Counters of one thread, each one atomic word.
#[derive(Debug, Default)]
struct Counters {
    busy_ns: AtomicU64,
    regions: AtomicU64,
    chunks: AtomicU64,
    iterations: AtomicU64,
    steals: AtomicU64,
}

impl Counters {
    fn add(&self, work: &ThreadStats) {
        // Relaxed: only this cell's thread writes it; readers are ordered by the join.
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

    fn clear(&self) {
        for counter in [
            &self.busy_ns,
            &self.regions,
            &self.chunks,
            &self.iterations,
            &self.steals,
        ] {
            counter.store(0, Ordering::Relaxed);
        }
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

/// The statistics cell of one pool thread index.
#[derive(Debug, Default)]
pub(crate) struct ThreadCell {
    /// The region id `last` belongs to.
    region: AtomicU64,
    last: Counters,
    total: Counters,
}

impl ThreadCell {
    /// Adds `work` to this thread's figures for region `id` (not 0).
    pub(crate) fn add(&self, id: u64, work: &ThreadStats) {
        // Relaxed: this thread is the cell's only writer (module docs).
        if self.region.load(Ordering::Relaxed) != id {
            self.last.clear();
            self.region.store(id, Ordering::Relaxed);
        }
        self.last.add(work);
        self.total.add(work);
    }
}

/// A pool's statistics cells.
#[derive(Debug)]
pub(crate) struct StatsCells {
    enabled: AtomicBool,
    /// The last region id handed out; 0 before the first counted region.
    last_id: AtomicU64,
    /// The team size of the region `last_id`.
    last_team: AtomicUsize,
    threads: Box<[CachePadded<ThreadCell>]>,
}

impl StatsCells {
    pub(crate) fn new(size: usize, enabled: bool) -> Self {
        Self {
            enabled: AtomicBool::new(enabled),
            last_id: AtomicU64::new(0),
            last_team: AtomicUsize::new(0),
            threads: (0..size).map(|_| CachePadded::default()).collect(),
        }
    }

    pub(crate) fn set_enabled(&self, on: bool) {
        // Relaxed: read by later region owners; a region started concurrently may go either way.
        self.enabled.store(on, Ordering::Relaxed);
    }

    /// Called by a region's owner before it publishes the region: the region's id, or 0 when
    /// statistics are off.
    #[inline]
    pub(crate) fn begin(&self, team_size: usize) -> u64 {
        if !self.enabled.load(Ordering::Relaxed) {
            return 0;
        }
        self.begin_counted(team_size)
    }

    #[cold]
    fn begin_counted(&self, team_size: usize) -> u64 {
        // Relaxed: the id travels to the participants inside the published job.
        let id = self
            .last_id
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_add(1)
            .max(1);
        self.last_team.store(team_size, Ordering::Relaxed);
        id
    }

    pub(crate) fn cell(&self, index: usize) -> &ThreadCell {
        &self.threads[index]
    }

    /// The accumulated figures of every pool thread.
    pub(crate) fn totals(&self) -> Stats {
        let threads = self.threads.iter().map(|cell| cell.total.read()).collect();
        Stats { threads }
    }

    /// The figures of the last counted region, one entry per thread of its team.
    pub(crate) fn last_region(&self) -> Stats {
        let id = self.last_id.load(Ordering::Relaxed);
        let team = self.last_team.load(Ordering::Relaxed);
        let threads = self.threads[..team.min(self.threads.len())]
            .iter()
            .map(|cell| {
                if id != 0 && cell.region.load(Ordering::Relaxed) == id {
                    cell.last.read()
                } else {
                    ThreadStats::default()
                }
            })
            .collect();
        Stats { threads }
    }

    pub(crate) fn reset(&self) {
        for cell in self.threads.iter() {
            cell.last.clear();
            cell.total.clear();
            cell.region.store(0, Ordering::Relaxed);
        }
        self.last_team.store(0, Ordering::Relaxed);
    }
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
/// let pool = workshare_pool::Pool::builder().num_threads(2).collect_stats(true).build()?;
/// pool.region(|team| team.record_work(1, 10, 0));
/// let me = pool.last_region_stats().threads()[0];
/// assert_eq!((me.regions, me.chunks, me.iterations), (1, 1, 10));
/// # Ok::<(), workshare_pool::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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

/// Per-thread statistics of a pool: see [`Pool::stats`](crate::Pool::stats) and
/// [`Pool::last_region_stats`](crate::Pool::last_region_stats). Its `Display` is a table.
///
/// # Examples
///
/// ```
/// let pool = workshare_pool::Pool::builder().num_threads(2).collect_stats(true).build()?;
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
/// # Ok::<(), workshare_pool::Error>(())
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
    /// let pool = workshare_pool::Pool::builder().num_threads(3).collect_stats(true).build()?;
    /// pool.region(|_| {});
    /// assert_eq!(pool.stats().threads().len(), 3);
    /// assert!(pool.stats().threads().iter().all(|t| t.regions == 1));
    /// # Ok::<(), workshare_pool::Error>(())
    /// ```
    pub fn threads(&self) -> &[ThreadStats] {
        &self.threads
    }

    /// The sum over all threads.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = workshare_pool::Pool::builder().num_threads(2).collect_stats(true).build()?;
    /// pool.region(|team| team.record_work(2, 5, 0));
    /// assert_eq!(pool.stats().total().chunks, 4);
    /// # Ok::<(), workshare_pool::Error>(())
    /// ```
    pub fn total(&self) -> ThreadStats {
        self.threads
            .iter()
            .fold(ThreadStats::default(), |sum, t| ThreadStats {
                busy: sum.busy + t.busy,
                regions: sum.regions + t.regions,
                chunks: sum.chunks + t.chunks,
                iterations: sum.iterations + t.iterations,
                steals: sum.steals + t.steals,
            })
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
    /// let pool = workshare_pool::Pool::builder().num_threads(2).collect_stats(true).build()?;
    /// assert_eq!(pool.stats().imbalance(), None);
    /// pool.region(|team| {
    ///     if team.thread_id() == 0 {
    ///         std::thread::sleep(std::time::Duration::from_millis(20));
    ///     }
    /// });
    /// // Thread 0 was busy 20 ms, thread 1 almost not at all: close to 2.
    /// assert!(pool.last_region_stats().imbalance().unwrap() > 1.5);
    /// # Ok::<(), workshare_pool::Error>(())
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
