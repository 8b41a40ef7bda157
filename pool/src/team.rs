//! A team: the threads running one region, and what they share.

use crate::barrier::{Abandoned, Barrier};
use crate::sleep::Sleep;
use crate::spin::Spin;
use crate::stats::{ThreadCell, ThreadStats};
use crate::sync::{AtomicBool, AtomicUsize, CachePadded, Mutex, Ordering};
use crate::workshare::{Slot, WorkShareRing};
use std::any::Any;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

/// A panic payload, as `catch_unwind` returns it.
pub(crate) type Payload = Box<dyn Any + Send + 'static>;

/// What the threads of one team share for the length of a region.
#[derive(Debug, Default)]
pub(crate) struct TeamSync {
    /// Team threads that have finished their share, counted up forever (wrapping): the join
    /// counter. Never reset, so that starting a region stores nothing to a line the workers
    /// hold (on x86 such a store would hold back the publication behind it).
    finished: CachePadded<AtomicUsize>,
    barrier: Barrier,
    workshares: WorkShareRing,
    /// Set once a team thread panicked; the first payload is kept in `payload`.
    panicked: AtomicBool,
    payload: Mutex<Option<Payload>>,
    /// Where barrier and workshare waiters, and the owner waiting for the join, sleep.
    sleep: Sleep,
}

impl TeamSync {
    /// Prepares for a region and returns the join counter's value at its start (its *base*).
    /// Only while no team thread runs.
    pub(crate) fn begin(&self) -> usize {
        if self.panicked.load(Ordering::Relaxed) {
            self.barrier.reset();
            self.panicked.store(false, Ordering::Relaxed);
        }
        if self.workshares.used() {
            self.workshares.reset();
        }
        // Relaxed: no team thread runs, and the previous join (or the region lock) ordered
        // every earlier increment before us.
        self.finished.load(Ordering::Relaxed)
    }

    /// Why a wait inside the team of `region` can never end, if it cannot.
    fn abandoned(&self, region: &RegionInfo) -> Option<Abandoned> {
        if self.panicked.load(Ordering::Acquire) {
            Some(Abandoned::Panicked)
        } else if self.finished.load(Ordering::Acquire) != region.base {
            Some(Abandoned::Left)
        } else {
            None
        }
    }

    /// Runs one team thread's share of the region, catching a panic into the team.
    pub(crate) fn run_share(&self, team: &Team<'_>, share: impl FnOnce(&Team<'_>)) {
        let _entered = team.enter();
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| share(team))) {
            self.record_panic(payload);
        }
    }

    #[cold]
    fn record_panic(&self, payload: Payload) {
        let mut slot = self.payload.lock();
        if slot.is_none() {
            *slot = Some(payload);
        }
        drop(slot);
        // Release: a waiter that sees the flag returns an error and never blocks on us.
        self.panicked.store(true, Ordering::Release);
        self.sleep.notify();
    }

    /// Marks the calling team thread as finished. After this it must not touch the region's
    /// closure: the owner may return as soon as every thread has finished.
    #[inline]
    pub(crate) fn finish(&self) {
        // Release: everything this thread did in the region happens-before the owner's Acquire
        // load of the final count (the increments form one release sequence).
        self.finished.fetch_add(1, Ordering::Release);
        // The owner may sleep on the join; barrier waiters watch departures.
        self.sleep.notify();
    }

    /// Waits (as the owner, after its own `finish`) until every team thread of `region` has
    /// finished.
    #[inline]
    pub(crate) fn wait_all_finished(&self, region: &RegionInfo, spin: &Spin) {
        // Acquire: pairs with the Release increments in `finish`.
        let done = || {
            let count = self.finished.load(Ordering::Acquire);
            count.wrapping_sub(region.base) == region.num_threads
        };
        if !spin.until(done) {
            self.sleep.sleep_while(|| !done());
        }
    }

    /// Takes the first panic payload of the region, if a team thread panicked.
    pub(crate) fn take_panic(&self) -> Option<Payload> {
        if self.panicked.load(Ordering::Relaxed) {
            self.payload.lock().take()
        } else {
            None
        }
    }
}

/// Identity of the region a thread is running, kept in a thread-local chain so that regions
/// nested in regions of the same pool are detected, and [`thread_id`](crate::thread_id) works.
#[derive(Debug)]
struct Frame {
    pool: usize,
    thread_id: usize,
    num_threads: usize,
    parent: *const Frame,
}

// loom's `thread_local!` has no `const` form; std's `const` form skips the lazy-init check.
#[cfg(loom)]
crate::sync::thread_local! {
    static CURRENT: Cell<*const Frame> = Cell::new(std::ptr::null());
}
#[cfg(not(loom))]
crate::sync::thread_local! {
    static CURRENT: Cell<*const Frame> = const { Cell::new(std::ptr::null()) };
}

/// Where a region was started from: the owner's chain of regions. Workers continue that chain
/// rather than their own (empty) one, so a region is nested in whatever its owner was running
/// even on other threads: `P -> Q -> P` runs the inner `P` inline on Q's workers too.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Origin(*const Frame);

// SAFETY: an `Origin` travels to the workers of a region inside its job, and is dereferenced
// only by `frames`, while the owner (whose stack holds the frames) waits for those workers; the
// frames are never written after construction.
unsafe impl Send for Origin {}
// SAFETY: as for `Send`: shared access only reads immutable frames that outlive the readers.
unsafe impl Sync for Origin {}

impl Origin {
    /// The calling thread's chain.
    pub(crate) fn current() -> Self {
        Self(CURRENT.with(Cell::get))
    }
}

/// What every thread of one region needs to know besides the closure; the job carries it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RegionInfo {
    /// Identifies the pool (see `inside_pool`).
    pub(crate) pool: usize,
    pub(crate) num_threads: usize,
    /// The owner's chain of regions.
    pub(crate) origin: Origin,
    /// The join counter's value when the region started (`TeamSync::begin`).
    pub(crate) base: usize,
    /// The region's statistics id, 0 when it is not counted (see the stats module).
    pub(crate) stats: u64,
}

/// Restores the thread's previous frame when the region share ends, also on unwinding.
struct Entered<'t> {
    parent: *const Frame,
    _frame: PhantomData<&'t Frame>,
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        CURRENT.with(|current| current.set(self.parent));
    }
}

/// Walks the calling thread's chain of regions.
fn frames<R>(mut visit: impl FnMut(&Frame) -> Option<R>) -> Option<R> {
    let mut frame = CURRENT.with(Cell::get);
    while !frame.is_null() {
        // SAFETY: a frame is in a chain only while the `Team` holding it is borrowed by an
        // `Entered` guard, which unlinks it before the team is dropped, and outer frames outlive
        // inner ones. A worker's chain continues its owner's (`Origin`): the owner is blocked in
        // `Pool::region` until every worker has finished, so its frames outlive the worker's
        // use. Frames are never written after construction, and the owner's were written before
        // the job's Release publication that the worker acquired.
        let current = unsafe { &*frame };
        if let Some(found) = visit(current) {
            return Some(found);
        }
        frame = current.parent;
    }
    None
}

/// Whether the calling thread is inside a region of the pool identified by `pool`.
pub(crate) fn inside_pool(pool: usize) -> bool {
    frames(|frame| (frame.pool == pool).then_some(())).is_some()
}

/// The calling thread's team thread id and team size in its innermost region.
#[cfg_attr(loom, allow(dead_code))] // used by the global-pool functions, absent under loom
pub(crate) fn current() -> Option<(usize, usize)> {
    frames(|frame| Some((frame.thread_id, frame.num_threads)))
}

/// The context of one team thread inside a parallel region.
///
/// A region's closure receives `&Team` on every team thread. It says which thread this is
/// ([`thread_id`](Team::thread_id), 0 for the thread that started the region) and how many
/// there are ([`num_threads`](Team::num_threads)), and lets the team synchronize with
/// [`barrier`](Team::barrier). A `Team` cannot leave its thread or outlive its region.
///
/// # Examples
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let pool = workshare_pool::Pool::new(3).unwrap();
/// let ids = AtomicUsize::new(0);
/// pool.region(|team| {
///     assert_eq!(team.num_threads(), 3);
///     ids.fetch_add(1 << team.thread_id(), Ordering::Relaxed);
/// });
/// assert_eq!(ids.into_inner(), 0b111);
/// ```
pub struct Team<'a> {
    frame: Frame,
    region: RegionInfo,
    sync: &'a TeamSync,
    spin: Spin,
    next_construct: Cell<usize>,
    /// This thread's statistics cell, when the region is counted.
    stats: Option<&'a ThreadCell>,
}

impl fmt::Debug for Team<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Team")
            .field("thread_id", &self.frame.thread_id)
            .field("num_threads", &self.frame.num_threads)
            .finish_non_exhaustive()
    }
}

impl<'a> Team<'a> {
    pub(crate) fn new(
        region: RegionInfo,
        thread_id: usize,
        sync: &'a TeamSync,
        spin: Spin,
    ) -> Self {
        Self {
            frame: Frame {
                pool: region.pool,
                thread_id,
                num_threads: region.num_threads,
                parent: region.origin.0,
            },
            region,
            sync,
            spin,
            next_construct: Cell::new(0),
            stats: None,
        }
    }

    /// Counts this thread's share in the cell `cell` returns, when the region has a statistics
    /// id (otherwise the cell is not even looked up: this runs on every fork).
    #[inline]
    pub(crate) fn with_stats(mut self, cell: impl FnOnce() -> &'a ThreadCell) -> Self {
        if self.region.stats != 0 {
            self.stats = Some(cell());
        }
        self
    }

    /// Records this thread's busy time for the region, if it is counted.
    pub(crate) fn record_busy(&self, busy: Duration) {
        if let Some(cell) = self.stats {
            let work = ThreadStats {
                busy,
                regions: 1,
                ..ThreadStats::default()
            };
            cell.add(self.region.stats, &work);
        }
    }

    /// Links this team's frame into the thread's chain until the guard drops.
    fn enter(&self) -> Entered<'_> {
        CURRENT.with(|current| current.set(&self.frame));
        Entered {
            parent: self.frame.parent,
            _frame: PhantomData,
        }
    }

    /// Runs `share` as this (only) team thread, on the calling thread, with no catching.
    pub(crate) fn run_solo(&self, share: impl FnOnce(&Team<'_>)) {
        let _entered = self.enter();
        share(self);
    }

    /// This thread's index in the team, from 0 (the thread that started the region) to
    /// `num_threads() - 1`.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = workshare_pool::Pool::new(2).unwrap();
    /// pool.region(|team| assert!(team.thread_id() < team.num_threads()));
    /// ```
    #[inline]
    pub fn thread_id(&self) -> usize {
        self.frame.thread_id
    }

    /// The number of threads in the team.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = workshare_pool::Pool::new(2).unwrap();
    /// pool.region(|team| assert_eq!(team.num_threads(), 2));
    /// ```
    #[inline]
    pub fn num_threads(&self) -> usize {
        self.frame.num_threads
    }

    /// Whether this region collects statistics (see
    /// [`Pool::set_collect_stats`](crate::Pool::set_collect_stats)): loops can skip counting
    /// their chunks when it does not.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = workshare_pool::Pool::builder().num_threads(2).collect_stats(true).build()?;
    /// pool.region(|team| assert!(team.collecting_stats()));
    /// pool.set_collect_stats(false);
    /// pool.region(|team| assert!(!team.collecting_stats()));
    /// # Ok::<(), workshare_pool::Error>(())
    /// ```
    #[inline]
    pub fn collecting_stats(&self) -> bool {
        self.stats.is_some()
    }

    /// Adds to this thread's statistics for the region: `chunks` chunks of `iterations` loop
    /// indices in all, `steals` of them taken from other threads. Does nothing when the region
    /// collects no statistics. The loops of `workshare-parfor` call it; call it from your own
    /// worksharing code to have it show in [`Pool::stats`](crate::Pool::stats).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = workshare_pool::Pool::builder().num_threads(2).collect_stats(true).build()?;
    /// pool.region(|team| team.record_work(3, 30, 1));
    /// let total = pool.last_region_stats().total();
    /// assert_eq!((total.chunks, total.iterations, total.steals), (6, 60, 2));
    /// # Ok::<(), workshare_pool::Error>(())
    /// ```
    pub fn record_work(&self, chunks: u64, iterations: u64, steals: u64) {
        if let Some(cell) = self.stats {
            let work = ThreadStats {
                chunks,
                iterations,
                steals,
                ..ThreadStats::default()
            };
            cell.add(self.region.stats, &work);
        }
    }

    /// Waits until every thread of the team has reached this barrier. What each thread wrote
    /// before the barrier is visible to all of them after it. Reusable any number of times.
    ///
    /// # Panics
    ///
    /// Every team thread must call `barrier` the same number of times. If another team thread
    /// panicked, or returned from the region without reaching this barrier, the barrier can never
    /// complete: instead of hanging, it panics with a message that says which. The region then
    /// resumes the first panic on the thread that started it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// let pool = workshare_pool::Pool::new(4).unwrap();
    /// let arrived = AtomicUsize::new(0);
    /// pool.region(|team| {
    ///     arrived.fetch_add(1, Ordering::Relaxed);
    ///     team.barrier();
    ///     // Every thread has incremented before any gets here.
    ///     assert_eq!(arrived.load(Ordering::Relaxed), team.num_threads());
    /// });
    /// ```
    pub fn barrier(&self) {
        let sync = self.sync;
        let team_size = self.num_threads();
        let result = sync.barrier.wait(team_size, &self.spin, &sync.sleep, || {
            sync.abandoned(&self.region)
        });
        if let Err(why) = result {
            abandoned_panic("barrier", why);
        }
    }

    /// Enters the team's next worksharing construct: a building block for loops shared by a
    /// running team (`workshare-parfor` builds OpenMP's `for` and `single` on it).
    ///
    /// Every team thread must enter the same constructs in the same order. All of them get the
    /// same [`WorkShare`], whose [`counter`](WorkShare::counter) starts at zero; a thread leaves
    /// the construct when it drops its `WorkShare`. There is no barrier at the end: call
    /// [`barrier`](Team::barrier) when the construct needs one.
    ///
    /// # Panics
    ///
    /// Like [`barrier`](Team::barrier), if the construct can never be entered because another
    /// team thread panicked or left the region.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// let pool = workshare_pool::Pool::new(3).unwrap();
    /// let winners = AtomicUsize::new(0);
    /// pool.region(|team| {
    ///     let ws = team.workshare();
    ///     // Exactly one thread claims ticket 0: a `single` construct.
    ///     if ws.counter().fetch_add(1, Ordering::Relaxed) == 0 {
    ///         winners.fetch_add(1, Ordering::Relaxed);
    ///     }
    /// });
    /// assert_eq!(winners.into_inner(), 1);
    /// ```
    pub fn workshare(&self) -> WorkShare<'_> {
        let construct = self.next_construct.get();
        self.next_construct.set(construct.wrapping_add(1));
        let sync = self.sync;
        let entered = sync
            .workshares
            .enter(construct, &self.spin, &sync.sleep, || {
                sync.abandoned(&self.region)
            });
        match entered {
            Ok(slot) => WorkShare {
                slot,
                team: self,
                construct,
            },
            Err(why) => abandoned_panic("worksharing construct", why),
        }
    }
}

#[cold]
fn abandoned_panic(what: &str, why: Abandoned) -> ! {
    match why {
        Abandoned::Panicked => {
            panic!("workshare: {what} abandoned because another team thread panicked")
        }
        Abandoned::Left => panic!(
            "workshare: {what} can never complete: another team thread returned from the \
             region without reaching it (every team thread must reach the same barriers and \
             worksharing constructs)"
        ),
    }
}

/// One team thread's handle on a worksharing construct; see [`Team::workshare`].
///
/// Dropping it marks this thread as done with the construct.
///
/// # Examples
///
/// ```
/// use std::sync::atomic::Ordering;
/// let pool = workshare_pool::Pool::new(2).unwrap();
/// pool.region(|team| {
///     let ws = team.workshare();
///     let ticket = ws.counter().fetch_add(1, Ordering::Relaxed);
///     assert!(ticket < 2);
/// });
/// ```
pub struct WorkShare<'t> {
    slot: &'t Slot,
    team: &'t Team<'t>,
    construct: usize,
}

impl fmt::Debug for WorkShare<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkShare")
            .field("construct", &self.construct)
            .finish_non_exhaustive()
    }
}

impl WorkShare<'_> {
    /// The construct's shared claim counter: zero when the first thread enters, shared by the
    /// whole team, reset when the last thread leaves.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::atomic::Ordering;
    /// let pool = workshare_pool::Pool::new(2).unwrap();
    /// pool.region(|team| {
    ///     // Dynamic scheduling of 10 items inside a running region.
    ///     let ws = team.workshare();
    ///     while ws.counter().fetch_add(1, Ordering::Relaxed) < 10 {}
    /// });
    /// ```
    #[inline]
    pub fn counter(&self) -> &crate::sync::AtomicUsize {
        self.slot.counter()
    }

    /// The team this construct belongs to.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = workshare_pool::Pool::new(2).unwrap();
    /// pool.region(|team| {
    ///     let ws = team.workshare();
    ///     assert_eq!(ws.team().num_threads(), 2);
    /// });
    /// ```
    #[inline]
    pub fn team(&self) -> &Team<'_> {
        self.team
    }
}

impl Drop for WorkShare<'_> {
    fn drop(&mut self) {
        let team = self.team;
        self.slot
            .leave(self.construct, team.num_threads(), &team.sync.sleep);
    }
}
