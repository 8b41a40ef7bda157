//! Models of every synchronization protocol of the pool.
//!
//! Each body runs inside [`model`]: under `RUSTFLAGS="--cfg loom"` loom explores its
//! interleavings (bounded by `LOOM_MAX_PREEMPTIONS`), otherwise it runs once as a plain test, so
//! that Miri and ThreadSanitizer check the same bodies. Small teams (a caller and one or two
//! workers) and two regions or episodes each keep loom's state space small.

use crate::barrier::Barrier;
use crate::dispatch::{Dispatch, Job, Work};
use crate::region_lock::RegionLock;
use crate::sleep::Sleep;
use crate::spin::Spin;
use crate::sync::{model, thread, Arc, AtomicBool, AtomicUsize, Ordering, UnsafeCell};
use crate::team::{Origin, RegionInfo, Team, TeamSync};
use crate::{Pool, PoolBuilder};
use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

/// No spinning: every wait goes through the sleep path, the one with the subtle protocol.
fn no_spin() -> Spin {
    Spin::new(Duration::ZERO, false)
}

/// A pool whose threads never spin, so that sleeping and waking are always exercised.
fn sleepy_pool(n: usize) -> Pool {
    PoolBuilder::new()
        .num_threads(n)
        .spin_time(Duration::ZERO)
        .build()
        .expect("pool")
}

/// A panic payload that does not go through the panic hook (no noise in loom's output).
struct Injected;

fn inject_panic() -> ! {
    panic::resume_unwind(Box::new(Injected))
}

/// A cell that loom checks for unsynchronized access: a data race fails the model.
struct Checked(UnsafeCell<usize>);

// SAFETY: every access below is ordered by the protocol under test; loom reports any that is not.
unsafe impl Sync for Checked {}

impl Checked {
    fn new() -> Self {
        Self(UnsafeCell::new(0))
    }
    fn add(&self, n: usize) {
        // SAFETY: the protocol under test must order this access (loom checks it).
        self.0.with_mut(|v| unsafe { *v += n });
    }
    fn get(&self) -> usize {
        // SAFETY: as above.
        self.0.with(|v| unsafe { *v })
    }
}

#[test]
fn sleep_no_lost_wakeup() {
    model(|| {
        let state = Arc::new((AtomicBool::new(false), Sleep::default()));
        let waiter = {
            let state = Arc::clone(&state);
            thread::spawn(move || {
                let (flag, sleep) = &*state;
                sleep.sleep_while(|| !flag.load(Ordering::Acquire));
            })
        };
        let (flag, sleep) = &*state;
        flag.store(true, Ordering::Release);
        sleep.notify();
        // Loom reports a deadlock if the waiter can sleep through the notification.
        waiter.join().unwrap();
    });
}

/// Runs a worker loop over a bare `Dispatch` + `TeamSync`, as `worker_main` does.
fn bare_worker(parts: Arc<(Dispatch, TeamSync)>, index: usize) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let (dispatch, sync) = &*parts;
        let mut last = 0;
        while let Work::Run { epoch, job } = dispatch.wait_for_work(index, last, &no_spin()) {
            last = epoch;
            let team = Team::new(job.region, index, sync, no_spin());
            // SAFETY: the owner below keeps the job alive until the join.
            sync.run_share(&team, |team| unsafe { job.run(team) });
            sync.finish();
        }
    })
}

/// The region description for a bare team of `num_threads` starting now on `sync`.
fn region_info(sync: &TeamSync, num_threads: usize) -> RegionInfo {
    RegionInfo {
        pool: 1,
        num_threads,
        origin: Origin::current(),
        base: sync.begin(),
        stats: 0,
    }
}

/// Runs one region as its owner over a bare `Dispatch` + `TeamSync`.
fn bare_region(parts: &(Dispatch, TeamSync), team_size: usize, f: &(impl Fn(&Team<'_>) + Sync)) {
    let (dispatch, sync) = parts;
    let region = region_info(sync, team_size);
    // SAFETY: single owner; the previous region joined; `f` outlives the join below.
    unsafe { dispatch.publish(Job::new(f, region)) };
    sync.run_share(&Team::new(region, 0, sync, no_spin()), f);
    sync.finish();
    sync.wait_all_finished(&region, &no_spin());
}

#[test]
fn publish_and_join_two_regions() {
    model(|| {
        let parts = Arc::new((Dispatch::new(), TeamSync::default()));
        let worker = bare_worker(Arc::clone(&parts), 1);
        for region in 0..2 {
            // Written by the owner before publishing, read by the worker: must be ordered.
            let input = Checked::new();
            input.add(region + 1);
            let output = [Checked::new(), Checked::new()];
            bare_region(&parts, 2, &|team: &Team<'_>| {
                output[team.thread_id()].add(input.get());
            });
            // The join must order the worker's write before these reads.
            assert_eq!(output[0].get() + output[1].get(), 2 * (region + 1));
        }
        parts.0.shutdown();
        worker.join().unwrap();
    });
}

#[test]
fn idle_worker_joins_when_team_grows() {
    model(|| {
        let parts = Arc::new((Dispatch::new(), TeamSync::default()));
        let workers = [
            bare_worker(Arc::clone(&parts), 1),
            bare_worker(Arc::clone(&parts), 2),
        ];
        for team_size in [2, 3] {
            let ran = AtomicUsize::new(0);
            bare_region(&parts, team_size, &|_: &Team<'_>| {
                ran.fetch_add(1, Ordering::Relaxed);
            });
            assert_eq!(ran.load(Ordering::Relaxed), team_size);
        }
        parts.0.shutdown();
        for worker in workers {
            worker.join().unwrap();
        }
    });
}

#[test]
fn shutdown_wakes_sleeping_workers() {
    model(|| {
        let parts = Arc::new((Dispatch::new(), TeamSync::default()));
        let workers = [
            bare_worker(Arc::clone(&parts), 1),
            bare_worker(Arc::clone(&parts), 2),
        ];
        // No region ever ran: both workers may be asleep (or about to sleep) on `work`.
        parts.0.shutdown();
        for worker in workers {
            worker.join().unwrap();
        }
    });
}

#[test]
fn barrier_reused_across_episodes() {
    model(|| {
        const TEAM: usize = 3;
        let shared = Arc::new((
            Barrier::default(),
            Sleep::default(),
            [Checked::new(), Checked::new(), Checked::new()],
        ));
        let run = |me: usize, shared: &(Barrier, Sleep, [Checked; TEAM])| {
            let (barrier, sleep, cells) = shared;
            for episode in 1..=2 {
                cells[me].add(1);
                barrier.wait(TEAM, &no_spin(), sleep, || None).unwrap();
                // Every thread's write of this episode is visible, none of the next.
                for cell in cells {
                    assert_eq!(cell.get(), episode);
                }
                barrier.wait(TEAM, &no_spin(), sleep, || None).unwrap();
            }
        };
        let others: Vec<_> = (1..TEAM)
            .map(|me| {
                let shared = Arc::clone(&shared);
                thread::spawn(move || run(me, &shared))
            })
            .collect();
        run(0, &shared);
        for other in others {
            other.join().unwrap();
        }
    });
}

#[test]
fn barrier_released_when_team_thread_leaves() {
    model(|| {
        // A team of 2 where thread 1 leaves the region without reaching the barrier.
        let sync = Arc::new(TeamSync::default());
        let region = region_info(&sync, 2);
        let leaver = {
            let sync = Arc::clone(&sync);
            thread::spawn(move || {
                sync.run_share(&Team::new(region, 1, &sync, no_spin()), |_| {});
                sync.finish();
            })
        };
        let team = Team::new(region, 0, &sync, no_spin());
        let waited = panic::catch_unwind(AssertUnwindSafe(|| team.barrier()));
        assert!(
            waited.is_err(),
            "the barrier cannot complete, so it must panic, not hang"
        );
        leaver.join().unwrap();
    });
}

#[test]
fn panic_releases_barrier_and_reaches_owner() {
    model(|| {
        let parts = Arc::new((Dispatch::new(), TeamSync::default()));
        let worker = bare_worker(Arc::clone(&parts), 1);
        let after_barrier = AtomicBool::new(false);
        bare_region(&parts, 2, &|team: &Team<'_>| {
            if team.thread_id() == 1 {
                inject_panic();
            }
            // Thread 0 waits for thread 1, which panicked: it must be released.
            let released = panic::catch_unwind(AssertUnwindSafe(|| team.barrier()));
            assert!(released.is_err());
            after_barrier.store(true, Ordering::Relaxed);
        });
        assert!(after_barrier.load(Ordering::Relaxed));
        let payload = parts
            .1
            .take_panic()
            .expect("the worker's panic is recorded");
        assert!(payload.is::<Injected>());
        // The next region runs normally.
        let ran = AtomicUsize::new(0);
        bare_region(&parts, 2, &|team: &Team<'_>| {
            team.barrier();
            ran.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(ran.load(Ordering::Relaxed), 2);
        assert!(parts.1.take_panic().is_none());
        parts.0.shutdown();
        worker.join().unwrap();
    });
}

#[test]
fn workshare_slots_cover_each_construct_once() {
    model(|| {
        // Two threads meet RING + 1 constructs, so one slot is reused; with `nowait` semantics
        // (no barrier between constructs) thread 1 may run ahead of thread 0.
        const CONSTRUCTS: usize = crate::workshare::RING + 1;
        let sync = Arc::new(TeamSync::default());
        let region = region_info(&sync, 2);
        let claims = Arc::new([(); CONSTRUCTS].map(|_| AtomicUsize::new(0)));
        let run = move |me: usize, sync: &TeamSync, claims: &[AtomicUsize; CONSTRUCTS]| {
            let team = Team::new(region, me, sync, no_spin());
            for claimed in claims.iter() {
                let ws = team.workshare();
                // A `single`: ticket 0 wins; exactly one winner per construct.
                if ws.counter().fetch_add(1, Ordering::Relaxed) == 0 {
                    claimed.fetch_add(1, Ordering::Relaxed);
                }
            }
        };
        let other = {
            let (sync, claims) = (Arc::clone(&sync), Arc::clone(&claims));
            thread::spawn(move || run(1, &sync, &claims))
        };
        run(0, &sync, &claims);
        other.join().unwrap();
        for claimed in claims.iter() {
            assert_eq!(claimed.load(Ordering::Relaxed), 1);
        }
    });
}

#[test]
fn region_lock_excludes_and_wakes() {
    model(|| {
        let shared = Arc::new((RegionLock::default(), Checked::new()));
        let other = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                let guard = shared.0.lock(&no_spin());
                shared.1.add(1);
                drop(guard);
            })
        };
        let guard = shared.0.lock(&no_spin());
        shared.1.add(1);
        drop(guard);
        other.join().unwrap();
        let guard = shared.0.lock(&no_spin());
        assert_eq!(shared.1.get(), 2);
        drop(guard);
    });
}

#[test]
fn pool_end_to_end_with_set_num_threads() {
    model(|| {
        let pool = sleepy_pool(3);
        let ran = AtomicUsize::new(0);
        pool.region(|team| {
            assert_eq!(team.num_threads(), 3);
            ran.fetch_add(1, Ordering::Relaxed);
        });
        pool.set_num_threads(2).unwrap();
        pool.region(|team| {
            assert_eq!(team.num_threads(), 2);
            ran.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(ran.load(Ordering::Relaxed), 5);
        drop(pool);
    });
}

#[test]
fn pool_end_to_end_nested_and_panic() {
    model(|| {
        let pool = sleepy_pool(2);
        let inner = AtomicUsize::new(0);
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
            pool.region(|team| {
                // Nested: runs inline as a team of one, on this thread.
                pool.region(|nested| {
                    assert_eq!(nested.num_threads(), 1);
                    inner.fetch_add(1, Ordering::Relaxed);
                });
                if team.thread_id() == 1 {
                    inject_panic();
                }
            })
        }));
        assert!(outcome.unwrap_err().is::<Injected>());
        assert_eq!(inner.load(Ordering::Relaxed), 2);
        // Still usable.
        let ran = AtomicUsize::new(0);
        pool.region(|_| {
            ran.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(ran.load(Ordering::Relaxed), 2);
    });
}

/// Statistics: every participant's figures, written to its own cell with Relaxed stores before
/// it finishes, are all visible to the owner after the join, for the last region and in the
/// totals; a region started with statistics off is not counted.
#[test]
fn stats_visible_to_the_owner_after_the_join() {
    model(|| {
        let pool = sleepy_pool(2);
        pool.set_collect_stats(true);
        pool.region(|team| team.record_work(1, team.thread_id() as u64 + 1, 0));
        let last = pool.last_region_stats();
        assert_eq!(last.threads().len(), 2);
        assert_eq!(last.threads()[0].iterations, 1);
        assert_eq!(last.threads()[1].iterations, 2);
        assert_eq!(last.threads()[1].regions, 1);
        pool.set_collect_stats(false);
        pool.region(|team| {
            assert!(!team.collecting_stats());
            team.record_work(1, 100, 0);
        });
        let total = pool.stats().total();
        assert_eq!((total.regions, total.chunks, total.iterations), (2, 2, 3));
    });
}
