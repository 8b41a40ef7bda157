//! What `Schedule::Auto` decides, on loops whose cost is far from the threshold either way
//! (sleeping bodies: their cost barely depends on the machine's load).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use workshare_parfor::{for_each_chunk, Pool, Schedule};

/// Runs `len` indices under `Auto`; how many ran on a thread other than the caller.
fn indices_off_the_caller(pool: &Pool, len: usize, per_index: Duration) -> usize {
    let off = AtomicUsize::new(0);
    for_each_chunk(pool, 0..len, Schedule::Auto, |chunk, ctx| {
        if !per_index.is_zero() {
            std::thread::sleep(per_index * chunk.len() as u32);
        }
        if ctx.thread_id() != 0 {
            off.fetch_add(chunk.len(), Ordering::Relaxed);
        }
    });
    off.into_inner()
}

#[test]
fn a_long_loop_is_forked_every_time() {
    // 200 indices of at least 20 us: 4 ms of work against a fork-join of microseconds.
    // Calls after the first decide from the memory of the first probe's rate: each must fork.
    // On a machine loaded by other processes the worker may not start before the caller has
    // run its own half (2 ms), and `Auto` then rightly counts the fork as futile and keeps the
    // next calls serial: so up to three tries, each on a new pool (which `Auto` knows afresh),
    // and one of them must fork all 40 calls.
    let mut serial_calls = Vec::new();
    for _ in 0..3 {
        let pool = Pool::new(2).unwrap();
        let serial: Vec<usize> = (0..40)
            .filter(|_| indices_off_the_caller(&pool, 200, Duration::from_micros(20)) == 0)
            .collect();
        if serial.is_empty() {
            return;
        }
        serial_calls.push(serial);
    }
    panic!("Auto ran a 4 ms loop serially in every try, at calls {serial_calls:?}");
}

#[test]
fn a_tiny_loop_stays_on_the_caller() {
    let pool = Pool::new(2).unwrap();
    for call in 0..100 {
        assert_eq!(
            indices_off_the_caller(&pool, 4, Duration::ZERO),
            0,
            "call {call}"
        );
    }
}

/// A loop of 4 free indices under `Auto`, with a body of its own type for each `K`: `Auto`
/// remembers decisions per body type, so each `K` makes it probe (and look up its fork-join
/// calibration) afresh. Too short to fork, so the probe runs no region of its own.
fn probe_new_body<const K: usize>(pool: &Pool) {
    for_each_chunk(pool, 0..4, Schedule::Auto, |chunk, _ctx| {
        std::hint::black_box((K, chunk));
    });
}

#[test]
fn the_fork_join_calibration_is_renewed_once_it_is_a_second_old() {
    let pool = Pool::builder()
        .num_threads(2)
        .collect_stats(true)
        .build()
        .unwrap();
    // The calibration's empty loops are the only regions these loops run.
    let regions = |pool: &Pool| pool.stats().total().regions;
    probe_new_body::<0>(&pool);
    let after_first = regions(&pool);
    probe_new_body::<1>(&pool);
    assert_eq!(
        regions(&pool),
        after_first,
        "a probe within the second measured the fork-join cost again"
    );
    std::thread::sleep(Duration::from_millis(1100));
    probe_new_body::<2>(&pool);
    let renewed = regions(&pool) - after_first;
    // At least the 16 empty loops of a calibration, each counted on both team threads.
    assert!(
        renewed >= 16,
        "a probe after the second ran {renewed} regions, no calibration"
    );
}

#[test]
fn a_fork_that_no_worker_helps_keeps_the_next_calls_serial() {
    let pool = Pool::builder()
        .num_threads(2)
        .collect_stats(true)
        .build()
        .unwrap();
    let regions = |pool: &Pool| pool.stats().total().regions;
    let (holding, done) = (AtomicUsize::new(0), AtomicUsize::new(0));
    std::thread::scope(|s| {
        // Another caller's region holds the pool's only worker until the end: every region
        // this thread starts meanwhile finds no idle worker and runs as a team of one.
        s.spawn(|| {
            pool.region(|team| {
                if team.thread_id() == 0 {
                    holding.store(team.team_size(), Ordering::Release);
                    while done.load(Ordering::Acquire) == 0 {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                }
            });
        });
        while holding.load(Ordering::Acquire) == 0 {
            std::thread::yield_now();
        }
        assert_eq!(
            holding.load(Ordering::Relaxed),
            2,
            "the holder got the worker"
        );
        // A 4 ms loop: `Auto` forks it, but the fork gets no worker and gains nothing.
        let _ = indices_off_the_caller(&pool, 200, Duration::from_micros(20));
        let after_first = regions(&pool);
        for _ in 0..10 {
            let _ = indices_off_the_caller(&pool, 200, Duration::from_micros(20));
        }
        let forked = regions(&pool) - after_first;
        done.store(1, Ordering::Release);
        assert_eq!(
            forked, 0,
            "after a fork in which the caller ran every share, the next calls forked again"
        );
    });
}
