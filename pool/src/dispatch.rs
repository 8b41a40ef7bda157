//! Publishing a region's job to the workers, and workers waiting for one.
//!
//! # Protocol
//!
//! One word, `state`, holds the region's *epoch* (upper 48 bits) and *team size* (lower 16 bits;
//! 0 means shut down). Beside it, on the same cache line, sits the type-erased job. Only the
//! region owner (the holder of the region lock) writes either.
//!
//! - Publish: the owner writes the job, then stores `state = (epoch + 1, size)` with `Release`,
//!   then notifies the sleeping workers. A worker loads `state` with `Acquire`; if its index is
//!   below the team size, it reads the job, runs its share and finishes (see `TeamSync::finish`).
//! - The job is rewritten only for the next region, after the owner has seen every participant
//!   finish, so a participant's read never races with a write. Non-participants never read it.
//! - Workers that took part in the last region spin, then sleep, until the epoch changes
//!   (`work` sleep). Workers left out of it (their index is at or above the team size) do not
//!   spin: they sleep until a state includes them (`idle` sleep). A state includes worker `i`
//!   only if its size exceeds `i`, while the state before it did not (else worker `i` would have
//!   taken part in that one, and the owner would have waited for it): so the owner notifies the
//!   idle sleepers only when the team size grows, and the hot path never wakes workers it does
//!   not need.
//! - Shutdown publishes team size 0 and notifies both sleeps.
//! - No lost wake-up: every store to `state` is followed by `Sleep::notify` on each sleep whose
//!   condition it may end (see the sleep module).
//!
//! The epoch has 48 bits: wrapping it takes 2^48 regions, years at the fastest fork-join rate.

use crate::sleep::Sleep;
use crate::spin::Spin;
use crate::sync::{AtomicU64, CachePadded, Ordering, UnsafeCell};
use crate::team::{Origin, RegionInfo, Team};

const SIZE_BITS: u32 = 16;
const SIZE_MASK: u64 = (1 << SIZE_BITS) - 1;
/// The largest team the state word can describe.
pub(crate) const MAX_TEAM: usize = SIZE_MASK as usize;
const SHUTDOWN: usize = 0;

fn pack(epoch: u64, size: usize) -> u64 {
    (epoch << SIZE_BITS) | size as u64
}
fn epoch(state: u64) -> u64 {
    state >> SIZE_BITS
}
fn size(state: u64) -> usize {
    (state & SIZE_MASK) as usize
}

/// A region's closure, type-erased so that workers can call it.
#[derive(Clone, Copy)]
pub(crate) struct Job {
    data: *const (),
    call: unsafe fn(*const (), &Team<'_>),
    /// The region the job belongs to.
    pub(crate) region: RegionInfo,
}

impl Job {
    /// Erases `f`, to run as `region`. The job may be run only while `f` is alive.
    pub(crate) fn new<F: Fn(&Team<'_>) + Sync>(f: &F, region: RegionInfo) -> Self {
        /// # Safety
        /// `data` must come from `&F` in [`Job::new`] and `F` must still be alive.
        unsafe fn call<F: Fn(&Team<'_>) + Sync>(data: *const (), team: &Team<'_>) {
            // SAFETY: `data` was made from `&F` (caller's contract), and `F: Sync` makes a shared
            // reference usable from this thread.
            let f = unsafe { &*data.cast::<F>() };
            f(team);
        }
        Self {
            data: (f as *const F).cast(),
            call: call::<F>,
            region,
        }
    }

    fn noop() -> Self {
        let region = RegionInfo {
            pool: 0,
            num_threads: 1,
            origin: Origin::current(),
            base: 0,
            stats: 0,
        };
        Self::new(&|_: &Team<'_>| {}, region)
    }

    /// Runs the job on `team`.
    ///
    /// # Safety
    /// The closure the job was made from must still be alive.
    pub(crate) unsafe fn run(self, team: &Team<'_>) {
        // SAFETY: forwarded from our caller.
        unsafe { (self.call)(self.data, team) }
    }
}

/// What a worker is to do next.
pub(crate) enum Work {
    /// Take part in the region of this epoch.
    Run { epoch: u64, job: Job },
    /// The pool is shutting down.
    Exit,
}

#[derive(Default)]
struct Published {
    state: AtomicU64,
    job: UnsafeCell<Option<Job>>,
}

// The state word and the job share one cache line: a worker's first miss brings both.
#[cfg(all(not(loom), target_pointer_width = "64"))]
const _: () = assert!(std::mem::size_of::<Published>() <= 64);

/// The owner-to-workers channel of a pool.
#[derive(Default)]
pub(crate) struct Dispatch {
    published: CachePadded<Published>,
    work: Sleep,
    idle: Sleep,
}

// SAFETY: the raw pointer in the job is only dereferenced under the publication protocol
// above (written by the single owner before the Release store, read by participants after the
// Acquire load, never rewritten before they finish), and the closure it points to is `Sync`.
unsafe impl Sync for Dispatch {}
// SAFETY: as above; the job is a plain pointer with no thread affinity.
unsafe impl Send for Dispatch {}

impl Dispatch {
    pub(crate) fn new() -> Self {
        let dispatch = Self::default();
        // Epoch 0, team size 1: no worker is included, so no worker reads the job.
        dispatch
            .published
            .state
            .store(pack(0, 1), Ordering::Relaxed);
        dispatch.published.job.with_mut(|job| {
            // SAFETY: not shared yet.
            unsafe { *job = Some(Job::noop()) }
        });
        dispatch
    }

    /// Starts the next region, for `job.region.num_threads` threads (more than 1, at most
    /// `MAX_TEAM`).
    ///
    /// # Safety
    /// The caller is the only owner (holds the region lock), every participant of the previous
    /// region has finished, and the closure behind `job` stays alive until every participant of
    /// this region has finished.
    pub(crate) unsafe fn publish(&self, job: Job) {
        let team_size = job.region.num_threads;
        debug_assert!(team_size > 1 && team_size <= MAX_TEAM);
        let published = &*self.published;
        // Relaxed: only owners store `state`, and the region lock orders successive owners.
        let old = published.state.load(Ordering::Relaxed);
        published.job.with_mut(|slot| {
            // SAFETY: no participant of the previous region reads the job any more (caller's
            // contract), and participants of this one read it only after the store below.
            unsafe { *slot = Some(job) }
        });
        // Release: pairs with the Acquire loads in `wait_for_work`; carries the job and the
        // owner's preparation of the team (join counter) to the participants.
        published.state.store(
            pack(epoch(old).wrapping_add(1), team_size),
            Ordering::Release,
        );
        self.work.notify();
        if team_size > size(old) {
            self.idle.notify();
        }
    }

    /// Tells every worker to exit, sleeping ones included. Owner only, after the last region.
    pub(crate) fn shutdown(&self) {
        let state = &self.published.state;
        let old = state.load(Ordering::Relaxed);
        state.store(
            pack(epoch(old).wrapping_add(1), SHUTDOWN),
            Ordering::Release,
        );
        self.work.notify();
        self.idle.notify();
    }

    /// Waits for the next region worker `index` takes part in, after epoch `last`.
    pub(crate) fn wait_for_work(&self, index: usize, last: u64, spin: &Spin) -> Work {
        let state = &self.published.state;
        // Acquire: pairs with the Release store in `publish`.
        let fresh = || epoch(state.load(Ordering::Acquire)) != last;
        if !spin.until(fresh) {
            self.work.sleep_while(|| !fresh());
        }
        loop {
            let current = state.load(Ordering::Acquire);
            let team_size = size(current);
            if team_size == SHUTDOWN {
                return Work::Exit;
            }
            if index < team_size {
                let job = self.published.job.with(|job| {
                    // SAFETY: we take part in this epoch, so the owner does not rewrite the job
                    // before we finish; the Acquire load above ordered its write before us.
                    unsafe { *job }
                });
                return Work::Run {
                    epoch: epoch(current),
                    job: job.expect("a published job"),
                };
            }
            // Not in this team: sleep until a region needs us (see the module docs).
            self.idle.sleep_while(|| {
                let size = size(state.load(Ordering::Acquire));
                size != SHUTDOWN && index >= size
            });
        }
    }
}
