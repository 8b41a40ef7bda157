//! Edge cases: ranges near `usize::MAX`, empty and reversed ranges, bad chunk sizes, panics,
//! mismatched slices and worksharing inside one region.
#![cfg(not(loom))]

mod common;

use common::panic_message;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use workshare_parfor::{
    for_each, for_each_chunk, for_each_row_mut, map_into, single, single_nowait, team_for_each,
    team_for_each_chunk_nowait, Pool, Schedule,
};

const ALL: [Schedule; 6] = [
    Schedule::Auto,
    Schedule::Static,
    Schedule::StaticChunk(3),
    Schedule::Dynamic(2),
    Schedule::Guided(1),
    Schedule::Stealing,
];

#[test]
fn ranges_near_usize_max_do_not_overflow() {
    let pool = Pool::new(3).unwrap();
    for schedule in ALL {
        let total = AtomicUsize::new(0);
        for_each_chunk(&pool, usize::MAX - 10..usize::MAX, schedule, |chunk, _| {
            assert!(chunk.start >= usize::MAX - 10);
            total.fetch_add(chunk.len(), Ordering::Relaxed);
        });
        assert_eq!(total.into_inner(), 10, "{schedule:?}");
    }
    let hits = AtomicUsize::new(0);
    let huge = [
        Schedule::StaticChunk(usize::MAX),
        Schedule::Dynamic(usize::MAX / 2),
    ];
    for schedule in huge {
        for_each(&pool, usize::MAX - 5..usize::MAX, schedule, |_| {
            hits.fetch_add(1, Ordering::Relaxed);
        });
    }
    assert_eq!(hits.into_inner(), 10);
}

#[test]
fn empty_and_reversed_ranges_run_nothing() {
    let pool = Pool::new(2).unwrap();
    for schedule in ALL {
        #[allow(clippy::reversed_empty_ranges)]
        for range in [5..5, 7..3, usize::MAX..0] {
            for_each(&pool, range, schedule, |_| panic!("ran"));
        }
    }
}

#[test]
fn chunk_size_zero_panics_clearly() {
    let pool = Pool::new(2).unwrap();
    for schedule in [
        Schedule::StaticChunk(0),
        Schedule::Dynamic(0),
        Schedule::Guided(0),
    ] {
        let result = catch_unwind(AssertUnwindSafe(|| {
            for_each(&pool, 0..10, schedule, |_| {})
        }));
        let message = panic_message(result.unwrap_err());
        assert!(
            message.starts_with("workshare: chunk size must be at least 1"),
            "{message}"
        );
    }
}

#[test]
fn body_panic_propagates_and_stops_the_loop() {
    let pool = Pool::new(2).unwrap();
    let n = 100_000;
    for schedule in [
        Schedule::Dynamic(1),
        Schedule::Guided(1),
        Schedule::Stealing,
    ] {
        let ran = AtomicUsize::new(0);
        let result = catch_unwind(AssertUnwindSafe(|| {
            for_each(&pool, 0..n, schedule, |i| {
                ran.fetch_add(1, Ordering::Relaxed);
                if i == 10 {
                    // No panic hook (it may print a backtrace for milliseconds).
                    std::panic::resume_unwind(Box::new("boom at 10"));
                }
                std::hint::black_box((0..200).sum::<usize>());
            })
        }));
        assert_eq!(panic_message(result.unwrap_err()), "boom at 10");
        let ran = ran.into_inner();
        assert!(ran < n / 2, "{schedule:?} ran {ran} of {n} after the panic");
        // The pool stays usable.
        let after = AtomicUsize::new(0);
        for_each(&pool, 0..100, schedule, |_| {
            _ = after.fetch_add(1, Ordering::Relaxed)
        });
        assert_eq!(after.into_inner(), 100);
    }
}

#[test]
fn dynamic_one_stops_soon_after_a_panic() {
    let pool = Pool::new(2).unwrap();
    let ran = AtomicUsize::new(0);
    let result = catch_unwind(AssertUnwindSafe(|| {
        for_each(&pool, 0..1_000_000, Schedule::Dynamic(1), |i| {
            ran.fetch_add(1, Ordering::Relaxed);
            if i == 1000 {
                std::panic::resume_unwind(Box::new("stop"));
            }
        })
    }));
    assert!(result.is_err());
    assert!(ran.into_inner() < 100_000);
}

#[test]
fn mismatched_slices_panic_clearly() {
    let pool = Pool::new(2).unwrap();
    let (a, b) = (vec![1; 10], vec![1; 9]);
    let mut out = vec![0; 10];
    let result = catch_unwind(AssertUnwindSafe(|| {
        map_into(
            &pool,
            &mut out,
            (&a[..], &b[..]),
            Schedule::Auto,
            |o, (x, y)| {
                *o = x + y;
            },
        )
    }));
    let message = panic_message(result.unwrap_err());
    assert_eq!(
        message,
        "workshare: map_into: input 1 has length 9 but the output has length 10"
    );
    let result = catch_unwind(AssertUnwindSafe(|| {
        for_each_row_mut(&pool, &mut out, 3, Schedule::Auto, |_, _, _| {})
    }));
    let message = panic_message(result.unwrap_err());
    assert!(message.starts_with("workshare: for_each_row_mut: grid length 10"));
}

#[test]
fn many_loops_in_one_region() {
    let pool = Pool::new(3).unwrap();
    let n = 1000;
    let data: Vec<AtomicUsize> = (0..n).map(|_| AtomicUsize::new(0)).collect();
    let singles = AtomicUsize::new(0);
    pool.region(|team| {
        for (round, schedule) in ALL.into_iter().cycle().take(30).enumerate() {
            team_for_each(team, 0..n, schedule, |i| {
                // Each round reads what the previous round wrote: the barrier must hold.
                assert_eq!(data[i].load(Ordering::Relaxed), round);
                data[i].store(round + 1, Ordering::Relaxed);
            });
            single(team, || singles.fetch_add(1, Ordering::Relaxed));
        }
    });
    assert!(data.iter().all(|d| d.load(Ordering::Relaxed) == 30));
    assert_eq!(singles.into_inner(), 30);
}

#[test]
fn nowait_loops_and_singles() {
    let pool = Pool::new(4).unwrap();
    let (count, singles) = (AtomicUsize::new(0), AtomicUsize::new(0));
    pool.region(|team| {
        for schedule in ALL {
            team_for_each_chunk_nowait(team, 0..100, schedule, |chunk, _| {
                count.fetch_add(chunk.len(), Ordering::Relaxed);
            });
            let ran = single_nowait(team, || singles.fetch_add(1, Ordering::Relaxed));
            assert!(ran.is_none() || ran.is_some());
        }
        team.barrier();
        assert_eq!(count.load(Ordering::Relaxed), 600);
        assert_eq!(singles.load(Ordering::Relaxed), ALL.len());
    });
}

#[test]
fn single_returns_its_value_on_one_thread() {
    let pool = Pool::new(3).unwrap();
    let winners = AtomicUsize::new(0);
    pool.region(|team| {
        if let Some(v) = single(team, || 42) {
            assert_eq!(v, 42);
            winners.fetch_add(1, Ordering::Relaxed);
        }
    });
    assert_eq!(winners.into_inner(), 1);
}

#[test]
fn loops_nest_inside_a_region_of_the_same_pool() {
    let pool = Pool::new(2).unwrap();
    let total = AtomicUsize::new(0);
    pool.region(|_team| {
        for_each(&pool, 0..10, Schedule::Auto, |_| {
            _ = total.fetch_add(1, Ordering::Relaxed)
        });
    });
    assert_eq!(total.into_inner(), 20);
}
