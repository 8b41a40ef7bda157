//! The pool: persistent workers, regions, and their configuration.

use crate::dispatch::{Dispatch, Job, Work, MAX_TEAM};
use crate::error::Error;
use crate::region_lock::RegionLock;
use crate::spin::Spin;
use crate::stats::{Stats, StatsCells};
use crate::sync::{thread, Arc, AtomicUsize, CachePadded, Ordering};
use crate::team::{self, Origin, RegionInfo, Team, TeamSync};
use std::fmt;
use std::time::{Duration, Instant};

/// The largest number of threads a pool may have.
///
/// # Examples
///
/// ```
/// assert!(workshare_pool::Pool::new(workshare_pool::MAX_THREADS + 1).is_err());
/// ```
pub const MAX_THREADS: usize = MAX_TEAM;

/// How long an idle thread spins before it sleeps, unless configured.
pub const DEFAULT_SPIN_TIME: Duration = Duration::from_micros(100);

/// What the pool's threads share.
pub(crate) struct Shared {
    size: usize,
    /// Team size of the next regions (`set_num_threads`).
    active: CachePadded<AtomicUsize>,
    lock: RegionLock,
    dispatch: Dispatch,
    sync: TeamSync,
    spin: Spin,
    stats: StatsCells,
}

impl Shared {
    /// Identifies the pool in the thread-local chain of regions.
    fn id(&self) -> usize {
        self as *const Self as usize
    }

    /// Runs `f` on the calling thread alone, as a team of one; `counted`: a top-level region
    /// (not one nested in a region of this pool), which statistics count as thread 0's.
    fn run_solo<F: Fn(&Team<'_>)>(&self, f: &F, counted: bool) {
        let sync = TeamSync::default();
        let region = RegionInfo {
            pool: self.id(),
            num_threads: 1,
            origin: Origin::current(),
            base: sync.begin(),
            stats: if counted { self.stats.begin(1) } else { 0 },
        };
        let team = Team::new(region, 0, &sync, self.spin).with_stats(|| self.stats.cell(0));
        let start = (region.stats != 0).then(Instant::now);
        team.run_solo(f);
        if let Some(start) = start {
            team.record_busy(start.elapsed());
        }
    }
}

/// A fork-join thread pool: `size() - 1` persistent workers plus the thread that starts a region.
///
/// [`region`](Pool::region) runs a closure once on every thread of a team, OpenMP-style: the
/// calling thread takes part as team thread 0, the workers as threads `1..num_threads()`, and
/// the call returns when all have finished. Between regions, workers spin for a short, bounded
/// time (so that back-to-back regions start within a cache miss), then sleep using no CPU.
///
/// Regions of one pool run one at a time: regions started from several threads at once are
/// serialized, each running with the full team. A region started from inside a region of the same
/// pool runs inline, on the calling thread, as a team of one. Dropping the pool stops and joins
/// every worker.
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use workshare_pool::Pool;
///
/// let pool = Pool::new(4)?;
/// let data = vec![1u64; 1000];
/// let total = AtomicUsize::new(0);
/// pool.region(|team| {
///     // Each team thread sums its own quarter of `data`, borrowed from the caller's stack.
///     let chunk = data.len().div_ceil(team.num_threads());
///     let start = (team.thread_id() * chunk).min(data.len());
///     let end = (start + chunk).min(data.len());
///     let part: u64 = data[start..end].iter().sum();
///     total.fetch_add(part as usize, Ordering::Relaxed);
/// });
/// assert_eq!(total.into_inner(), 1000);
/// # Ok::<(), workshare_pool::Error>(())
/// ```
pub struct Pool {
    shared: Arc<Shared>,
    workers: Vec<thread::JoinHandle<()>>,
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("size", &self.size())
            .field("num_threads", &self.num_threads())
            .finish_non_exhaustive()
    }
}

impl Pool {
    /// Creates a pool of `num_threads` threads: the caller plus `num_threads - 1` workers.
    ///
    /// # Errors
    ///
    /// [`Error::ZeroThreads`], [`Error::TooManyThreads`] above [`MAX_THREADS`], or
    /// [`Error::Spawn`] if the operating system refuses a thread (then no worker is left running).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = workshare_pool::Pool::new(2)?;
    /// assert_eq!(pool.size(), 2);
    /// # Ok::<(), workshare_pool::Error>(())
    /// ```
    pub fn new(num_threads: usize) -> Result<Pool, Error> {
        PoolBuilder::new().num_threads(num_threads).build()
    }

    /// Starts a [`PoolBuilder`] to configure spinning, pinning, names and stack sizes.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = workshare_pool::Pool::builder().num_threads(2).build()?;
    /// assert_eq!(pool.num_threads(), 2);
    /// # Ok::<(), workshare_pool::Error>(())
    /// ```
    pub fn builder() -> PoolBuilder {
        PoolBuilder::new()
    }

    /// The pool's size: the most threads a region can use, the caller included.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = workshare_pool::Pool::new(3)?;
    /// pool.set_num_threads(1)?;
    /// assert_eq!(pool.size(), 3);
    /// # Ok::<(), workshare_pool::Error>(())
    /// ```
    pub fn size(&self) -> usize {
        self.shared.size
    }

    /// The number of threads the next region will use (its team size).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = workshare_pool::Pool::new(3)?;
    /// assert_eq!(pool.num_threads(), 3);
    /// # Ok::<(), workshare_pool::Error>(())
    /// ```
    pub fn num_threads(&self) -> usize {
        self.shared.active.load(Ordering::Relaxed)
    }

    /// Makes later regions use `n` threads, `1 <= n <= size()`, like `numba.set_num_threads`.
    /// Workers left out sleep and cost nothing.
    ///
    /// # Errors
    ///
    /// [`Error::NumThreadsOutOfRange`] outside `1..=size()`; [`Error::InsideRegion`] when called
    /// from inside a region of this pool.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = workshare_pool::Pool::new(4)?;
    /// pool.set_num_threads(2)?;
    /// pool.region(|team| assert_eq!(team.num_threads(), 2));
    /// assert!(pool.set_num_threads(5).is_err());
    /// # Ok::<(), workshare_pool::Error>(())
    /// ```
    pub fn set_num_threads(&self, n: usize) -> Result<(), Error> {
        let size = self.size();
        if n == 0 || n > size {
            return Err(Error::NumThreadsOutOfRange { requested: n, size });
        }
        if team::inside_pool(self.shared.id()) {
            return Err(Error::InsideRegion);
        }
        // Relaxed: read by the next region's owner; the region lock or program order orders it.
        self.shared.active.store(n, Ordering::Relaxed);
        Ok(())
    }

    /// Runs `f` once on every thread of a team of [`num_threads`](Pool::num_threads) threads,
    /// the calling thread included, and returns when all have finished (fork-join).
    ///
    /// `f` may borrow from the caller's stack. If `f` panics on any team thread, every other team
    /// thread still finishes (or is released from its barrier) before the first panic resumes on
    /// the caller; the pool stays usable. Called from inside a region of this pool, `f` runs
    /// inline as a team of one; regions started from several threads at once are serialized.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// let pool = workshare_pool::Pool::new(2)?;
    /// let runs = AtomicUsize::new(0);
    /// pool.region(|_team| {
    ///     runs.fetch_add(1, Ordering::Relaxed);
    /// });
    /// assert_eq!(runs.into_inner(), 2);
    /// # Ok::<(), workshare_pool::Error>(())
    /// ```
    pub fn region<F>(&self, f: F)
    where
        F: Fn(&Team<'_>) + Sync,
    {
        self.run(&f);
    }

    fn run<F: Fn(&Team<'_>) + Sync>(&self, f: &F) {
        let shared = &*self.shared;
        if team::inside_pool(shared.id()) {
            return shared.run_solo(f, false);
        }
        if shared.active.load(Ordering::Relaxed) == 1 {
            return shared.run_solo(f, true);
        }
        let guard = shared.lock.lock(&shared.spin);
        let team_size = shared.active.load(Ordering::Relaxed);
        if team_size == 1 {
            drop(guard);
            return shared.run_solo(f, true);
        }
        // Nothing below may unwind before the join: workers hold references into `f`.
        let abort = AbortOnUnwind;
        let sync = &shared.sync;
        // 1. Prepare the team: clear what a panic or workshare left, note the join's base.
        let region = RegionInfo {
            pool: shared.id(),
            num_threads: team_size,
            origin: Origin::current(),
            base: sync.begin(),
            stats: shared.stats.begin(team_size),
        };
        // 2. Publish the job.
        // SAFETY: we hold the region lock; the previous owner saw every participant finish
        // before releasing it; `f` outlives the join in step 4.
        unsafe { shared.dispatch.publish(Job::new(f, region)) };
        // 3. Run our own share as team thread 0; a panic is caught into the team.
        let team = Team::new(region, 0, sync, shared.spin).with_stats(|| shared.stats.cell(0));
        run_counted(sync, &team, f);
        // 4. Join.
        sync.finish();
        sync.wait_all_finished(&region, &shared.spin);
        std::mem::forget(abort);
        // 5. Resume the first panic, after releasing the pool for the next region.
        let panic = sync.take_panic();
        drop(guard);
        if let Some(payload) = panic {
            std::panic::resume_unwind(payload);
        }
    }
}

/// Per-thread statistics (opt-in).
impl Pool {
    /// Starts (`true`) or stops collecting per-thread statistics for the regions started
    /// from now on. Off by default; when off, a region's only cost is one load of the flag.
    ///
    /// Each team thread then records its busy time (the time in its share of a region), and
    /// the loops of `workshare-parfor` the chunks, iterations and steals it ran. Read them
    /// with [`last_region_stats`](Pool::last_region_stats) and [`stats`](Pool::stats), from
    /// the thread that ran the regions, after they returned. Regions nested in a region of the
    /// same pool count as part of the enclosing thread's share.
    ///
    /// # Examples
    ///
    /// ```
    /// use workshare_pool::Pool;
    /// let pool = Pool::new(2)?;
    /// pool.set_collect_stats(true);
    /// pool.region(|team| team.record_work(1, 100, 0));
    /// assert_eq!(pool.last_region_stats().total().iterations, 200);
    /// # Ok::<(), workshare_pool::Error>(())
    /// ```
    pub fn set_collect_stats(&self, on: bool) {
        self.shared.stats.set_enabled(on);
    }

    /// The statistics accumulated since the pool was built or last
    /// [reset](Pool::reset_stats), one entry per pool thread index (thread 0 is whichever
    /// thread started each region).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = workshare_pool::Pool::builder().num_threads(2).collect_stats(true).build()?;
    /// for _ in 0..3 {
    ///     pool.region(|_| {});
    /// }
    /// assert_eq!(pool.stats().threads()[1].regions, 3);
    /// # Ok::<(), workshare_pool::Error>(())
    /// ```
    pub fn stats(&self) -> Stats {
        self.shared.stats.totals()
    }

    /// The statistics of the last region started with statistics on, one entry per thread of
    /// its team; empty before the first such region.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = workshare_pool::Pool::builder().num_threads(3).collect_stats(true).build()?;
    /// pool.set_num_threads(2)?;
    /// pool.region(|team| team.record_work(1, 7, 0));
    /// let last = pool.last_region_stats();
    /// assert_eq!(last.threads().len(), 2);
    /// assert_eq!(last.total().iterations, 14);
    /// # Ok::<(), workshare_pool::Error>(())
    /// ```
    pub fn last_region_stats(&self) -> Stats {
        self.shared.stats.last_region()
    }

    /// Sets every statistic back to zero.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = workshare_pool::Pool::builder().num_threads(2).collect_stats(true).build()?;
    /// pool.region(|_| {});
    /// pool.reset_stats();
    /// assert_eq!(pool.stats().total().regions, 0);
    /// assert!(pool.last_region_stats().threads().is_empty());
    /// # Ok::<(), workshare_pool::Error>(())
    /// ```
    pub fn reset_stats(&self) {
        self.shared.stats.reset();
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shared.dispatch.shutdown();
        for worker in self.workers.drain(..) {
            // A worker catches every panic of user code, so it cannot have panicked.
            let _ = worker.join();
        }
    }
}

/// Aborts the process if dropped during unwinding: only a bug in the pool can get here, and
/// unwinding past a running region would free memory that workers still use.
struct AbortOnUnwind;

impl Drop for AbortOnUnwind {
    fn drop(&mut self) {
        eprintln!("workshare: internal error while a region was running; aborting");
        std::process::abort();
    }
}

/// Runs one team thread's share, timing it when the region collects statistics.
#[inline]
fn run_counted(sync: &TeamSync, team: &Team<'_>, share: impl FnOnce(&Team<'_>)) {
    if team.collecting_stats() {
        let start = Instant::now();
        sync.run_share(team, share);
        team.record_busy(start.elapsed());
    } else {
        sync.run_share(team, share);
    }
}

/// The loop every worker runs until the pool shuts down.
fn worker_main(shared: Arc<Shared>, index: usize) {
    let abort = AbortOnUnwind;
    let mut last_epoch = 0;
    let spin = shared.spin;
    while let Work::Run { epoch, job } = shared.dispatch.wait_for_work(index, last_epoch, &spin) {
        last_epoch = epoch;
        let team = Team::new(job.region, index, &shared.sync, spin)
            .with_stats(|| shared.stats.cell(index));
        // SAFETY: we take part in this region, so its owner keeps the closure alive until we
        // call `finish` below.
        run_counted(&shared.sync, &team, |team| unsafe { job.run(team) });
        shared.sync.finish();
    }
    std::mem::forget(abort);
}

type NameFn = Box<dyn Fn(usize) -> String + Send + Sync>;

/// Configures and builds a [`Pool`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let pool = workshare_pool::Pool::builder()
///     .num_threads(2)
///     .spin_time(Duration::from_micros(50))
///     .thread_name(|i| format!("solver-{i}"))
///     .stack_size(1 << 20)
///     .build()?;
/// assert_eq!(pool.size(), 2);
/// # Ok::<(), workshare_pool::Error>(())
/// ```
pub struct PoolBuilder {
    num_threads: Option<usize>,
    spin_time: Duration,
    pin: bool,
    name: Option<NameFn>,
    stack_size: Option<usize>,
    stats: bool,
}

impl fmt::Debug for PoolBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolBuilder")
            .field("num_threads", &self.num_threads)
            .field("spin_time", &self.spin_time)
            .field("pin", &self.pin)
            .field("stack_size", &self.stack_size)
            .field("collect_stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl Default for PoolBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl PoolBuilder {
    /// A builder with the defaults: one thread per available core, [`DEFAULT_SPIN_TIME`], no
    /// pinning, threads named `workshare-{index}`, the platform's stack size.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = workshare_pool::PoolBuilder::new().build()?;
    /// assert!(pool.size() >= 1);
    /// # Ok::<(), workshare_pool::Error>(())
    /// ```
    pub fn new() -> Self {
        Self {
            num_threads: None,
            spin_time: if cfg!(miri) {
                Duration::ZERO
            } else {
                DEFAULT_SPIN_TIME
            },
            pin: false,
            name: None,
            stack_size: None,
            stats: false,
        }
    }

    /// The pool's size: threads in a full team, the caller included.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = workshare_pool::Pool::builder().num_threads(3).build()?;
    /// assert_eq!(pool.size(), 3);
    /// # Ok::<(), workshare_pool::Error>(())
    /// ```
    pub fn num_threads(mut self, n: usize) -> Self {
        self.num_threads = Some(n);
        self
    }

    /// How long an idle thread busy-waits for the next region (or a barrier, or the join)
    /// before it sleeps. Longer keeps back-to-back regions fast at the cost of CPU while idle;
    /// zero sleeps at once. A pool with more threads than cores yields its time slice on every
    /// spin round.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = workshare_pool::Pool::builder()
    ///     .spin_time(std::time::Duration::ZERO)
    ///     .build()?;
    /// # Ok::<(), workshare_pool::Error>(())
    /// ```
    pub fn spin_time(mut self, spin_time: Duration) -> Self {
        self.spin_time = spin_time;
        self
    }

    /// Pins worker `i` to the `i`-th CPU (modulo their number) of those the process may use
    /// (Linux only). The calling thread, team thread 0, is left as it is.
    ///
    /// # Examples
    ///
    /// ```
    /// let built = workshare_pool::Pool::builder().num_threads(2).pin_threads(true).build();
    /// // Fails with `Error::Pin` where pinning is not supported or not allowed.
    /// # let _ = built;
    /// ```
    pub fn pin_threads(mut self, pin: bool) -> Self {
        self.pin = pin;
        self
    }

    /// Names worker threads: `name(index)` for team index `1..size`.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = workshare_pool::Pool::builder()
    ///     .num_threads(2)
    ///     .thread_name(|i| format!("physics-{i}"))
    ///     .build()?;
    /// # Ok::<(), workshare_pool::Error>(())
    /// ```
    pub fn thread_name(mut self, name: impl Fn(usize) -> String + Send + Sync + 'static) -> Self {
        self.name = Some(Box::new(name));
        self
    }

    /// The stack size of worker threads, in bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = workshare_pool::Pool::builder()
    ///     .num_threads(2)
    ///     .stack_size(8 << 20)
    ///     .build()?;
    /// # Ok::<(), workshare_pool::Error>(())
    /// ```
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = Some(bytes);
        self
    }

    /// Whether the pool starts collecting per-thread statistics at once (default: no); see
    /// [`Pool::set_collect_stats`].
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = workshare_pool::Pool::builder().num_threads(2).collect_stats(true).build()?;
    /// pool.region(|_| {});
    /// assert_eq!(pool.stats().total().regions, 2);
    /// # Ok::<(), workshare_pool::Error>(())
    /// ```
    pub fn collect_stats(mut self, on: bool) -> Self {
        self.stats = on;
        self
    }

    /// Starts the workers.
    ///
    /// # Errors
    ///
    /// [`Error::ZeroThreads`], [`Error::TooManyThreads`], [`Error::Spawn`] when the operating
    /// system refuses a thread, [`Error::Pin`] when pinning fails. On error every worker already
    /// started is stopped and joined.
    ///
    /// # Examples
    ///
    /// ```
    /// let err = workshare_pool::Pool::builder().num_threads(0).build().unwrap_err();
    /// assert_eq!(err, workshare_pool::Error::ZeroThreads);
    /// ```
    pub fn build(self) -> Result<Pool, Error> {
        let size = match self.num_threads {
            Some(n) => n,
            None => available_cores(),
        };
        if size == 0 {
            return Err(Error::ZeroThreads);
        }
        if size > MAX_THREADS {
            return Err(Error::TooManyThreads {
                requested: size,
                max: MAX_THREADS,
            });
        }
        let cpus = if self.pin {
            let cpus = crate::affinity::allowed_cpus().map_err(|e| Error::Pin {
                index: 1,
                cpu: 0,
                message: e.to_string(),
            })?;
            Some(cpus)
        } else {
            None
        };
        let spin = Spin::new(self.spin_time, size > available_cores());
        let shared = Arc::new(Shared {
            size,
            active: CachePadded::new(AtomicUsize::new(size)),
            lock: RegionLock::default(),
            dispatch: Dispatch::new(),
            sync: TeamSync::default(),
            spin,
            stats: StatsCells::new(size, self.stats),
        });
        let mut pool = Pool {
            shared,
            workers: Vec::with_capacity(size - 1),
        };
        for index in 1..size {
            // On `?` below, `pool` drops: it shuts down and joins the workers started so far.
            let handle = self.spawn_worker(&pool.shared, index)?;
            pool.workers.push(handle);
            if let Some(cpus) = &cpus {
                let cpu = cpus[index % cpus.len()];
                let pinned = crate::affinity::pin(pool.workers.last().expect("pushed"), cpu);
                pinned.map_err(|e| Error::Pin {
                    index,
                    cpu,
                    message: e.to_string(),
                })?;
            }
        }
        Ok(pool)
    }

    fn spawn_worker(
        &self,
        shared: &Arc<Shared>,
        index: usize,
    ) -> Result<thread::JoinHandle<()>, Error> {
        let name = match &self.name {
            Some(name) => name(index),
            None => format!("workshare-{index}"),
        };
        let mut builder = thread::Builder::new().name(name);
        if let Some(bytes) = self.stack_size {
            builder = builder.stack_size(bytes);
        }
        let shared = Arc::clone(shared);
        builder
            .spawn(move || worker_main(shared, index))
            .map_err(|e| Error::Spawn {
                index,
                kind: e.kind(),
                message: e.to_string(),
            })
    }
}

/// Cores this process may run on (respects affinity masks and cgroup quotas), at least 1.
pub(crate) fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
