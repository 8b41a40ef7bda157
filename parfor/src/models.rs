//! Loom models of chunk claiming (a few concurrent claimers cover a small range exactly once),
//! of `Auto`'s calibration table, and of how the tuner watches the teams its loops get.
//!
//! Each body runs inside [`model`]: under `RUSTFLAGS="--cfg loom"` loom explores its
//! interleavings (bounded by `LOOM_MAX_PREEMPTIONS`), otherwise it runs once as a plain test.
//! Every index's run count is an atomic from the facade, so loom sees every step.

use crate::calibration::Table;
use crate::chunking::{claim, guided_size};
use crate::largest_team::LargestTeam;
use crate::loops::for_each_chunk_at_most;
use crate::stealing::StealRanges;
use crate::Schedule;
use std::ops::Range;
use workshare_pool::sync::{model, thread, Arc, AtomicUsize, Ordering};
use workshare_pool::{Pool, PoolBuilder};

/// How many times each index of a small loop was claimed.
struct Claims(Vec<AtomicUsize>);

impl Claims {
    fn new(len: usize) -> Arc<Self> {
        Arc::new(Self((0..len).map(|_| AtomicUsize::new(0)).collect()))
    }
    fn record(&self, chunk: Range<usize>) {
        for i in chunk {
            self.0[i].fetch_add(1, Ordering::Relaxed);
        }
    }
    fn assert_each_once(&self) {
        for (i, count) in self.0.iter().enumerate() {
            assert_eq!(count.load(Ordering::Relaxed), 1, "index {i}");
        }
    }
}

/// Runs `claimer(thread_id)` on the main thread and `threads - 1` spawned ones, then checks.
fn claim_concurrently<S: Send + Sync + 'static>(
    shared: Arc<S>,
    claims: Arc<Claims>,
    threads: usize,
    claimer: fn(&S, &Claims, usize),
) {
    let handles: Vec<_> = (1..threads)
        .map(|me| {
            let (shared, claims) = (shared.clone(), claims.clone());
            thread::spawn(move || claimer(&shared, &claims, me))
        })
        .collect();
    claimer(&shared, &claims, 0);
    for handle in handles {
        handle.join().unwrap();
    }
    claims.assert_each_once();
}

#[test]
fn dynamic_claims_cover_once() {
    model(|| {
        let counter = Arc::new(AtomicUsize::new(0));
        // Chunks of two over three indices: the last claim finds fewer left than it asks for.
        claim_concurrently(counter, Claims::new(3), 3, |counter, claims, _| {
            while let Some(chunk) = claim(counter, 3, |_| 2) {
                claims.record(chunk);
            }
        });
    });
}

#[test]
fn guided_claims_cover_once() {
    model(|| {
        let counter = Arc::new(AtomicUsize::new(0));
        claim_concurrently(counter, Claims::new(5), 2, |counter, claims, _| {
            while let Some(chunk) = claim(counter, 5, |left| guided_size(left, 2, 1)) {
                claims.record(chunk);
            }
        });
    });
}

#[test]
fn stealing_two_threads_cover_once() {
    model(|| {
        let ranges = Arc::new(StealRanges::new(4, 2));
        claim_concurrently(ranges, Claims::new(4), 2, |ranges, claims, me| {
            ranges.init(me, 2);
            while let Some(chunk) = ranges.next(me, 2, &mut 0) {
                claims.record(chunk);
            }
        });
    });
}

#[test]
fn stealing_three_threads_cover_once() {
    model(|| {
        let ranges = Arc::new(StealRanges::new(3, 3));
        // Thread 2 never inits: it only steals, including from thieves.
        claim_concurrently(ranges, Claims::new(3), 3, |ranges, claims, me| {
            if me < 2 {
                ranges.init(me, 2);
            }
            while let Some(chunk) = ranges.next(me, 3, &mut 0) {
                claims.record(chunk);
            }
        });
    });
}

/// An entry of a calibration table: `value` 0 stands for a stale one.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Entry {
    key: usize,
    value: usize,
}

type Calibrations = Arc<Table<Entry>>;

/// Looks up `key`, measuring `value` when no fresh entry is there.
fn calibrate(table: &Table<Entry>, key: usize, value: usize) -> Entry {
    table.get_or_measure(|e| e.key == key, |e| e.value != 0, || Entry { key, value })
}

#[test]
fn calibration_first_fresh_result_wins() {
    model(|| {
        // Two threads find the key stale and may both measure it; both end up with the same
        // result, the first published, and a later look-up finds it without measuring.
        let table: Calibrations = Arc::new(Table::new());
        calibrate(&table, 1, 0);
        let other = {
            let table = Arc::clone(&table);
            thread::spawn(move || calibrate(&table, 1, 20))
        };
        let mine = calibrate(&table, 1, 10);
        let theirs = other.join().unwrap();
        assert_eq!(mine, theirs);
        let again = table.get_or_measure(|e| e.key == 1, |e| e.value != 0, || unreachable!());
        assert_eq!(again, mine);
    });
}

#[test]
fn calibration_measures_with_no_lock_held() {
    model(|| {
        // A measurement that looks up the table itself (a loop inside a measured region), while
        // another thread calibrates another key: were the table locked while measuring, the
        // nested look-up would wait for itself and the model would deadlock.
        let table: Calibrations = Arc::new(Table::new());
        let other = {
            let table = Arc::clone(&table);
            thread::spawn(move || calibrate(&table, 2, 2))
        };
        let measure = || {
            let nested = calibrate(&table, 3, 3);
            Entry {
                key: 1,
                value: nested.value + 10,
            }
        };
        let outer = table.get_or_measure(|e| e.key == 1, |e| e.value != 0, measure);
        assert_eq!(outer, Entry { key: 1, value: 13 });
        assert_eq!(other.join().unwrap(), Entry { key: 2, value: 2 });
        assert_eq!(calibrate(&table, 3, 30), Entry { key: 3, value: 3 });
    });
}

#[test]
fn largest_team_seen_whatever_the_order() {
    model(|| {
        // Three chunks report their teams at once; the largest is kept.
        let seen = Arc::new(LargestTeam::new());
        let others: Vec<_> = [3, 2]
            .into_iter()
            .map(|team| {
                let seen = Arc::clone(&seen);
                thread::spawn(move || seen.saw(team))
            })
            .collect();
        seen.saw(1);
        others.into_iter().for_each(|h| h.join().unwrap());
        let seen = Arc::try_unwrap(seen).ok().expect("joined");
        assert_eq!(seen.into_largest(), Some(3));
    });
}

/// A pool whose threads never spin (loom has no time; spinning only multiplies states).
fn pool(n: usize) -> Pool {
    let builder = PoolBuilder::new().num_threads(n);
    builder
        .spin_time(std::time::Duration::ZERO)
        .build()
        .expect("pool")
}

/// Runs a loop over `0..2` on a team of at most `max_threads`; the largest team it got.
fn watched_loop(pool: &Pool, max_threads: usize) -> Option<usize> {
    let seen = LargestTeam::new();
    for_each_chunk_at_most(pool, max_threads, 0..2, Schedule::Static, |_, ctx| {
        seen.saw(ctx.team_size())
    });
    seen.into_largest()
}

#[test]
fn tuner_candidates_leave_the_thread_count() {
    model(|| {
        // What the tuner does: a candidate's loop, limited to one thread, on one thread, while
        // another thread runs a loop at the pool's thread count. The limit holds, the team seen
        // is reported, and the pool's thread count is unchanged.
        let pool = Arc::new(pool(2));
        let tuner = {
            let pool = Arc::clone(&pool);
            thread::spawn(move || watched_loop(&pool, 1))
        };
        let other = watched_loop(&pool, pool.num_threads());
        assert_eq!(tuner.join().unwrap(), Some(1));
        assert!(matches!(other, Some(1 | 2)), "{other:?}");
        assert_eq!(pool.num_threads(), 2);
    });
}
