//! Reduction benchmarks (W2, W4, W6, W9, deterministic sum): serial vs workshare vs rayon.
//!
//! Run with `cargo bench -p workshare-bench --bench reductions`. Both parallel runtimes use 2
//! threads; every parallel result is checked against the serial one before timing. 10 samples per
//! group; `WORKSHARE_BENCH_QUICK=1` shortens the warm-up and measurement.

// `criterion_group!` generates an undocumented function.
#![allow(missing_docs)]

mod common;

#[path = "../tests/common/rng.rs"]
mod rng;

use common::{group, WORKLOAD};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use rayon::prelude::*;
use rng::SplitMix64;
use workshare_reductions::{argmax, sum, sum_deterministic, Pool, Schedule};

const THREADS: usize = 2;

struct Runtimes {
    pool: Pool,
    rayon: rayon::ThreadPool,
}

fn runtimes() -> Runtimes {
    Runtimes {
        pool: Pool::new(THREADS).expect("pool"),
        rayon: common::rayon_pool(THREADS),
    }
}

/// W2: sum((a[i] - b[i])^2), i64, a = 1..=n, b = a + 6; exactly 36 n.
fn w2(c: &mut Criterion, rt: &Runtimes, n: usize) {
    let a: Vec<i64> = (1..=n as i64).collect();
    let b: Vec<i64> = a.iter().map(|x| x + 6).collect();
    let serial = || a.iter().zip(&b).map(|(x, y)| (x - y).pow(2)).sum::<i64>();
    // Indexed (`a[i] - b[i]`, the loop as written in Python): the bounds checks keep the loop
    // from vectorizing, serially as in parallel; the zipped rows below avoid them.
    let serial_indexed = || (0..n).map(|i| (a[i] - b[i]).pow(2)).sum::<i64>();
    let ours = || sum(&rt.pool, 0..n, Schedule::Auto, |i| (a[i] - b[i]).pow(2));
    // The slices zipped, like rayon's and the serial loop: no indexing, no bounds checks.
    let zipped = (&a[..], &b[..]);
    let ours_zip = || sum(&rt.pool, zipped, Schedule::Auto, |(x, y)| (x - y).pow(2));
    let theirs = || {
        let it = a.par_iter().zip(&b).map(|(x, y)| (x - y).pow(2));
        rt.rayon.install(|| it.sum::<i64>())
    };
    for result in [serial(), serial_indexed(), ours(), ours_zip(), theirs()] {
        assert_eq!(result, 36 * n as i64);
    }
    let mut group = group(c, &format!("W2_sq_diff_n{n}"), WORKLOAD);
    group.bench_function("serial", |bench| bench.iter(|| black_box(serial())));
    group.bench_function("serial_indexed", |bench| {
        bench.iter(|| black_box(serial_indexed()))
    });
    group.bench_function("workshare_indexed", |bench| {
        bench.iter(|| black_box(ours()))
    });
    group.bench_function("workshare_zip", |bench| {
        bench.iter(|| black_box(ours_zip()))
    });
    group.bench_function("rayon", |bench| bench.iter(|| black_box(theirs())));
    group.finish();
}

/// W6: index of the maximum of an i32 array, ties to the lowest index.
fn w6(c: &mut Criterion, rt: &Runtimes) {
    let mut rng = SplitMix64::new(6);
    let scores: Vec<i32> = (0..10_000_000)
        .map(|_| (rng.next_u64() % 1_000_000) as i32)
        .collect();
    let serial = || {
        let mut best = 0;
        for (i, &s) in scores.iter().enumerate() {
            if s > scores[best] {
                best = i;
            }
        }
        best
    };
    let ours = || argmax(&rt.pool, &scores[..], Schedule::Auto, |&s| s).unwrap();
    let theirs = || {
        let better = |a: (usize, i32), b: (usize, i32)| {
            if b.1 > a.1 || (b.1 == a.1 && b.0 < a.0) {
                b
            } else {
                a
            }
        };
        let it = scores.par_iter().copied().enumerate();
        rt.rayon
            .install(|| it.reduce(|| (usize::MAX, i32::MIN), better).0)
    };
    assert_eq!(ours(), serial());
    assert_eq!(theirs(), serial());
    let mut group = group(c, "W6_argmax_i32_n1e7", WORKLOAD);
    group.bench_function("serial", |bench| bench.iter(|| black_box(serial())));
    group.bench_function("workshare", |bench| bench.iter(|| black_box(ours())));
    group.bench_function("rayon", |bench| bench.iter(|| black_box(theirs())));
    group.finish();
}

/// W4: Monte Carlo pi, 4e6 samples (a tenth of the workload's 4e7, to keep the run short), one
/// SplitMix64 stream per block of 10,000 samples: the same estimate on any thread count.
fn w4(c: &mut Criterion, rt: &Runtimes) {
    const BLOCKS: usize = 400;
    const PER_BLOCK: usize = 10_000;
    let block_hits = |block: usize| {
        let mut rng = SplitMix64::stream(4, block as u64);
        (0..PER_BLOCK)
            .filter(|_| {
                let (x, y) = (rng.next_f64(), rng.next_f64());
                x * x + y * y < 1.0
            })
            .count() as u64
    };
    let serial = || (0..BLOCKS).map(block_hits).sum::<u64>();
    let ours = || sum(&rt.pool, 0..BLOCKS, Schedule::Auto, block_hits);
    let theirs = || {
        rt.rayon
            .install(|| (0..BLOCKS).into_par_iter().map(block_hits).sum::<u64>())
    };
    let hits = serial();
    assert_eq!((ours(), theirs()), (hits, hits));
    let pi = 4.0 * hits as f64 / (BLOCKS * PER_BLOCK) as f64;
    assert!((pi - std::f64::consts::PI).abs() < 0.01);
    let mut group = group(c, "W4_pi_4e6", WORKLOAD);
    group.bench_function("serial", |bench| bench.iter(|| black_box(serial())));
    group.bench_function("workshare", |bench| bench.iter(|| black_box(ours())));
    group.bench_function("rayon", |bench| bench.iter(|| black_box(theirs())));
    group.finish();
}

/// W9: Gaussian kernel density at x = 0.4 over 1e6 kernels.
fn w9(c: &mut Criterion, rt: &Runtimes) {
    let n = 1_000_000;
    let mut rng = SplitMix64::new(9);
    let means: Vec<f64> = (0..n).map(|_| rng.next_f64() * 2.0 - 1.0).collect();
    let widths: Vec<f64> = (0..n).map(|_| 0.1 + 0.2 * rng.next_f64()).collect();
    let x = 0.4;
    let scale = 1.0 / (n as f64 * (2.0 * std::f64::consts::PI).sqrt());
    // Zipped slices: no indexing, no bounds checks.
    let zipped = (&means[..], &widths[..]);
    let kernel_zip = |(m, w): (&f64, &f64)| (-0.5 * ((x - m) / w).powi(2)).exp() / w;
    let serial = || means.iter().zip(&widths).map(kernel_zip).sum::<f64>() * scale;
    let ours_zip = || sum(&rt.pool, zipped, Schedule::Auto, kernel_zip) * scale;
    let theirs = || {
        let it = means.par_iter().zip(&widths).map(kernel_zip);
        rt.rayon.install(|| it.sum::<f64>()) * scale
    };
    // Indexed (`means[i]`, the loop as written in Python): a body run on sub-ranges keeps its
    // bounds checks, under any runtime.
    let kernel = |i: usize| (-0.5 * ((x - means[i]) / widths[i]).powi(2)).exp() / widths[i];
    let serial_indexed = || (0..n).map(kernel).sum::<f64>() * scale;
    let ours = || sum(&rt.pool, 0..n, Schedule::Auto, kernel) * scale;
    let theirs_indexed = || {
        rt.rayon
            .install(|| (0..n).into_par_iter().map(kernel).sum::<f64>())
            * scale
    };
    let expected = serial();
    for result in [
        serial_indexed(),
        ours_zip(),
        ours(),
        theirs(),
        theirs_indexed(),
    ] {
        assert!((result - expected).abs() <= 1e-12 * expected.abs());
    }
    let mut group = group(c, "W9_kde_n1e6", WORKLOAD);
    group.bench_function("serial", |bench| bench.iter(|| black_box(serial())));
    group.bench_function("serial_indexed", |bench| {
        bench.iter(|| black_box(serial_indexed()))
    });
    group.bench_function("workshare_zip", |bench| {
        bench.iter(|| black_box(ours_zip()))
    });
    group.bench_function("workshare_indexed", |bench| {
        bench.iter(|| black_box(ours()))
    });
    group.bench_function("rayon", |bench| bench.iter(|| black_box(theirs())));
    group.bench_function("rayon_indexed", |bench| {
        bench.iter(|| black_box(theirs_indexed()))
    });
    group.finish();
}

/// Deterministic vs ordinary f64 sum at n = 1e7.
fn deterministic(c: &mut Criterion, rt: &Runtimes) {
    let mut rng = SplitMix64::new(1);
    let values: Vec<f64> = (0..10_000_000).map(|_| rng.next_f64() - 0.5).collect();
    let serial = || values.iter().sum::<f64>();
    let ordinary = || sum(&rt.pool, &values[..], Schedule::Auto, |&v| v);
    let fixed = || sum_deterministic(&rt.pool, &values[..], Schedule::Auto, |&v| v);
    let theirs = || rt.rayon.install(|| values.par_iter().sum::<f64>());
    let one = Pool::new(1).expect("pool");
    let reference = sum_deterministic(&one, &values[..], Schedule::Static, |&v| v);
    assert_eq!(fixed().to_bits(), reference.to_bits());
    for result in [ordinary(), theirs()] {
        assert!((result - serial()).abs() < 1e-6);
    }
    let mut group = group(c, "f64_sum_n1e7", WORKLOAD);
    group.bench_function("serial", |bench| bench.iter(|| black_box(serial())));
    group.bench_function("workshare", |bench| bench.iter(|| black_box(ordinary())));
    group.bench_function("workshare_deterministic", |bench| {
        bench.iter(|| black_box(fixed()))
    });
    group.bench_function("rayon", |bench| bench.iter(|| black_box(theirs())));
    group.finish();
}

fn benches(c: &mut Criterion) {
    let rt = runtimes();
    w2(c, &rt, 100_000);
    w2(c, &rt, 10_000_000);
    w6(c, &rt);
    w4(c, &rt);
    w9(c, &rt);
    deterministic(c, &rt);
}

criterion_group!(reductions, benches);
criterion_main!(reductions);
