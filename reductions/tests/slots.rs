//! Per-thread slots, per-thread state and per-thread random numbers.
#![cfg(not(loom))]

#[path = "common/rng.rs"]
mod rng;

use rng::SplitMix64;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use workshare_reductions::{for_each_init, sum, Pool, Schedule, Slots};

#[test]
fn index_of_best_score_with_slots() {
    let mut rng = SplitMix64::new(5);
    let scores: Vec<i32> = (0..20_000)
        .map(|_| (rng.next_u64() % 1000) as i32)
        .collect();
    let pool = Pool::new(4).unwrap();
    // (best score, its index) per thread, folded by the owner after the loop.
    let mut best: Slots<Option<(i32, usize)>> = Slots::new(&pool);
    best.for_each_chunk(
        &pool,
        0..scores.len(),
        Schedule::Dynamic(100),
        |slot, chunk| {
            for i in chunk {
                if slot.map_or(true, |(s, j)| scores[i] > s || (scores[i] == s && i < j)) {
                    *slot = Some((scores[i], i));
                }
            }
        },
    );
    let winner = best
        .into_iter()
        .flatten()
        .max_by_key(|&(s, i)| (s, std::cmp::Reverse(i)));
    let serial = (0..scores.len()).fold(0, |b, i| if scores[i] > scores[b] { i } else { b });
    assert_eq!(winner.map(|(_, i)| i), Some(serial));
}

#[test]
fn each_thread_touches_only_its_own_slot() {
    let pool = Pool::new(4).unwrap();
    // Within one loop, each slot is used by one OS thread: the team thread with its id (a
    // worker, or the caller when it ran a sleeping worker's share after its own). Which OS
    // thread that is may change from loop to loop.
    let mut owners: Slots<Vec<std::thread::ThreadId>> = Slots::new(&pool);
    for schedule in [
        Schedule::Dynamic(1),
        Schedule::Stealing,
        Schedule::Guided(1),
    ] {
        for _ in 0..20 {
            owners.iter_mut().for_each(Vec::clear);
            owners.for_each(&pool, 0..10_000, schedule, |seen, _| {
                let me = std::thread::current().id();
                if !seen.contains(&me) {
                    seen.push(me);
                }
            });
            for seen in owners.iter() {
                assert!(seen.len() <= 1, "a slot was used by {} threads", seen.len());
            }
        }
    }
}

#[test]
fn init_runs_once_per_participating_thread() {
    let pool = Pool::new(4).unwrap();
    for schedule in [Schedule::Static, Schedule::Dynamic(1), Schedule::Guided(2)] {
        let inits = AtomicUsize::new(0);
        let states = for_each_init(
            &pool,
            0..5_000,
            schedule,
            |thread_id| {
                inits.fetch_add(1, Ordering::Relaxed);
                (thread_id, 0usize)
            },
            |(_, n), _| *n += 1,
        );
        assert_eq!(inits.into_inner(), states.len());
        assert!(!states.is_empty() && states.len() <= 4);
        assert_eq!(states.iter().map(|(_, n)| n).sum::<usize>(), 5_000);
        let ids: Vec<usize> = states.iter().map(|(id, _)| *id).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "thread order: {ids:?}");
    }
}

#[test]
fn init_is_not_called_for_an_empty_input() {
    let pool = Pool::new(2).unwrap();
    let states = for_each_init(
        &pool,
        0..0,
        Schedule::Auto,
        |_| panic!("no"),
        |_: &mut (), _| {},
    );
    assert!(states.is_empty());
}

#[test]
#[should_panic(expected = "workshare")]
fn slots_for_a_smaller_pool_are_refused() {
    let small = Pool::new(1).unwrap();
    let big = Pool::new(3).unwrap();
    let mut slots: Slots<u8> = Slots::new(&small);
    slots.for_each(&big, 0..10, Schedule::Auto, |_, _| {});
}

#[test]
fn slots_survive_a_panicking_body() {
    let pool = Pool::new(2).unwrap();
    let mut slots: Slots<usize> = Slots::new(&pool);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        slots.for_each(&pool, 0..100, Schedule::Dynamic(1), |n, i| {
            assert!(i != 50, "boom");
            *n += 1;
        });
    }));
    assert!(outcome.is_err());
    assert!(slots.iter().sum::<usize>() < 100);
    slots.iter_mut().for_each(|n| *n = 0);
    slots.for_each(&pool, 0..100, Schedule::Auto, |n, _| *n += 1);
    assert_eq!(slots.iter().sum::<usize>(), 100);
}

/// Monte Carlo pi with one random stream per block of samples.
fn pi_per_block(pool: &Pool, schedule: Schedule, seed: u64) -> f64 {
    const BLOCKS: usize = 200;
    const PER_BLOCK: usize = 5_000;
    let hits: u64 = sum(pool, 0..BLOCKS, schedule, |block| {
        let mut rng = SplitMix64::stream(seed, block as u64);
        (0..PER_BLOCK)
            .filter(|_| {
                let (x, y) = (rng.next_f64(), rng.next_f64());
                x * x + y * y < 1.0
            })
            .count() as u64
    });
    4.0 * hits as f64 / (BLOCKS * PER_BLOCK) as f64
}

#[test]
fn monte_carlo_pi_per_block_is_reproducible_for_any_thread_count() {
    let reference = pi_per_block(&Pool::new(1).unwrap(), Schedule::Static, 7);
    assert!(
        (reference - std::f64::consts::PI).abs() < 0.01,
        "{reference}"
    );
    for threads in 1..=4 {
        let pool = Pool::new(threads).unwrap();
        for schedule in [Schedule::Auto, Schedule::Dynamic(1), Schedule::Stealing] {
            assert_eq!(pi_per_block(&pool, schedule, 7), reference);
        }
    }
    assert_ne!(
        pi_per_block(&Pool::new(2).unwrap(), Schedule::Auto, 8),
        reference
    );
}

/// Monte Carlo pi with one random stream per thread: reproducible for a fixed thread count
/// under the static schedule only.
fn pi_per_thread(pool: &Pool, seed: u64) -> f64 {
    const SAMPLES: usize = 400_000;
    let states = for_each_init(
        pool,
        0..SAMPLES,
        Schedule::Static,
        |thread_id| (SplitMix64::stream(seed, thread_id as u64), 0u64),
        |(rng, hits), _| {
            let (x, y) = (rng.next_f64(), rng.next_f64());
            *hits += u64::from(x * x + y * y < 1.0);
        },
    );
    4.0 * states.iter().map(|(_, h)| h).sum::<u64>() as f64 / SAMPLES as f64
}

#[test]
fn monte_carlo_pi_per_thread_is_reproducible_for_a_fixed_thread_count() {
    for threads in 1..=3 {
        let pool = Pool::new(threads).unwrap();
        let first = pi_per_thread(&pool, 11);
        assert!((first - std::f64::consts::PI).abs() < 0.02, "{first}");
        assert_eq!(pi_per_thread(&pool, 11), first);
    }
}

#[test]
fn owner_folds_slots_after_a_mutex_free_loop() {
    let pool = Pool::new(3).unwrap();
    let log = Mutex::new(0usize);
    let mut slots: Slots<usize> = Slots::from_fn(&pool, |i| i * 1000);
    slots.for_each(&pool, 0..300, Schedule::Auto, |n, _| *n += 1);
    *log.lock().unwrap() = slots.iter().sum();
    assert_eq!(*log.lock().unwrap(), 300 + 1000 + 2000);
}
