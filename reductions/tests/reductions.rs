//! The reductions against the serial loop, for every schedule and several thread counts.
#![cfg(not(loom))]

#[path = "common/rng.rs"]
mod rng;

use rng::SplitMix64;
use workshare_reductions::{
    argmax, argmin, count, max, min, product, reduce, reduce_monoid, sum, Max, Min, Pool, Schedule,
    Sum,
};

const SCHEDULES: [Schedule; 7] = [
    Schedule::Auto,
    Schedule::Static,
    Schedule::StaticChunk(7),
    Schedule::Dynamic(1),
    Schedule::Dynamic(64),
    Schedule::Guided(3),
    Schedule::Stealing,
];

/// Runs `check` on pools of 1 to 4 threads with every schedule.
fn for_all(check: impl Fn(&Pool, Schedule)) {
    for threads in 1..=4 {
        let pool = Pool::new(threads).unwrap();
        for schedule in SCHEDULES {
            check(&pool, schedule);
        }
    }
}

/// Small values with many ties.
fn scores(n: usize, seed: u64) -> Vec<i32> {
    let mut rng = SplitMix64::new(seed);
    (0..n).map(|_| (rng.next_u64() % 50) as i32 - 25).collect()
}

#[test]
fn squared_difference_is_exact() {
    let n = 100_000i64;
    let a: Vec<i64> = (1..=n).collect();
    let b: Vec<i64> = a.iter().map(|x| x + 6).collect();
    for_all(|pool, schedule| {
        let total = sum(pool, 0..a.len(), schedule, |i| (a[i] - b[i]).pow(2));
        assert_eq!(total, 36 * n, "{schedule:?}");
    });
}

#[test]
fn ready_made_match_serial() {
    let data = scores(5_000, 1);
    let serial_sum: i64 = data.iter().map(|&x| i64::from(x)).sum();
    for_all(|pool, schedule| {
        let input = &data[..];
        assert_eq!(sum(pool, input, schedule, |&x| i64::from(x)), serial_sum);
        assert_eq!(
            min(pool, input, schedule, |&x| x),
            data.iter().copied().min()
        );
        assert_eq!(
            max(pool, input, schedule, |&x| x),
            data.iter().copied().max()
        );
        let positive = data.iter().filter(|&&x| x > 0).count();
        assert_eq!(count(pool, input, schedule, |&x| x > 0), positive);
        assert_eq!(
            product(pool, 1..21, schedule, |i| i as u64),
            (1..21u64).product()
        );
    });
}

/// The serial loop of a hand-written "index of the best score": first strict improvement wins.
fn serial_argmax(data: &[i32]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, &x) in data.iter().enumerate() {
        if best.map_or(true, |b| x > data[b]) {
            best = Some(i);
        }
    }
    best
}

#[test]
fn argmin_argmax_ties_go_to_lowest_index() {
    for seed in 0..4 {
        let data = scores(3_000, seed);
        let negated: Vec<i32> = data.iter().map(|x| -x).collect();
        for_all(|pool, schedule| {
            assert_eq!(
                argmax(pool, &data[..], schedule, |&x| x),
                serial_argmax(&data)
            );
            assert_eq!(
                argmin(pool, &negated[..], schedule, |&x| x),
                serial_argmax(&data)
            );
            // Over a range, the index is the item itself.
            let shifted = argmax(pool, 10..10 + data.len(), schedule, |i| data[i - 10]);
            assert_eq!(shifted, serial_argmax(&data).map(|i| i + 10));
        });
    }
}

#[test]
fn argmax_of_all_lowest_values_is_the_first() {
    let pool = Pool::new(3).unwrap();
    let data = vec![i32::MIN; 1000];
    assert_eq!(
        argmax(&pool, &data[..], Schedule::Dynamic(1), |&x| x),
        Some(0)
    );
    assert_eq!(
        argmin(&pool, &data[..], Schedule::Dynamic(1), |&x| x),
        Some(0)
    );
}

#[test]
fn empty_inputs() {
    for_all(|pool, schedule| {
        assert_eq!(sum(pool, 0..0, schedule, |i| i), 0);
        assert_eq!(product(pool, 5..5, schedule, |i| i), 1);
        assert_eq!(min(pool, 0..0, schedule, |i| i), None);
        assert_eq!(argmax(pool, &[] as &[u8], schedule, |&x| x), None);
        let nothing = reduce(pool, 0..0, schedule, || 7, |a, _| a + 1, |a, b| a + b);
        assert_eq!(nothing, 7);
    });
}

#[test]
fn tuple_monoid_runs_two_reductions_in_one_pass() {
    let data: Vec<f64> = (0..10_000).map(|i| ((i * 37) % 101) as f64).collect();
    for_all(|pool, schedule| {
        let (total, top, low) =
            reduce_monoid(pool, &data[..], schedule, |&x| (Sum(x), Max(x), Min(x)));
        assert_eq!(total.0, data.iter().sum::<f64>()); // integers: exact in any order
        assert_eq!((top.0, low.0), (100.0, 0.0));
    });
}

#[test]
fn float_max_skips_nan() {
    let pool = Pool::new(2).unwrap();
    let data = [1.0, f64::NAN, 3.0, f64::NAN];
    assert_eq!(
        max(&pool, &data[..], Schedule::Dynamic(1), |&x| x),
        Some(3.0)
    );
    assert_eq!(
        min(&pool, &data[..], Schedule::Dynamic(1), |&x| x),
        Some(1.0)
    );
}

#[test]
fn panic_in_fold_propagates_and_pool_stays_usable() {
    let pool = Pool::new(2).unwrap();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        sum(&pool, 0..1000, Schedule::Dynamic(10), |i| {
            assert!(i != 500, "boom");
            i
        })
    }));
    assert!(outcome.is_err());
    assert_eq!(sum(&pool, 0..1000, Schedule::Auto, |i| i), 499_500);
}

#[test]
#[should_panic(expected = "workshare")]
fn zero_chunk_size_panics() {
    let pool = Pool::new(2).unwrap();
    let _ = sum(&pool, 0..10, Schedule::Dynamic(0), |i| i);
}

#[test]
fn global_functions_use_the_global_pool() {
    use workshare_reductions::global;
    assert_eq!(global::sum(0..1000, Schedule::Auto, |i| i), 499_500);
    assert_eq!(
        global::argmin(&[5, 2, 2][..], Schedule::Auto, |&x| x),
        Some(1)
    );
    let states = global::for_each_init(0..100, Schedule::Auto, |_| 0, |n, i| *n += i);
    assert_eq!(states.iter().sum::<usize>(), 4950);
}

#[test]
fn argmax_and_argmin_skip_nan_keys_as_max_and_min_do() {
    let pool = Pool::new(2).unwrap();
    let nan = f64::NAN;
    let cases: [&[f64]; 5] = [
        &[nan, 1.0, 3.0, nan, 2.0],
        &[1.0, nan, -4.0, 3.0],
        &[nan, nan, 5.0],
        &[2.0, 2.0, nan],
        &[f64::NEG_INFINITY, nan, f64::INFINITY],
    ];
    for keys in cases {
        for schedule in [Schedule::Static, Schedule::Dynamic(1), Schedule::Auto] {
            let hi = argmax(&pool, keys, schedule, |&k| k).expect("a number");
            let lo = argmin(&pool, keys, schedule, |&k| k).expect("a number");
            assert_eq!(
                Some(keys[hi]),
                max(&pool, keys, schedule, |&k| k),
                "{keys:?}"
            );
            assert_eq!(
                Some(keys[lo]),
                min(&pool, keys, schedule, |&k| k),
                "{keys:?}"
            );
            // The first of ties, as the serial loop.
            assert_eq!(keys.iter().position(|&k| k == keys[hi]), Some(hi));
            assert_eq!(keys.iter().position(|&k| k == keys[lo]), Some(lo));
        }
    }
    // Keys that are all NaN: no index has a key that compares.
    let all_nan = vec![nan; 10_000];
    assert_eq!(argmax(&pool, &all_nan[..], Schedule::Static, |&k| k), None);
    assert_eq!(argmin(&pool, &all_nan[..], Schedule::Static, |&k| k), None);
}
