//! The pool: persistent workers, regions, and their configuration.

use crate::census::Census;
use crate::dispatch::{Assignment, Claim, Dispatch, Job, Work, MAX_WORKERS};
use crate::error::Error;
use crate::fork;
use crate::spin::Spin;
use crate::stats::{PoolStats, RegionCells, Stats, StatsRef};
use crate::sync::{thread, Arc, AtomicUsize, CachePadded, Ordering};
use crate::team::{self, RegionInfo, Team, TeamSync};
use std::fmt;
use std::time::{Duration, Instant};

/// The largest number of threads a pool may have.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// assert!(workshare::Pool::new(workshare::MAX_THREADS + 1).is_err());
/// ```
pub const MAX_THREADS: usize = MAX_WORKERS + 1;

/// How long an idle thread spins before it sleeps, unless configured.
pub const DEFAULT_SPIN_TIME: Duration = Duration::from_micros(100);

/// How many regions may be *active* (run with more than one thread) inside one another on a
/// thread, unless configured: no limit. A region nested deeper runs on its calling thread as a
/// team of one. The limit never matters for correctness; see
/// [`PoolBuilder::max_active_levels`].
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// let pool = workshare::Pool::new(2)?;
/// assert_eq!(pool.max_active_levels(), workshare::DEFAULT_MAX_ACTIVE_LEVELS);
/// # Ok::<(), workshare::Error>(())
/// ```
pub const DEFAULT_MAX_ACTIVE_LEVELS: usize = usize::MAX;

/// What the pool's threads share.
pub(crate) struct Shared {
    size: usize,
    /// Team size that regions ask for by default (`set_num_threads`).
    active: CachePadded<AtomicUsize>,
    max_levels: u32,
    /// `max_levels` as configured.
    max_levels_asked: usize,
    dispatch: Dispatch,
    /// One team context per worker; a team uses its lowest worker's.
    teams: Box<[CachePadded<TeamSync>]>,
    spin: Spin,
    stats: PoolStats,
    /// The fork count when the workers started (see the fork module).
    forks: u64,
    /// The threads calling the pool's loops (see the census module).
    census: Census,
}

/// How many threads a region asks for.
#[derive(Clone, Copy, Debug)]
enum Want {
    /// Up to this many (at least 1), whatever is idle.
    AtMost(usize),
    /// Exactly this many, or an error.
    Exactly(usize),
}

impl Shared {
    /// Whether this is a copy of the pool in a child forked after the workers started.
    #[inline]
    fn forked(&self) -> bool {
        fork::current() != self.forks
    }

    /// Runs `f` with a team of what `want` allows and the idle workers give; `independent`: the
    /// team threads are independent shares (see `RegionInfo::independent`). Returns what the
    /// workers did (see [`Shared::run_team`]).
    fn run<F: Fn(&Team<'_>) + Sync>(
        &self,
        want: Want,
        independent: bool,
        f: &F,
    ) -> Result<Shares, Error> {
        let outer = team::current_level();
        let wanted = match want {
            Want::AtMost(n) | Want::Exactly(n) => n,
        };
        let may_fork = wanted > 1 && outer < self.max_levels && !self.forked();
        let claim = if may_fork {
            self.dispatch.claim(wanted - 1)
        } else {
            Claim::EMPTY
        };
        if let Want::Exactly(n) = want {
            if claim.count() + 1 != n {
                self.dispatch.release(&claim);
                return Err(Error::TeamUnavailable {
                    requested: n,
                    available: claim.count() + 1,
                    reason: if outer >= self.max_levels {
                        crate::error::Unavailable::NestingLimit
                    } else if self.forked() {
                        crate::error::Unavailable::Forked
                    } else {
                        crate::error::Unavailable::Busy
                    },
                });
            }
        }
        if claim.count() == 0 {
            self.run_solo(f, outer);
            Ok(Shares::default())
        } else {
            Ok(self.run_team(&claim, f, outer + 1, independent))
        }
    }

    /// Runs `f` on the calling thread alone, as a team of one, at nesting level `level`.
    fn run_solo<F: Fn(&Team<'_>)>(&self, f: &F, level: u32) {
        let cells = self.stats.begin(1);
        let region = RegionInfo {
            stats: StatsRef::new(cells.as_ref()),
            ..RegionInfo::solo(level)
        };
        let cell = cells.as_ref().map(|cells| &*cells[0]);
        let team = Team::new(region, 0, None, self.spin, cell);
        let start = cell.is_some().then(Instant::now);
        team.run_solo(f);
        if let Some(start) = start {
            team.record_busy(start.elapsed());
        }
        if let Some(cells) = cells {
            self.stats.finish(&cells);
        }
    }

    /// Runs `f` with the caller as thread 0 and the claimed workers as threads `1..`, at
    /// nesting level `level`, then releases the workers. Returns the workers claimed, how many
    /// of them ran their team thread (the others' independent shares were taken back), and
    /// whether any was asleep when the region started.
    fn run_team<F: Fn(&Team<'_>) + Sync>(
        &self,
        claim: &Claim,
        f: &F,
        level: u32,
        independent: bool,
    ) -> Shares {
        let num_threads = claim.count() + 1;
        let leader = claim.workers().next().expect("a claimed worker");
        let sync = &*self.teams[leader];
        let cells: Option<RegionCells> = self.stats.begin(num_threads);
        // Nothing below may unwind before the join: workers hold references into `f`.
        let abort = AbortOnUnwind;
        // 1. Prepare the team context, which our claim of `leader` makes ours alone.
        let region = RegionInfo {
            num_threads,
            base: sync.begin(),
            stats: StatsRef::new(cells.as_ref()),
            level,
            // At most MAX_WORKERS, which fits.
            ctx: leader as u16,
            independent,
        };
        // 2. Hand the job to each claimed worker, ranks 1.. in worker order, and wake them.
        let job = Job::new(f, region);
        for (rank, worker) in (1..).zip(claim.workers()) {
            // SAFETY: we claimed `worker`; `f` (and `cells`) outlive the join in step 4.
            unsafe {
                self.dispatch
                    .publish(worker, Assignment { job, rank }, independent)
            };
        }
        let mut woke = false;
        self.dispatch.wake(claim, &mut woke);
        // 3. Run our own share as team thread 0; a panic is caught into the team.
        let cell = cells.as_ref().map(|cells| &*cells[0]);
        let team = Team::new(region, 0, Some(sync), self.spin, cell);
        run_counted(sync, &team, f);
        sync.finish();
        // 4. Independent shares that no worker has taken yet (asleep, still waking, or
        //    preempted): run them here rather than wait (each share still runs once: a share
        //    taken back is skipped by its worker, see `Dispatch::take_back`).
        let mut ran = claim.count();
        if independent && !sync.all_finished(&region) {
            for (rank, worker) in (1..).zip(claim.workers()) {
                if self.dispatch.take_back(worker) {
                    ran -= 1;
                    let cell = cells.as_ref().map(|cells| &*cells[rank]);
                    let team = Team::new(region, rank, Some(sync), self.spin, cell);
                    run_counted(sync, &team, f);
                    sync.finish();
                }
            }
        }
        // 5. Join.
        sync.wait_all_finished(&region, &self.spin);
        std::mem::forget(abort);
        // 6. Give the workers back, then file statistics and resume the first panic.
        let panic = sync.take_panic();
        self.dispatch.release(claim);
        if let Some(cells) = cells {
            self.stats.finish(&cells);
        }
        if let Some(payload) = panic {
            std::panic::resume_unwind(payload);
        }
        Shares {
            claimed: claim.count(),
            ran,
            woke,
        }
    }
}

/// What the workers did in a region of independent shares
/// ([`Pool::region_shares_at_most`]): how `Auto` tells whether a fork gained anything.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shares {
    /// The idle workers the region claimed (0: it ran as a team of one).
    pub claimed: usize,
    /// How many of them ran their share; the caller ran the others' (taken back before the
    /// worker started).
    pub ran: usize,
    /// Whether a claimed worker was asleep when the region started, so that its lateness may be
    /// the wake-up's, not a sign of busy cores.
    pub woke: bool,
}

/// A fork-join thread pool: `size() - 1` persistent workers plus the thread that starts a region.
///
/// [`region`](Pool::region) runs a closure once on every thread of a team, OpenMP-style: the
/// calling thread takes part as team thread 0, the workers it gets as threads
/// `1..team.team_size()`, and the call returns when all have finished. Between regions,
/// workers spin for a short, bounded time (so that back-to-back regions start within a cache
/// miss), then sleep using no CPU.
///
/// # Many callers, nesting, re-entry
///
/// A region takes the workers that are idle when it starts, up to the team size it asks for
/// ([`num_threads`](Pool::num_threads) by default), and gives them back when it ends. Regions
/// started from several threads at once split the workers between them and never wait for one
/// another; a caller that finds no worker idle runs its region on its own thread, as a team of
/// one. A loop (of `workshare::parfor` or `workshare::reductions`) also takes at most its share
/// of the pool while other threads call the pool's loops: the pool's size divided by the number
/// of threads that called its loops in the last 17 to 34 ms, so that callers that alone
/// fill the pool's threads run their loops on their own threads instead of taking each other's
/// cores. A region started inside a region (of this pool or another) takes idle workers the same
/// way, up to [`max_active_levels`](Pool::max_active_levels) nested active regions. So no
/// nesting order, no callback, no helper thread that a region body waits for can deadlock on the
/// pool: the only waits are a region's owner waiting for the workers it took, and team threads
/// waiting for each other at barriers. Code that needs an exact team size asks for it with
/// [`try_region_exact`](Pool::try_region_exact) and gets an error, never a wait, when the
/// workers are busy. Dropping the pool stops and joins every worker.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use workshare::Pool;
///
/// let pool = Pool::new(4)?;
/// let data = vec![1u64; 1000];
/// let total = AtomicUsize::new(0);
/// pool.region(|team| {
///     // Each team thread sums its own part of `data`, borrowed from the caller's stack.
///     let chunk = data.len().div_ceil(team.team_size());
///     let start = (team.thread_id() * chunk).min(data.len());
///     let end = (start + chunk).min(data.len());
///     let part: u64 = data[start..end].iter().sum();
///     total.fetch_add(part as usize, Ordering::Relaxed);
/// });
/// assert_eq!(total.into_inner(), 1000);
/// # Ok::<(), workshare::Error>(())
/// ```
pub struct Pool {
    shared: Arc<Shared>,
    workers: Vec<thread::JoinHandle<()>>,
    /// A worker's view of its own pool (see `worker_main`): dropping it stops nothing.
    handle: bool,
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
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::new(2)?;
    /// assert_eq!(pool.size(), 2);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn new(num_threads: usize) -> Result<Pool, Error> {
        PoolBuilder::new().num_threads(num_threads).build()
    }

    /// Starts a [`PoolBuilder`] to configure spinning, pinning, names and stack sizes.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::builder().num_threads(2).build()?;
    /// assert_eq!(pool.num_threads(), 2);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn builder() -> PoolBuilder {
        PoolBuilder::new()
    }

    /// The pool's size: the most threads a region can use, the caller included.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::new(3)?;
    /// pool.set_num_threads(1)?;
    /// assert_eq!(pool.size(), 3);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[inline]
    pub fn size(&self) -> usize {
        self.shared.size
    }

    /// The number of threads a [`region`](Pool::region) asks for: the team it gets when no
    /// other region holds workers (inside, [`Team::team_size`] is the size it got). 1 in a
    /// child process forked after the pool started (see [`Pool::region`]).
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::new(3)?;
    /// assert_eq!(pool.num_threads(), 3);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[inline]
    pub fn num_threads(&self) -> usize {
        if self.shared.forked() {
            return 1;
        }
        self.shared.active.load(Ordering::Relaxed)
    }

    /// How many active regions (with more than one thread) may be nested inside one another
    /// on a thread, counting regions of every pool; see [`PoolBuilder::max_active_levels`].
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::builder().num_threads(2).max_active_levels(1).build()?;
    /// assert_eq!(pool.max_active_levels(), 1);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn max_active_levels(&self) -> usize {
        self.shared.max_levels_asked
    }

    /// Whether any worker sleeps (or is about to, or just woke): for the models.
    #[cfg(test)]
    pub(crate) fn workers_asleep(&self) -> bool {
        self.shared.dispatch.any_asleep()
    }

    /// Keeps this pool's idle workers awake until the guard is dropped: a *phase* of work
    /// (TBB's `parallel_phase`, OpenMP's active wait policy for a stretch of a program).
    ///
    /// Between regions, workers spin for the pool's spin time
    /// ([`PoolBuilder::spin_time`]) and then sleep, so a loop that comes after a longer pause
    /// (a program alternating short loops with I/O, a frame loop waiting for its next frame)
    /// first wakes them, which costs the caller a system call and the loop the workers'
    /// wake-up, tens of microseconds on a virtual machine. While a guard lives, idle workers
    /// keep spinning instead (yielding the core to any other runnable thread), and the call
    /// wakes any that sleep now, so every loop of the phase finds them awake. The price is
    /// the idle workers' CPU time during the phase: hold the guard for the phase, not for the
    /// program. When the last guard is dropped, workers go back to sleeping after one spin
    /// time; dropping needs no wake-up and never waits. Guards may overlap and come from any
    /// thread. In a child process forked after the pool started, which has no workers, the
    /// guard does nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// use workshare::Pool;
    /// let pool = Pool::new(2)?;
    /// let mut frame = vec![0u32; 4096];
    /// {
    ///     let _phase = pool.keep_warm();
    ///     for step in 0..3 {
    ///         // Waiting for input between loops: the workers stay awake meanwhile.
    ///         std::thread::sleep(std::time::Duration::from_millis(1));
    ///         pool.region(|team| {
    ///             let _ = (step, team.thread_id());
    ///         });
    ///     }
    ///     frame[0] = 1;
    /// } // The phase ends: idle workers sleep again after their spin time.
    /// assert_eq!(frame[0], 1);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[must_use = "the workers stay awake only while the guard lives"]
    pub fn keep_warm(&self) -> KeepWarm<'_> {
        let dispatch = (!self.shared.forked()).then_some(&self.shared.dispatch);
        if let Some(dispatch) = dispatch {
            dispatch.keep_warm();
        }
        KeepWarm { dispatch }
    }

    /// Makes later regions ask for `n` threads, `1 <= n <= size()`, like
    /// `numba.set_num_threads`. Workers left out sleep and cost nothing. Safe to call at any
    /// time, from any thread, inside regions too: a region reads the setting once, when it
    /// starts, and running regions keep their teams.
    ///
    /// # Errors
    ///
    /// [`Error::NumThreadsOutOfRange`] outside `1..=size()`.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::new(4)?;
    /// pool.set_num_threads(2)?;
    /// pool.region(|team| assert!(team.team_size() <= 2));
    /// assert!(pool.set_num_threads(5).is_err());
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn set_num_threads(&self, n: usize) -> Result<(), Error> {
        let size = self.size();
        if n == 0 || n > size {
            return Err(Error::NumThreadsOutOfRange { requested: n, size });
        }
        // Relaxed: a plain setting, read once by each region's owner.
        self.shared.active.store(n, Ordering::Relaxed);
        Ok(())
    }

    /// Runs `f` once on every thread of a team and returns when all have finished (fork-join).
    /// The team is the calling thread (thread 0) plus the workers that are idle now, up to
    /// [`num_threads`](Pool::num_threads) threads in all; read its size with
    /// [`Team::team_size`] inside `f`, never assume it.
    ///
    /// `f` may borrow from the caller's stack. If `f` panics on any team thread, every other team
    /// thread still finishes (or is released from its barrier) before the first panic resumes on
    /// the caller; the pool stays usable.
    ///
    /// The team is smaller than asked when other regions hold workers (called from several
    /// threads, or nested in a region); it is the calling thread alone when no worker is idle,
    /// when [`max_active_levels`](Pool::max_active_levels) active regions already enclose the
    /// call, and in a child process forked after the pool started (whose workers do not exist:
    /// `fork` copies only the calling thread; the child's regions all run on its calling thread,
    /// correctly, and dropping the pool there does not wait for the missing workers). Never does
    /// it wait for another region.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// let pool = workshare::Pool::new(2)?;
    /// let runs = AtomicUsize::new(0);
    /// pool.region(|_team| {
    ///     runs.fetch_add(1, Ordering::Relaxed);
    /// });
    /// // Nobody else uses this pool, so its worker was idle: a team of two.
    /// assert_eq!(runs.into_inner(), 2);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn region<F>(&self, f: F)
    where
        F: Fn(&Team<'_>) + Sync,
    {
        let want = Want::AtMost(self.shared.active.load(Ordering::Relaxed));
        let _current = crate::current::enter(self);
        let ran = self.shared.run(want, false, &f);
        debug_assert!(ran.is_ok());
    }

    /// Like [`region`](Pool::region), with a team of at most `max_threads` threads whatever
    /// [`num_threads`](Pool::num_threads) says (OpenMP's `num_threads(n)` clause); a count above
    /// [`size`](Pool::size) means the whole pool.
    ///
    /// # Panics
    ///
    /// With `workshare: region_at_most(0)` when `max_threads` is 0 (a team has at least its
    /// calling thread), pointing at the caller's line; or to resume a panic of `f`.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::new(4)?;
    /// pool.region_at_most(2, |team| assert!(team.team_size() <= 2));
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[track_caller]
    pub fn region_at_most<F>(&self, max_threads: usize, f: F)
    where
        F: Fn(&Team<'_>) + Sync,
    {
        self.run_at_most(max_threads, false, &f);
    }

    /// For the loops of `workshare-parfor`: like [`region_at_most`](Pool::region_at_most), for a
    /// body whose team threads are *independent shares* of work, each correct to run after
    /// another on one thread: a share that its worker has not taken yet (asleep, waking, or
    /// preempted) when the calling thread has finished its own is run by the calling thread
    /// instead (with that share's team thread id), so a loop never waits for a worker to start.
    /// Every share still runs exactly once, on one thread. [`Team::barrier`] and
    /// [`Team::workshare`] panic in such a region.
    ///
    /// Returns what the workers did ([`Shares`]): how many were claimed and how many ran
    /// their share (none when the calling thread ran them all: no worker was idle, or none
    /// started before the caller was done), which tells `Auto` whether the fork gained
    /// anything.
    ///
    /// # Panics
    ///
    /// As [`region_at_most`](Pool::region_at_most).
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// let pool = workshare::Pool::new(2)?;
    /// let shares = [AtomicUsize::new(0), AtomicUsize::new(0)];
    /// pool.region_shares_at_most(2, |team| {
    ///     shares[team.thread_id()].fetch_add(1, Ordering::Relaxed);
    /// });
    /// assert!(shares.iter().all(|s| s.load(Ordering::Relaxed) == 1));
    /// // The caller runs every share: it takes back the ones its worker did not take.
    /// let done = pool.region_shares_at_most(2, |team| {
    ///     shares[team.thread_id()].fetch_add(1, Ordering::Relaxed);
    /// });
    /// assert!(done.ran <= done.claimed && done.claimed <= 1);
    /// assert!(shares.iter().all(|s| s.load(Ordering::Relaxed) == 2));
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[doc(hidden)]
    #[track_caller]
    pub fn region_shares_at_most<F>(&self, max_threads: usize, f: F) -> Shares
    where
        F: Fn(&Team<'_>) + Sync,
    {
        self.run_at_most(max_threads, true, &f)
    }

    /// For the loops of `workshare-parfor`: the most threads a loop that asks for up to
    /// `max_threads` should take, given how many threads call this pool's loops at about the
    /// same time. With `c` such callers (this one included, counted over the last millisecond
    /// or two), at most `size() / c` threads, and at least one: when callers alone fill the
    /// pool's threads, an idle worker is no idle core, and a fork would take a core from
    /// another caller. One caller gets `max_threads` (clamped to `1..=size()`). Counts the
    /// calling thread as a caller; costs a thread-local countdown on most calls, and a clock
    /// read on one in eight. Under loom, always `max_threads`.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::new(4)?;
    /// // Nobody else calls this pool's loops: the whole pool.
    /// assert_eq!(pool.loop_team_limit(8), 4);
    /// assert_eq!(pool.loop_team_limit(2), 2);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[doc(hidden)]
    #[inline]
    pub fn loop_team_limit(&self, max_threads: usize) -> usize {
        let size = self.size();
        let max_threads = max_threads.clamp(1, size);
        if max_threads == 1 {
            return 1;
        }
        let callers = self.shared.census.callers();
        max_threads.min((size / callers).max(1))
    }

    /// [`region_at_most`](Pool::region_at_most) and its independent-shares form.
    #[track_caller]
    fn run_at_most<F>(&self, max_threads: usize, independent: bool, f: &F) -> Shares
    where
        F: Fn(&Team<'_>) + Sync,
    {
        assert!(
            max_threads > 0,
            "workshare: region_at_most(0): a team needs at least one thread, the caller"
        );
        let want = Want::AtMost(max_threads.min(self.size()));
        let _current = crate::current::enter(self);
        let ran = self.shared.run(want, independent, f);
        debug_assert!(ran.is_ok());
        ran.unwrap_or_default()
    }

    /// Runs `f` on a team of exactly `num_threads` threads, or returns an error at once if the
    /// pool cannot give that team now (OpenMP 6's `num_threads(strict: n)`): for SPMD code
    /// whose decomposition needs exactly `n` threads. Never waits for workers to become idle.
    ///
    /// # Errors
    ///
    /// [`Error::NumThreadsOutOfRange`] outside `1..=size()`; [`Error::TeamUnavailable`] when
    /// fewer workers are idle than needed (other regions hold them), when the call is nested
    /// [`max_active_levels`](Pool::max_active_levels) deep, or in a child process forked after
    /// the pool started. `f` has not run then.
    ///
    /// # Panics
    ///
    /// To resume a panic of `f`.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// use workshare::{Error, Pool};
    /// let pool = Pool::new(3)?;
    /// pool.try_region_exact(3, |team| assert_eq!(team.team_size(), 3))?;
    /// // Inside that region, its workers are taken: a nested exact team of 2 is refused.
    /// pool.try_region_exact(3, |team| {
    ///     if team.thread_id() == 0 {
    ///         let nested = pool.try_region_exact(2, |_| {});
    ///         assert!(matches!(nested, Err(Error::TeamUnavailable { .. })));
    ///     }
    /// })?;
    /// assert!(pool.try_region_exact(4, |_| {}).is_err());
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn try_region_exact<F>(&self, num_threads: usize, f: F) -> Result<(), Error>
    where
        F: Fn(&Team<'_>) + Sync,
    {
        let size = self.size();
        if num_threads == 0 || num_threads > size {
            return Err(Error::NumThreadsOutOfRange {
                requested: num_threads,
                size,
            });
        }
        let _current = crate::current::enter(self);
        self.shared.run(Want::Exactly(num_threads), false, &f)?;
        Ok(())
    }

    /// Runs `f` on the calling thread with this pool as the *current pool*: the one that the
    /// current-pool functions (`workshare::region`, `num_threads`, `set_num_threads`, the
    /// `parfor::global` and `reductions::global` functions) use, so that library code
    /// written against them runs on the pool the application chose (rayon's
    /// `ThreadPool::install`). Returns what `f` returns; a panic of `f` passes through, and
    /// the previous current pool is back either way.
    ///
    /// The current pool of a thread is, innermost first: the pool of the region it runs a
    /// team thread of (so inside a region of this pool, every team thread's current pool is
    /// this one), the pool of the innermost `install` on it, and otherwise the global pool.
    /// [`global`](crate::global) itself always returns the global pool.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// use workshare::Pool;
    /// // Library code that uses the global-pool functions...
    /// fn library_team_size() -> usize {
    ///     let mut size = 0;
    ///     let sizes = std::sync::Mutex::new(Vec::new());
    ///     workshare::region(|team| sizes.lock().unwrap().push(team.team_size()));
    ///     size += sizes.into_inner().unwrap()[0];
    ///     size
    /// }
    /// // ...runs on the application's pool of 3 threads.
    /// let pool = Pool::new(3)?;
    /// assert_eq!(pool.install(|| workshare::num_threads()), 3);
    /// assert!(pool.install(library_team_size) <= 3);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn install<R>(&self, f: impl FnOnce() -> R) -> R {
        let _current = crate::current::enter(self);
        f()
    }
}

/// A keep-warm phase of a pool: its idle workers spin instead of sleeping while this lives.
/// Made by [`Pool::keep_warm`].
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// let pool = workshare::Pool::new(2)?;
/// let phase: workshare::KeepWarm<'_> = pool.keep_warm();
/// pool.region(|_| {});
/// drop(phase);
/// # Ok::<(), workshare::Error>(())
/// ```
#[must_use = "the workers stay awake only while the guard lives"]
pub struct KeepWarm<'pool> {
    /// `None` in a forked child, where the guard does nothing.
    dispatch: Option<&'pool Dispatch>,
}

impl fmt::Debug for KeepWarm<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeepWarm").finish_non_exhaustive()
    }
}

impl Drop for KeepWarm<'_> {
    fn drop(&mut self) {
        if let Some(dispatch) = self.dispatch {
            dispatch.cool_down();
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
    /// with [`last_region_stats`](Pool::last_region_stats) (the calling thread's last region)
    /// and [`stats`](Pool::stats) (every region's, added up by team thread id). Regions that
    /// run at the same time (started by several threads, or nested) are each counted once, as
    /// regions of their own: a nested region's time also shows in the enclosing thread's busy
    /// time.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// use workshare::Pool;
    /// let pool = Pool::new(2)?;
    /// pool.set_collect_stats(true);
    /// pool.region(|team| team.record_work(1, 100, 0));
    /// assert_eq!(pool.last_region_stats().total().iterations, 200);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn set_collect_stats(&self, on: bool) {
        self.shared.stats.set_enabled(on);
    }

    /// The statistics accumulated since the pool was built or last
    /// [reset](Pool::reset_stats), over every counted region whatever thread started it, one
    /// entry per team thread id (`size()` entries; entry 0 adds up the threads that started
    /// the regions).
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::builder().num_threads(2).collect_stats(true).build()?;
    /// for _ in 0..3 {
    ///     pool.region(|_| {});
    /// }
    /// assert_eq!(pool.stats().threads()[1].regions, 3);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn stats(&self) -> Stats {
        self.shared.stats.totals()
    }

    /// The statistics of the last region that the calling thread started on this pool with
    /// statistics on, one entry per thread of its team; empty before the first such region (or
    /// after [`reset_stats`](Pool::reset_stats)). Regions started by other threads at the same
    /// time never mix into it.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::builder().num_threads(3).collect_stats(true).build()?;
    /// pool.region_at_most(2, |team| team.record_work(1, 7, 0));
    /// let last = pool.last_region_stats();
    /// assert_eq!(last.threads().len(), 2);
    /// assert_eq!(last.total().iterations, 14);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn last_region_stats(&self) -> Stats {
        self.shared.stats.last_region()
    }

    /// Sets every statistic back to zero.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::builder().num_threads(2).collect_stats(true).build()?;
    /// pool.region(|_| {});
    /// pool.reset_stats();
    /// assert_eq!(pool.stats().total().regions, 0);
    /// assert!(pool.last_region_stats().threads().is_empty());
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn reset_stats(&self) {
        self.shared.stats.reset();
    }
}

// A panic never leaves a pool broken: a region resumes its first panic only after the join
// (every team thread finished, the workers released, the team context reset by its next
// `begin`), no lock of the pool is held while user code runs, and a keep-warm guard only
// counts. So a `Pool` (and a reference to one) may cross `catch_unwind`, as tokio's `Runtime`
// may; `pool/tests/pool.rs` and `tests/auto_traits.rs` use it after caught panics.
impl std::panic::UnwindSafe for Pool {}
impl std::panic::RefUnwindSafe for Pool {}
impl std::panic::UnwindSafe for KeepWarm<'_> {}
impl std::panic::RefUnwindSafe for KeepWarm<'_> {}

impl Drop for Pool {
    fn drop(&mut self) {
        if self.handle {
            return;
        }
        if self.shared.forked() {
            // A copy in a forked child: its workers do not exist, there is nobody to stop.
            std::mem::forget(std::mem::take(&mut self.workers));
            return;
        }
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
    // The pool as the current pool of this thread's jobs: the global-pool functions called
    // from a region body running here use it (`crate::global::with_current_pool`).
    let handle = Pool {
        shared: Arc::clone(&shared),
        workers: Vec::new(),
        handle: true,
    };
    let _current = crate::current::enter(&handle);
    let abort = AbortOnUnwind;
    let mut last = 0;
    let spin = shared.spin;
    let sleep_at_once = Spin::new(Duration::ZERO, false);
    loop {
        // While callers of the pool's loops fill its threads (the census), no fork is coming
        // that this worker could help without taking a caller's core, and spinning would take
        // one: sleep at once.
        let wait = if shared.census.crowded(shared.size) {
            &sleep_at_once
        } else {
            &spin
        };
        let (state, assignment) = match shared.dispatch.wait_for_work(index, last, wait) {
            Work::Run { state, assignment } => (state, assignment),
            Work::Skip { state } => {
                last = state;
                continue;
            }
            Work::Exit => break,
        };
        last = state;
        let Assignment { job, rank } = assignment;
        let sync = &*shared.teams[job.region.ctx as usize];
        {
            // SAFETY: `rank` is below the team size; we take part in this region, so its owner
            // keeps the cells alive until we call `finish` below; `team` is gone by then (end
            // of this block).
            let cell = unsafe { job.region.stats.cell(rank) };
            let team = Team::new(job.region, rank, Some(sync), spin, cell);
            // SAFETY: as above, for the closure.
            run_counted(sync, &team, |team| unsafe { job.run(team) });
        }
        sync.finish();
    }
    std::mem::forget(abort);
}

type NameFn = Box<dyn Fn(usize) -> String + Send + Sync>;

/// Configures and builds a [`Pool`].
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// use std::time::Duration;
/// let pool = workshare::Pool::builder()
///     .num_threads(2)
///     .spin_time(Duration::from_micros(50))
///     .thread_name(|i| format!("solver-{i}"))
///     .stack_size(1 << 20)
///     .build()?;
/// assert_eq!(pool.size(), 2);
/// # Ok::<(), workshare::Error>(())
/// ```
pub struct PoolBuilder {
    num_threads: Option<usize>,
    spin_time: Duration,
    pin: bool,
    name: Option<NameFn>,
    stack_size: Option<usize>,
    stats: bool,
    max_levels: usize,
}

impl fmt::Debug for PoolBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolBuilder")
            .field("num_threads", &self.num_threads)
            .field("spin_time", &self.spin_time)
            .field("pin", &self.pin)
            .field("stack_size", &self.stack_size)
            .field("collect_stats", &self.stats)
            .field("max_active_levels", &self.max_levels)
            .finish_non_exhaustive()
    }
}

impl Default for PoolBuilder {
    fn default() -> Self {
        Self::new()
    }
}

/// The spin time of [`WAIT_POLICY_ENV`](crate::WAIT_POLICY_ENV), read once.
fn default_spin_time() -> Duration {
    static SPIN: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *SPIN.get_or_init(|| {
        let value = std::env::var(crate::WAIT_POLICY_ENV).ok();
        parse_wait_policy(value.as_deref()).unwrap_or_else(|warning| {
            eprintln!("{warning}");
            DEFAULT_SPIN_TIME
        })
    })
}

/// What a value of [`WAIT_POLICY_ENV`](crate::WAIT_POLICY_ENV) means as a spin time, or the
/// warning to print for one that means nothing.
pub(crate) fn parse_wait_policy(value: Option<&str>) -> Result<Duration, String> {
    let Some(raw) = value else {
        return Ok(DEFAULT_SPIN_TIME);
    };
    let trimmed = raw.trim().to_ascii_lowercase();
    let number = |digits: &str| digits.trim().parse::<u64>().ok();
    let parsed = match trimmed.as_str() {
        "" => Some(DEFAULT_SPIN_TIME),
        "passive" => Some(Duration::ZERO),
        // Never reached by an idle worker's clock: it spins (yielding) until there is work.
        "active" => Some(Duration::MAX),
        other => match (other.strip_suffix("us"), other.strip_suffix("ms")) {
            (Some(us), _) => number(us).map(Duration::from_micros),
            (_, Some(ms)) => number(ms).map(Duration::from_millis),
            _ => None,
        },
    };
    parsed.ok_or_else(|| {
        format!(
            "workshare: ignoring {}={raw:?}: expected passive, active, or a spin time such as \
             50us or 2ms; using {}us",
            crate::WAIT_POLICY_ENV,
            DEFAULT_SPIN_TIME.as_micros()
        )
    })
}

impl PoolBuilder {
    /// A builder with the defaults: one thread per available core, the spin time that
    /// [`WAIT_POLICY_ENV`](crate::WAIT_POLICY_ENV) sets ([`DEFAULT_SPIN_TIME`] when unset), no
    /// pinning, threads named `workshare-{index}`, the platform's stack size.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::PoolBuilder::new().build()?;
    /// assert!(pool.size() >= 1);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn new() -> Self {
        Self {
            num_threads: None,
            spin_time: if cfg!(miri) {
                Duration::ZERO
            } else {
                default_spin_time()
            },
            pin: false,
            name: None,
            stack_size: None,
            stats: false,
            max_levels: DEFAULT_MAX_ACTIVE_LEVELS,
        }
    }

    /// The pool's size: threads in a full team, the caller included; also the number of
    /// threads its regions ask for ([`Pool::num_threads`]) until
    /// [`Pool::set_num_threads`] lowers it.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::builder().num_threads(3).build()?;
    /// assert_eq!((pool.size(), pool.num_threads()), (3, 3));
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[must_use]
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
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::builder()
    ///     .spin_time(std::time::Duration::ZERO)
    ///     .build()?;
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[must_use]
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
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let built = workshare::Pool::builder().num_threads(2).pin_threads(true).build();
    /// // Fails with `Error::Pin` where pinning is not supported or not allowed.
    /// # let _ = built;
    /// ```
    #[must_use]
    pub fn pin_threads(mut self, pin: bool) -> Self {
        self.pin = pin;
        self
    }

    /// Names worker threads: `name(index)` for pool thread index `1..size` (fixed per worker;
    /// the team thread id a worker gets depends on the region).
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::builder()
    ///     .num_threads(2)
    ///     .thread_name(|i| format!("physics-{i}"))
    ///     .build()?;
    /// # Ok::<(), workshare::Error>(())
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
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::builder()
    ///     .num_threads(2)
    ///     .stack_size(8 << 20)
    ///     .build()?;
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[must_use]
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
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::builder().num_threads(2).collect_stats(true).build()?;
    /// pool.region(|_| {});
    /// assert_eq!(pool.stats().total().regions, 2);
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[must_use]
    pub fn collect_stats(mut self, on: bool) -> Self {
        self.stats = on;
        self
    }

    /// How many active regions (regions with more than one thread) may be nested inside one
    /// another on a thread, counting the regions of every pool (OpenMP's
    /// `max-active-levels`); a region nested deeper runs on its calling thread as a team of
    /// one. Default: [`DEFAULT_MAX_ACTIVE_LEVELS`] (no limit), or the value of
    /// [`MAX_ACTIVE_LEVELS_ENV`](crate::MAX_ACTIVE_LEVELS_ENV) for
    /// [`from_env`](PoolBuilder::from_env) and the global pool. 0 runs every region on its
    /// calling thread; 1 keeps nested regions on their calling threads.
    ///
    /// The limit is about where threads go, never about correctness: a nested region only ever
    /// takes workers that are idle, so without a limit the depth is bounded by the pool's size,
    /// and no nesting can deadlock or oversubscribe the pool.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::builder().num_threads(4).max_active_levels(1).build()?;
    /// pool.region_at_most(2, |team| {
    ///     // Nested in an active region: one level is the limit, so a team of one.
    ///     pool.region(|inner| assert_eq!(inner.team_size(), 1));
    /// });
    /// # Ok::<(), workshare::Error>(())
    /// ```
    #[must_use]
    pub fn max_active_levels(mut self, levels: usize) -> Self {
        self.max_levels = levels;
        self
    }

    /// Starts the workers.
    ///
    /// # Errors
    ///
    /// [`Error::ZeroThreads`], [`Error::TooManyThreads`], [`Error::Spawn`] when the operating
    /// system refuses a thread, [`Error::Pin`] when pinning fails, [`Error::InvalidThreadName`]
    /// when a name from [`thread_name`](PoolBuilder::thread_name) holds a NUL byte. On error
    /// every worker already started is stopped and joined.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let err = workshare::Pool::builder().num_threads(0).build().unwrap_err();
    /// assert_eq!(err, workshare::Error::ZeroThreads);
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
            // Deeper than any team can nest (a level takes a worker): no limit.
            max_levels: u32::try_from(self.max_levels).unwrap_or(u32::MAX),
            max_levels_asked: self.max_levels,
            dispatch: Dispatch::new(size - 1),
            teams: (1..size).map(|_| CachePadded::default()).collect(),
            spin,
            stats: PoolStats::new(size, self.stats),
            forks: fork::generation(),
            census: Census::new(),
        });
        let mut pool = Pool {
            handle: false,
            shared,
            workers: Vec::with_capacity(size - 1),
        };
        for index in 1..size {
            // On `?` below, `pool` drops: it shuts down and joins the workers started so far.
            let handle = self.spawn_worker(&pool.shared, index - 1, index)?;
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

    /// Starts worker `worker`, pool thread `index` (`worker + 1`).
    fn spawn_worker(
        &self,
        shared: &Arc<Shared>,
        worker: usize,
        index: usize,
    ) -> Result<thread::JoinHandle<()>, Error> {
        let name = match &self.name {
            Some(name) => name(index),
            None => format!("workshare-{index}"),
        };
        if name.contains('\0') {
            return Err(Error::InvalidThreadName { index, name });
        }
        let mut builder = thread::Builder::new().name(name);
        if let Some(bytes) = self.stack_size {
            builder = builder.stack_size(bytes);
        }
        let shared = Arc::clone(shared);
        builder
            .spawn(move || worker_main(shared, worker))
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

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn wait_policy_values() {
        assert_eq!(parse_wait_policy(None), Ok(DEFAULT_SPIN_TIME));
        assert_eq!(parse_wait_policy(Some(" ")), Ok(DEFAULT_SPIN_TIME));
        assert_eq!(parse_wait_policy(Some("PASSIVE")), Ok(Duration::ZERO));
        assert_eq!(parse_wait_policy(Some("active")), Ok(Duration::MAX));
        assert_eq!(
            parse_wait_policy(Some("50us")),
            Ok(Duration::from_micros(50))
        );
        assert_eq!(
            parse_wait_policy(Some(" 2ms ")),
            Ok(Duration::from_millis(2))
        );
        for bad in ["fast", "50", "-1us", "1.5ms", "us", "10s"] {
            let warning = parse_wait_policy(Some(bad)).unwrap_err();
            assert!(
                warning.contains("WORKSHARE_WAIT_POLICY") && warning.contains(bad),
                "{warning}"
            );
        }
    }
}
