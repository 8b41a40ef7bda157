//! Models of every synchronization protocol of the pool.
//!
//! Each body runs inside [`model`]: under `RUSTFLAGS="--cfg loom"` loom explores its
//! interleavings (bounded by `LOOM_MAX_PREEMPTIONS`), otherwise it runs once as a plain test, so
//! that Miri and ThreadSanitizer check the same bodies. Small teams (a caller and one or two
//! workers) and two regions or episodes each keep loom's state space small.

use crate::barrier::Barrier;
use crate::sleep::Sleep;
use crate::spin::Spin;
use crate::stats::StatsRef;
use crate::sync::{model, thread, Arc, AtomicBool, AtomicUsize, Ordering, UnsafeCell};
use crate::team::{RegionInfo, Team, TeamSync};
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

/// A pool whose waits take the lock-free spin path first (under loom: a couple of polls, each
/// after a yield), and sleep only when that fails.
fn spinning_pool(n: usize) -> Pool {
    PoolBuilder::new()
        .num_threads(n)
        .spin_time(Duration::from_micros(1))
        .build()
        .expect("pool")
}

/// A pool shared by several owner threads.
fn shared_pool(n: usize) -> Arc<Pool> {
    Arc::new(sleepy_pool(n))
}

/// Runs one region and checks, with loom-checked cells, that the owner's writes before it reach
/// every team thread and every team thread's write reaches the owner after the join. Returns
/// the team size.
fn checked_region(pool: &Pool, max_threads: usize, value: usize) -> usize {
    let input = Checked::new();
    input.add(value);
    let output = [Checked::new(), Checked::new(), Checked::new()];
    let team_size = AtomicUsize::new(0);
    pool.region_at_most(max_threads, |team| {
        output[team.thread_id()].add(input.get());
        if team.thread_id() == 0 {
            team_size.store(team.team_size(), Ordering::Relaxed);
        }
    });
    let team_size = team_size.load(Ordering::Relaxed);
    let sum: usize = output.iter().map(Checked::get).sum();
    assert_eq!(sum, team_size * value);
    team_size
}

/// The region description for a bare team of `num_threads` starting now on `sync`.
fn region_info(sync: &TeamSync, num_threads: usize) -> RegionInfo {
    RegionInfo {
        num_threads,
        base: sync.begin(),
        stats: StatsRef::NONE,
        level: 1,
        ctx: 0,
        independent: false,
    }
}

#[test]
fn publish_and_join_two_regions() {
    model(|| {
        let pool = sleepy_pool(2);
        for region in 1..=2 {
            // Nobody else uses the pool: the worker is idle at every start.
            assert_eq!(checked_region(&pool, 2, region), 2);
        }
    });
}

/// The same over the spin path: the worker sees the publication, and the owner the join,
/// while polling, without sleeping (or after, when the polls run out).
#[test]
fn publish_and_join_spin_path() {
    model(|| {
        let pool = spinning_pool(2);
        for region in 1..=2 {
            assert_eq!(checked_region(&pool, 2, region), 2);
        }
    });
}

/// Two owners on the spin path; one of them nests a region of its own in its team.
#[test]
fn two_owners_spin_path() {
    model(|| {
        let pool = Arc::new(spinning_pool(2));
        let other = {
            let pool = Arc::clone(&pool);
            thread::spawn(move || checked_region(&pool, 2, 3))
        };
        let mine = checked_region(&pool, 2, 5);
        let theirs = other.join().unwrap();
        assert!((1..=2).contains(&mine) && (1..=2).contains(&theirs));
    });
}

#[test]
fn idle_worker_joins_when_team_grows() {
    model(|| {
        let pool = sleepy_pool(3);
        assert_eq!(checked_region(&pool, 2, 1), 2);
        assert_eq!(checked_region(&pool, 3, 2), 3);
    });
}

#[test]
fn shutdown_wakes_sleeping_workers() {
    model(|| {
        // No region ever ran: both workers may be asleep (or about to sleep) on their mailboxes.
        drop(sleepy_pool(3));
    });
}

#[test]
fn shutdown_right_after_a_region() {
    model(|| {
        // The worker may still be finishing (notifying the owner) when the pool shuts down.
        let pool = sleepy_pool(2);
        pool.region(|_| {});
        drop(pool);
    });
}

/// Two owners start regions on one pool of one worker at the same time: they split the worker
/// (one gets a team of two, or both run one after the other with it, or one runs alone); each
/// team's threads run once and hand their writes to their own owner. The pool is shut down by
/// whichever owner lets go of it last, right after its region.
#[test]
fn two_owners_split_the_workers() {
    model(|| {
        let pool = shared_pool(2);
        let other = {
            let pool = Arc::clone(&pool);
            thread::spawn(move || {
                let team = checked_region(&pool, 2, 3);
                assert!((1..=2).contains(&team));
                drop(pool);
            })
        };
        let team = checked_region(&pool, 2, 5);
        assert!((1..=2).contains(&team));
        drop(pool);
        other.join().unwrap();
    });
}

/// A region on a worker starts a nested region, which takes the other (idle) worker: the
/// nested owner's join and release hand the worker back before the outer region ends.
#[test]
fn nested_owner_on_a_worker() {
    model(|| {
        let pool = sleepy_pool(3);
        let inner = [Checked::new(), Checked::new()];
        let inner_team = AtomicUsize::new(0);
        pool.region_at_most(2, |team| {
            if team.thread_id() == 1 {
                pool.region(|nested| {
                    inner[nested.thread_id()].add(1);
                    if nested.thread_id() == 0 {
                        inner_team.store(nested.team_size(), Ordering::Relaxed);
                    }
                });
                // The nested join made its worker's write visible here.
                let team = inner_team.load(Ordering::Relaxed);
                assert_eq!(inner[0].get() + inner[1].get(), team);
            }
        });
        assert_eq!(inner_team.load(Ordering::Relaxed), 2);
        // Every worker is idle again: a full team.
        assert_eq!(checked_region(&pool, 3, 1), 3);
    });
}

/// A loop's independent shares: with a worker that sleeps, the owner may take its share back
/// and run it; either way each share runs exactly once, its writes reach the owner, and the
/// worker, skipping a job taken back, takes part in the next region.
#[test]
fn shares_of_a_sleeping_worker_run_once() {
    model(|| {
        let pool = sleepy_pool(2);
        for round in 1..=2 {
            let input = Checked::new();
            input.add(round);
            let shares = [Checked::new(), Checked::new()];
            pool.region_shares_at_most(2, |team| {
                assert_eq!(team.team_size(), 2);
                shares[team.thread_id()].add(input.get());
            });
            assert_eq!(shares[0].get(), round);
            assert_eq!(shares[1].get(), round);
        }
        // A plain region after: the worker must really run its share (no taking back).
        assert_eq!(checked_region(&pool, 2, 7), 2);
    });
}

/// A loop's independent shares with a worker on the spin path: the worker's compare-and-swap
/// and the owner's race for each share; whoever wins runs it, once, with the owner's writes
/// before the region visible, and the loser skips it. Two rounds, so that a worker that lost
/// the first job takes part in the second; a plain region after, which is never taken back.
#[test]
fn shares_of_a_spinning_worker_run_once() {
    model(|| {
        let pool = spinning_pool(2);
        for round in 1..=2 {
            let input = Checked::new();
            input.add(round);
            let shares = [Checked::new(), Checked::new()];
            pool.region_shares_at_most(2, |team| {
                shares[team.thread_id()].add(input.get());
            });
            assert_eq!(shares[0].get(), round);
            assert_eq!(shares[1].get(), round);
        }
        assert_eq!(checked_region(&pool, 2, 7), 2);
    });
}

/// A keep-warm phase wakes a worker that sleeps (none sleeps through a phase: the wait below
/// would never end), regions run in the phase and after it, and the pool shuts down with its
/// worker spinning or asleep.
#[test]
fn keep_warm_wakes_sleeping_workers() {
    model(|| {
        let pool = sleepy_pool(2);
        let phase = pool.keep_warm();
        while pool.workers_asleep() {
            thread::yield_now();
        }
        assert_eq!(checked_region(&pool, 2, 3), 2);
        drop(phase);
        assert_eq!(checked_region(&pool, 2, 5), 2);
    });
}

/// Three threads: a worker may run its share, finish and go back to sleep while the owner is
/// still waiting for the other one: its share must not be taken back and run a second time.
#[test]
fn shares_of_a_worker_asleep_again_are_not_run_twice() {
    model(|| {
        let pool = sleepy_pool(3);
        let shares = [Checked::new(), Checked::new(), Checked::new()];
        pool.region_shares_at_most(3, |team| {
            shares[team.thread_id()].add(1);
        });
        for share in &shares {
            assert_eq!(share.get(), 1);
        }
    });
}

/// An exact team is refused, never waited for, while another owner holds the worker.
#[test]
fn exact_team_refused_not_waited_for() {
    model(|| {
        let pool = shared_pool(2);
        let other = {
            let pool = Arc::clone(&pool);
            thread::spawn(move || pool.try_region_exact(2, |team| assert_eq!(team.team_size(), 2)))
        };
        let mine = pool.try_region_exact(2, |team| assert_eq!(team.team_size(), 2));
        let theirs = other.join().unwrap();
        for result in [mine, theirs] {
            match result {
                Ok(()) => {}
                Err(crate::Error::TeamUnavailable { available: 1, .. }) => {}
                Err(other) => panic!("unexpected {other:?}"),
            }
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
                sync.run_share(&Team::new(region, 1, Some(&sync), no_spin(), None), |_| {});
                sync.finish();
            })
        };
        let team = Team::new(region, 0, Some(&sync), no_spin(), None);
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
        let pool = sleepy_pool(2);
        let after_barrier = AtomicBool::new(false);
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
            pool.region(|team| {
                if team.thread_id() == 1 {
                    inject_panic();
                }
                // Thread 0 waits for thread 1, which panicked: it must be released, and be
                // told that a thread panicked (not that one left without the barrier).
                let released = panic::catch_unwind(AssertUnwindSafe(|| team.barrier()));
                let message = released.unwrap_err();
                let message = message.downcast_ref::<String>().expect("a message");
                assert!(message.contains("panicked"), "{message}");
                after_barrier.store(true, Ordering::Relaxed);
            })
        }));
        assert!(outcome.unwrap_err().is::<Injected>());
        assert!(after_barrier.load(Ordering::Relaxed));
        // The worker was released on the panic: the next region has it, and its barrier works.
        let ran = AtomicUsize::new(0);
        pool.region(|team| {
            assert_eq!(team.team_size(), 2);
            team.barrier();
            ran.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(ran.load(Ordering::Relaxed), 2);
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
            let team = Team::new(region, me, Some(sync), no_spin(), None);
            for claimed in claims.iter() {
                let ws = team.workshare();
                // On entry the counter is this construct's: 0, or 1 once the other thread
                // claimed. A slot handed over without synchronization could still show the
                // previous construct's final count (2) here, and a later claim could be lost.
                assert!(ws.counter().load(Ordering::Relaxed) < 2);
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
fn pool_end_to_end_with_set_num_threads() {
    model(|| {
        let pool = sleepy_pool(3);
        let ran = AtomicUsize::new(0);
        pool.region(|team| {
            assert_eq!(team.team_size(), 3);
            ran.fetch_add(1, Ordering::Relaxed);
        });
        pool.set_num_threads(2).unwrap();
        pool.region(|team| {
            // Workers are idle between this thread's regions: the team asked for.
            assert_eq!(team.team_size(), 2);
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
                // Nested: the only worker is in the outer team, so a team of one.
                pool.region(|nested| {
                    assert_eq!(nested.team_size(), 1);
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

/// Data that loom threads (which need `'static`) can borrow mutably, freed by `free` after
/// every borrow has ended (so that Miri sees no leak).
fn lend<T>(value: Box<[T]>) -> (&'static mut [T], *mut [T]) {
    let raw = Box::into_raw(value);
    // SAFETY: `raw` is a fresh allocation, borrowed here only; `free` ends it.
    (unsafe { &mut *raw }, raw)
}

/// Frees what `lend` lent.
///
/// # Safety
///
/// `raw` comes from `lend`, and the borrow it returned has ended.
unsafe fn free<T>(raw: *mut [T]) {
    // SAFETY: the caller's promise.
    drop(unsafe { Box::from_raw(raw) });
}

/// Collectives: a reduction then a broadcast by a team of 2, on the collectives' own barrier
/// and board. The contributions and results travel through cells that loom tracks (a `Vec`
/// moved in and out of each thread's exchange cell), so a root that reads a contribution not
/// ordered after its write, or a thread that takes its result before the root wrote it, fails.
#[test]
fn collective_reduce_then_broadcast() {
    model(|| {
        let sync = Arc::new(TeamSync::default());
        let region = region_info(&sync, 2);
        let run = move |me: usize, sync: &TeamSync| {
            let team = Team::new(region, me, Some(sync), no_spin(), None);
            let all = team.reduce(vec![me], |mut a, b| {
                a.extend(b);
                a
            });
            assert_eq!(all, [0, 1]);
            let word = team.broadcast((me == 1).then(|| String::from("one")));
            assert_eq!(word, "one");
        };
        let other = {
            let sync = Arc::clone(&sync);
            thread::spawn(move || run(1, &sync))
        };
        run(0, &sync);
        other.join().unwrap();
    });
}

/// A collective whose root panics in the combining step: the other thread is released with a
/// panic (never left waiting, never handed a result that was not written), and the team's
/// next collective pairs up again.
#[test]
fn collective_root_panic_releases_the_team() {
    model(|| {
        let sync = Arc::new(TeamSync::default());
        let region = region_info(&sync, 2);
        let run = move |me: usize, sync: &TeamSync| {
            let team = Team::new(region, me, Some(sync), no_spin(), None);
            let failed =
                panic::catch_unwind(AssertUnwindSafe(|| team.reduce(me, |_, _| inject_panic())));
            assert!(failed.is_err());
            assert_eq!(team.sum(me + 1), 3);
        };
        let other = {
            let sync = Arc::clone(&sync);
            thread::spawn(move || run(1, &sync))
        };
        run(0, &sync);
        other.join().unwrap();
    });
}

/// Write constructs of a `RegionSlice` in a team of 2: each thread writes its own element, then
/// reads the other's. Barrier S keeps a write from overlapping the other thread's read of the
/// previous construct, barrier E orders the writes before the reads.
#[test]
fn region_slice_write_constructs_order_reads_and_writes() {
    model(|| {
        let sync = Arc::new(TeamSync::default());
        let region = region_info(&sync, 2);
        let (data, raw) = lend(Box::new([Checked::new(), Checked::new()]));
        let slice = Arc::new(crate::RegionSlice::new(data));
        let run = move |me: usize, sync: &TeamSync, slice: &crate::RegionSlice<'_, Checked>| {
            let team = Team::new(region, me, Some(sync), no_spin(), None);
            let mut handle = slice.take(&team);
            for round in 1..=2 {
                let construct = handle.write([0, 0, 0]);
                // SAFETY: thread `me` takes position `me` only.
                let mine = unsafe { construct.chunk(me..me + 1) };
                mine[0].add(1);
                drop(construct);
                assert_eq!(handle.read()[1 - me].get(), round);
            }
        };
        let other = {
            let (sync, slice) = (Arc::clone(&sync), Arc::clone(&slice));
            thread::spawn(move || run(1, &sync, &slice))
        };
        run(0, &sync, &slice);
        other.join().unwrap();
        drop(slice);
        // SAFETY: the only borrow, `slice`, is gone (the other thread's clone with it).
        unsafe { free(raw) };
    });
}

/// A `RegionSlice` passed between two teams (of one thread each, on two threads): a team
/// binds it only when the other has dropped its handle, and then sees its writes (the
/// Release of the handle's drop, the Acquire of the next bind).
#[test]
fn region_slice_passes_between_teams() {
    model(|| {
        let (data, raw) = lend(Box::new([Checked::new()]));
        let slice = Arc::new(crate::RegionSlice::new(data));
        let use_once = |slice: &crate::RegionSlice<'_, Checked>| {
            let team = Team::new(RegionInfo::solo(0), 0, None, no_spin(), None);
            // Only the refusal is caught: a data race that loom reports must fail the model.
            let mut handle = panic::catch_unwind(AssertUnwindSafe(|| slice.take(&team))).ok()?;
            let before = handle.read()[0].get();
            let construct = handle.write([0, 0, 0]);
            // SAFETY: a team of one.
            let all = unsafe { construct.chunk(0..1) };
            all[0].add(1);
            Some(before)
        };
        let other = {
            let slice = Arc::clone(&slice);
            thread::spawn(move || use_once(&slice))
        };
        let mine = use_once(&slice);
        let theirs = other.join().unwrap();
        drop(slice);
        // SAFETY: the only borrow, `slice`, is gone (the other thread's clone with it).
        unsafe { free(raw) };
        // At least one team got it; when both did, one after the other.
        match (mine, theirs) {
            (Some(a), Some(b)) => assert_eq!(a + b, 1),
            (Some(0), None) | (None, Some(0)) => {}
            other => panic!("unexpected {other:?}"),
        }
    });
}
