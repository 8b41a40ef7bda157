//! A team: the threads running one region, and what they share.
//!
//! Each thread keeps a pointer to the frame of the innermost region it runs (`CURRENT`), set
//! when it enters a region's share and restored to the thread's own previous value when it
//! leaves, also on unwinding; frames live on the same thread's stack, so the pointer never
//! crosses threads. Workers start every share from their own (empty) chain: a region's nesting
//! level travels in its job instead.

use crate::barrier::{Abandoned, Barrier};
use crate::collective::Collective;
use crate::sleep::Sleep;
use crate::spin::Spin;
use crate::stats::{Counters, StatsRef, ThreadStats};
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

/// What the threads of one team share for the length of a region: the team context. A pool
/// keeps one per worker; a team uses the context of its lowest-numbered worker, which its owner
/// holds (claimed) from before `begin` until after the join.
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
    /// Set when a barrier or worksharing wait was abandoned (its thread panicked, and the panic
    /// may have been caught inside the region): the barrier may hold a stale arrival.
    broken: AtomicBool,
    payload: Mutex<Option<Payload>>,
    /// The collectives' own barrier and board (see the `collective` module).
    pub(crate) collective: Collective,
    /// Where barrier and workshare waiters, and the owner waiting for the join, sleep.
    sleep: Sleep,
}

impl TeamSync {
    /// Prepares for a region and returns the join counter's value at its start (its *base*).
    /// Only by the context's holder, while no team thread runs.
    pub(crate) fn begin(&self) -> usize {
        // Relaxed: the claim's Acquire ordered the previous region's writes before us.
        if self.panicked.load(Ordering::Relaxed) || self.broken.load(Ordering::Relaxed) {
            self.barrier.reset();
            self.collective.barrier.reset();
            self.panicked.store(false, Ordering::Relaxed);
            self.broken.store(false, Ordering::Relaxed);
        }
        if self.workshares.used() {
            self.workshares.reset();
        }
        self.finished.load(Ordering::Relaxed)
    }

    /// Why a wait inside the team of `region` can never end, if it cannot.
    ///
    /// The join counter is read first: a thread that panicked set `panicked` before its
    /// `finish` (Release), so once its departure is seen (Acquire) its panic is too, and the
    /// waiter blames the panic, never a "thread that left".
    fn abandoned(&self, region: &RegionInfo) -> Option<Abandoned> {
        let left = self.finished.load(Ordering::Acquire) != region.base;
        // Relaxed: ordered by the Acquire load above when it matters (see above); seen earlier,
        // it only ends the wait a little sooner.
        if self.panicked.load(Ordering::Relaxed) {
            Some(Abandoned::Panicked)
        } else if left {
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
        let extra = match *slot {
            None => {
                *slot = Some(payload);
                None
            }
            Some(_) => Some(payload),
        };
        drop(slot);
        // Relaxed: published by this thread's `finish` (Release), which follows at once and
        // also wakes the waiters (see `abandoned`); the owner reads it after the join.
        self.panicked.store(true, Ordering::Relaxed);
        if let Some(extra) = extra {
            drop_payload(extra);
        }
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

    /// Whether every team thread of `region` has finished (a snapshot, for the owner).
    pub(crate) fn all_finished(&self, region: &RegionInfo) -> bool {
        // Relaxed: only decides whether to look for shares to take back; the join's own
        // Acquire load follows.
        let count = self.finished.load(Ordering::Relaxed);
        count.wrapping_sub(region.base) == region.num_threads
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

/// Drops a panic payload that will not be resumed (a second panic of the same region). Its
/// `Drop` is user code and may panic too: that panic is caught, and its own payload leaked, so
/// that user code can never unwind through the pool.
pub(crate) fn drop_payload(payload: Payload) {
    if let Err(nested) = panic::catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(nested);
    }
}

/// Identity of the innermost region a thread runs, so that [`thread_id`](crate::thread_id)
/// works and nested regions know their level.
#[derive(Debug)]
struct Frame {
    thread_id: usize,
    num_threads: usize,
    /// Active (more than one thread) regions this frame is nested in, itself included.
    level: u32,
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

/// What every thread of one region needs to know besides the closure; the job carries it.
///
/// Small enough that a worker's job (this, the closure's two words and the rank) fits beside
/// its mailbox's state word on one cache line.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RegionInfo {
    pub(crate) num_threads: usize,
    /// The join counter's value when the region started (`TeamSync::begin`).
    pub(crate) base: usize,
    /// The region's statistics cells, one per team thread, when it is counted.
    pub(crate) stats: StatsRef,
    /// The nesting level of active regions, this one included (0 for a team of one at the top).
    pub(crate) level: u32,
    /// The team context's index in the pool (its lowest worker); unused for a team of one.
    pub(crate) ctx: u16,
    /// The team threads are independent shares of work that may run one after another (a
    /// loop's): a share its worker has not taken when the owner is done with its own runs on
    /// the owner. No barriers or worksharing constructs then.
    pub(crate) independent: bool,
}

impl RegionInfo {
    /// A team of one at nesting level `level`, not counted.
    pub(crate) fn solo(level: u32) -> Self {
        Self {
            num_threads: 1,
            base: 0,
            stats: StatsRef::NONE,
            level,
            ctx: u16::MAX,
            independent: false,
        }
    }
}

/// Restores the thread's previous frame when the region share ends, also on unwinding.
struct Entered<'t> {
    previous: *const Frame,
    _frame: PhantomData<&'t Frame>,
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        CURRENT.with(|current| current.set(self.previous));
    }
}

/// The calling thread's innermost frame, if it runs a region.
fn with_current<R>(visit: impl FnOnce(&Frame) -> R) -> Option<R> {
    let frame = CURRENT.with(Cell::get);
    if frame.is_null() {
        return None;
    }
    // SAFETY: `CURRENT` is set only by `Team::enter`, to the frame of a team that the returned
    // `Entered` guard borrows, and the guard's drop (also on unwinding) puts back the value it
    // found. Guards on one thread nest (each lives in a stack frame below the previous one), so
    // a non-null `CURRENT` always points to a live frame on this thread's stack. Frames are never
    // written after construction.
    Some(visit(unsafe { &*frame }))
}

/// The calling thread's team thread id and team size in its innermost region.
#[cfg_attr(loom, allow(dead_code))] // used by the global-pool functions, absent under loom
pub(crate) fn current() -> Option<(usize, usize)> {
    with_current(|frame| (frame.thread_id, frame.num_threads))
}

/// The nesting level of active regions on the calling thread (0 outside any region).
pub(crate) fn current_level() -> u32 {
    with_current(|frame| frame.level).unwrap_or(0)
}

/// The context of one team thread inside a parallel region.
///
/// A region's closure receives `&Team` on every team thread. It says which thread this is
/// ([`thread_id`](Team::thread_id), 0 for the thread that started the region) and how many
/// there are ([`team_size`](Team::team_size)), and lets the team synchronize with
/// [`barrier`](Team::barrier). A `Team` cannot leave its thread or outlive its region.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let pool = workshare::Pool::new(3).unwrap();
/// let ids = AtomicUsize::new(0);
/// pool.region(|team| {
///     assert_eq!(team.team_size(), 3);
///     ids.fetch_add(1 << team.thread_id(), Ordering::Relaxed);
/// });
/// assert_eq!(ids.into_inner(), 0b111);
/// ```
///
/// A team handle belongs to its team thread: it is never shared between threads (not `Sync`),
/// so another thread cannot act as this team thread:
///
/// ```compile_fail,E0277
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// fn shared<T: Sync>() {}
/// shared::<workshare::Team<'static>>();
/// ```
pub struct Team<'a> {
    frame: Frame,
    region: RegionInfo,
    /// The team context; `None` for a team of one, which needs none.
    sync: Option<&'a TeamSync>,
    spin: Spin,
    next_construct: Cell<usize>,
    /// This thread's statistics cell, when the region is counted.
    stats: Option<&'a Counters>,
    /// Set while this thread runs the root's part of a collective (see `collective`).
    pub(crate) in_collective: Cell<bool>,
}

impl fmt::Debug for Team<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Team")
            .field("thread_id", &self.frame.thread_id)
            .field("team_size", &self.frame.num_threads)
            .finish_non_exhaustive()
    }
}

impl<'a> Team<'a> {
    pub(crate) fn new(
        region: RegionInfo,
        thread_id: usize,
        sync: Option<&'a TeamSync>,
        spin: Spin,
        stats: Option<&'a Counters>,
    ) -> Self {
        Self {
            frame: Frame {
                thread_id,
                num_threads: region.num_threads,
                level: region.level,
            },
            region,
            sync,
            spin,
            next_construct: Cell::new(0),
            stats,
            in_collective: Cell::new(false),
        }
    }

    /// Records this thread's busy time for the region, if it is counted.
    pub(crate) fn record_busy(&self, busy: Duration) {
        if let Some(cell) = self.stats {
            cell.add(&ThreadStats {
                busy,
                regions: 1,
                ..ThreadStats::default()
            });
        }
    }

    /// Links this team's frame into the thread's chain until the guard drops.
    fn enter(&self) -> Entered<'_> {
        let previous = CURRENT.with(|current| current.replace(&self.frame));
        Entered {
            previous,
            _frame: PhantomData,
        }
    }

    /// Runs `share` as this (only) team thread, on the calling thread, with no catching.
    pub(crate) fn run_solo(&self, share: impl FnOnce(&Team<'_>)) {
        let _entered = self.enter();
        share(self);
    }

    /// This thread's index in the team, from 0 (the thread that started the region) to
    /// `team_size() - 1`.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::new(2).unwrap();
    /// pool.region(|team| assert!(team.thread_id() < team.team_size()));
    /// ```
    #[inline]
    pub fn thread_id(&self) -> usize {
        self.frame.thread_id
    }

    /// The number of threads in this team (`omp_get_num_threads`): what the region got, which
    /// may be fewer than the pool's [`num_threads`](crate::Pool::num_threads), the number a
    /// region asks for.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::new(2).unwrap();
    /// pool.region(|team| assert!(team.team_size() <= pool.num_threads()));
    /// ```
    #[inline]
    pub fn team_size(&self) -> usize {
        self.frame.num_threads
    }

    /// The number of threads in the team: the old name of [`team_size`](Team::team_size).
    /// `num_threads` is, everywhere else, the number of threads the *next* region asks for
    /// ([`Pool::num_threads`](crate::Pool::num_threads)).
    ///
    /// # Examples
    ///
    /// ```
    /// # #![allow(deprecated)]
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::new(2).unwrap();
    /// pool.region(|team| assert_eq!(team.num_threads(), team.team_size()));
    /// ```
    #[deprecated(since = "0.1.0", note = "use `team_size()`, the size of this team")]
    #[inline]
    pub fn num_threads(&self) -> usize {
        self.team_size()
    }

    /// Whether this region collects statistics (see
    /// [`Pool::set_collect_stats`](crate::Pool::set_collect_stats)): loops can skip counting
    /// their chunks when it does not.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::builder().num_threads(2).collect_stats(true).build()?;
    /// pool.region(|team| assert!(team.collecting_stats()));
    /// pool.set_collect_stats(false);
    /// pool.region(|team| assert!(!team.collecting_stats()));
    /// # Ok::<(), workshare::Error>(())
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
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::builder().num_threads(2).collect_stats(true).build()?;
    /// pool.region(|team| team.record_work(3, 30, 1));
    /// let total = pool.last_region_stats().total();
    /// assert_eq!((total.chunks, total.iterations, total.steals), (6, 60, 2));
    /// # Ok::<(), workshare::Error>(())
    /// ```
    pub fn record_work(&self, chunks: u64, iterations: u64, steals: u64) {
        if let Some(cell) = self.stats {
            cell.add(&ThreadStats {
                chunks,
                iterations,
                steals,
                ..ThreadStats::default()
            });
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
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// let pool = workshare::Pool::new(4).unwrap();
    /// let arrived = AtomicUsize::new(0);
    /// pool.region(|team| {
    ///     arrived.fetch_add(1, Ordering::Relaxed);
    ///     team.barrier();
    ///     // Every thread has incremented before any gets here.
    ///     assert_eq!(arrived.load(Ordering::Relaxed), team.team_size());
    /// });
    /// ```
    pub fn barrier(&self) {
        let Some(sync) = self.sync else { return };
        if self.region.independent {
            independent_panic("barrier");
        }
        let team_size = self.team_size();
        let result = sync.barrier.wait(team_size, &self.spin, &sync.sleep, || {
            sync.abandoned(&self.region)
        });
        if let Err(why) = result {
            sync.abandon(why, "barrier");
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
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// let pool = workshare::Pool::new(3).unwrap();
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
        if self.region.independent && self.sync.is_some() {
            independent_panic("worksharing construct");
        }
        let Some(sync) = self.sync else {
            return WorkShare {
                slot: None,
                own: AtomicUsize::new(0),
                team: self,
                construct,
            };
        };
        let entered = sync
            .workshares
            .enter(construct, &self.spin, &sync.sleep, || {
                sync.abandoned(&self.region)
            });
        match entered {
            Ok(slot) => WorkShare {
                slot: Some(slot),
                own: AtomicUsize::new(0),
                team: self,
                construct,
            },
            Err(why) => sync.abandon(why, "worksharing construct"),
        }
    }
}

impl Team<'_> {
    /// The team context, or `None` for a team of one. Panics in a region of independent
    /// shares, where team threads may run one after another and no wait could complete.
    pub(crate) fn context_for(&self, what: &str) -> Option<&TeamSync> {
        let sync = self.sync?;
        if self.region.independent {
            independent_panic(what);
        }
        Some(sync)
    }

    /// Waits at `barrier` (a barrier of this team other than its own) for the whole team,
    /// watching the team's abandoned condition as [`barrier`](Team::barrier) does. For a team
    /// of one it returns at once.
    pub(crate) fn wait_at(&self, barrier: &Barrier) -> Result<(), Abandoned> {
        let Some(sync) = self.sync else {
            return Ok(());
        };
        barrier.wait(self.team_size(), &self.spin, &sync.sleep, || {
            sync.abandoned(&self.region)
        })
    }

    /// Like [`wait_at`](Team::wait_at), for a thread that unwinds (it never sleeps: see
    /// `Barrier::wait_unwinding`).
    pub(crate) fn wait_at_unwinding(&self, barrier: &Barrier) -> Result<(), Abandoned> {
        let Some(sync) = self.sync else {
            return Ok(());
        };
        barrier.wait_unwinding(self.team_size(), &sync.sleep, || {
            sync.abandoned(&self.region)
        })
    }

    /// Like [`wait_at`](Team::wait_at), but panics (naming `what`) when the wait is abandoned.
    pub(crate) fn wait_at_or_panic(&self, barrier: &Barrier, what: &str) {
        if let Err(why) = self.wait_at(barrier) {
            self.give_up(why, what);
        }
    }

    /// Panics for a wait on one of this team's barriers that was abandoned (see
    /// [`wait_at`](Team::wait_at)), marking the team context for a reset.
    #[cold]
    pub(crate) fn give_up(&self, why: Abandoned, what: &str) -> ! {
        match self.sync {
            Some(sync) => sync.abandon(why, what),
            None => unreachable!("a team of one never waits"),
        }
    }
}

impl TeamSync {
    /// Gives up a barrier or worksharing wait that can never end: marks the team context for a
    /// reset before its next region (the barrier may hold this thread's arrival, and the panic
    /// may be caught inside the region), then panics with the reason.
    #[cold]
    fn abandon(&self, why: Abandoned, what: &str) -> ! {
        // Relaxed: read by the next holder of the context, after the join and the release.
        self.broken.store(true, Ordering::Relaxed);
        abandoned_panic(what, why)
    }
}

#[cold]
fn independent_panic(what: &str) -> ! {
    panic!(
        "workshare: {what} in a region of independent shares (a loop's), whose team threads may \
         run one after another; use Pool::region for barriers and worksharing"
    )
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

/// The shared counter of a worksharing construct ([`WorkShare::counter`]): the standard
/// library's [`AtomicUsize`](std::sync::atomic::AtomicUsize). (Only the crate's own
/// model-checking build, `cfg(loom)`, swaps in loom's, which is why it has a name of its own.)
pub type WorkShareCounter = AtomicUsize;

/// One team thread's handle on a worksharing construct; see [`Team::workshare`].
///
/// Dropping it marks this thread as done with the construct.
///
/// # Examples
///
/// ```
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// use std::sync::atomic::Ordering;
/// let pool = workshare::Pool::new(2).unwrap();
/// pool.region(|team| {
///     let ws = team.workshare();
///     let ticket = ws.counter().fetch_add(1, Ordering::Relaxed);
///     assert!(ticket < 2);
/// });
/// ```
///
/// A construct's handle stays on the team thread that entered the construct (neither `Send`
/// nor `Sync`): each team thread must enter and leave it itself.
///
/// ```compile_fail,E0277
/// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
/// fn sent<T: Send>() {}
/// sent::<workshare::WorkShare<'static>>();
/// ```
pub struct WorkShare<'t> {
    /// The team's slot for this construct; `None` in a team of one, which uses `own`.
    slot: Option<&'t Slot>,
    own: AtomicUsize,
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
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// use std::sync::atomic::Ordering;
    /// let pool = workshare::Pool::new(2).unwrap();
    /// pool.region(|team| {
    ///     // Dynamic scheduling of 10 items inside a running region.
    ///     let ws = team.workshare();
    ///     while ws.counter().fetch_add(1, Ordering::Relaxed) < 10 {}
    /// });
    /// ```
    #[inline]
    pub fn counter(&self) -> &WorkShareCounter {
        match self.slot {
            Some(slot) => slot.counter(),
            None => &self.own,
        }
    }

    /// The team this construct belongs to.
    ///
    /// # Examples
    ///
    /// ```
    /// # mod workshare { pub use workshare_pool::*; pub mod pool { pub use workshare_pool::*; } }
    /// let pool = workshare::Pool::new(2).unwrap();
    /// pool.region(|team| {
    ///     let ws = team.workshare();
    ///     assert_eq!(ws.team().team_size(), 2);
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
        if let (Some(slot), Some(sync)) = (self.slot, team.sync) {
            slot.leave(self.construct, team.team_size(), &sync.sleep);
        }
    }
}
