//! Deterministic reductions give the same bits for every thread count, schedule and run.
#![cfg(not(loom))]

#[path = "common/rng.rs"]
mod rng;

use rng::SplitMix64;
use workshare_reductions::{
    reduce_deterministic, sum, sum_deterministic, Pool, Schedule, BLOCK_LEN,
};

const SCHEDULES: [Schedule; 6] = [
    Schedule::Auto,
    Schedule::Static,
    Schedule::StaticChunk(3),
    Schedule::Dynamic(1),
    Schedule::Guided(1),
    Schedule::Stealing,
];

/// Values spread over many magnitudes, so that the order of additions shows in the last bits.
fn values(n: usize) -> Vec<f64> {
    let mut rng = SplitMix64::new(2024);
    (0..n)
        .map(|_| (rng.next_f64() - 0.5) * 10f64.powi((rng.next_u64() % 12) as i32))
        .collect()
}

#[test]
fn f64_sum_is_bit_identical_for_1_to_8_threads_and_every_schedule() {
    let data = values(1_000_000);
    let pool = Pool::new(1).unwrap();
    let expected = sum_deterministic(&pool, &data[..], Schedule::Static, |&x| x).to_bits();
    let mut runs = 0;
    for threads in 1..=8 {
        let pool = Pool::new(threads).unwrap();
        for schedule in SCHEDULES {
            for _ in 0..2 {
                let got = sum_deterministic(&pool, &data[..], schedule, |&x| x);
                assert_eq!(got.to_bits(), expected, "{threads} threads, {schedule:?}");
                runs += 1;
            }
        }
    }
    assert_eq!(runs, 96);
}

#[test]
fn ordinary_sum_differs_in_order_but_deterministic_matches_serial_blocks() {
    // The deterministic result is the fixed tree over serial block sums, computed by hand.
    let data = values(10 * BLOCK_LEN + 123);
    let blocks: Vec<f64> = data.chunks(BLOCK_LEN).map(|b| b.iter().sum()).collect();
    let mut level = blocks;
    while level.len() > 1 {
        level = level.chunks(2).map(|p| p.iter().sum()).collect();
    }
    let pool = Pool::new(3).unwrap();
    let got = sum_deterministic(&pool, &data[..], Schedule::Dynamic(2), |&x| x);
    assert_eq!(got.to_bits(), level[0].to_bits());
    // The ordinary sum is close (not necessarily equal).
    let ordinary = sum(&pool, &data[..], Schedule::Dynamic(2), |&x| x);
    assert!((ordinary - got).abs() <= 1e-6 * data.iter().map(|x| x.abs()).sum::<f64>());
}

#[test]
fn non_commutative_combine_keeps_index_order() {
    let n = 3 * BLOCK_LEN + 5;
    for threads in 1..=4 {
        let pool = Pool::new(threads).unwrap();
        for schedule in SCHEDULES {
            let firsts = reduce_deterministic(
                &pool,
                0..n,
                schedule,
                Vec::new,
                |mut v, i| {
                    if i % BLOCK_LEN == 0 {
                        v.push(i / BLOCK_LEN);
                    }
                    v
                },
                |mut a, b| {
                    a.extend(b);
                    a
                },
            );
            assert_eq!(firsts, [0, 1, 2, 3]);
        }
    }
}

#[test]
fn empty_and_short_inputs() {
    let pool = Pool::new(2).unwrap();
    assert_eq!(
        sum_deterministic(&pool, 0..0, Schedule::Auto, |i| i as f64),
        0.0
    );
    assert_eq!(
        sum_deterministic(&pool, 0..3, Schedule::Auto, |i| i as f64),
        3.0
    );
}
