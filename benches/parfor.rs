//! parfor benchmarks (W1, W3, W5 of WORKLOADS.md) against serial code and rayon.
//!
//! Run with `cargo bench -p workshare-bench --bench parfor`. Both parallel runtimes use 2 threads
//! (the scaling sweep over thread counts is `benches/scaling.rs`), rayon called from the
//! benchmark's thread through `ThreadPool::install`. 10 samples per point;
//! `WORKSHARE_BENCH_QUICK=1` shortens the warm-up and measurement.

// `criterion_group!` generates undocumented functions.
#![allow(missing_docs)]

mod common;

use common::{group, imbalanced, WORKLOAD};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rayon::prelude::*;
use workshare_parfor::{for_each_mut_chunk, map_into, Pool, Schedule};

const THREADS: usize = 2;

/// W1: `out[i] = sqrt(x[i])`, f32, swept over n = 1e2 ..= 1e7: serial, workshare under `Auto`
/// (which runs short loops serially) and `Static` (always forks), and rayon.
fn w1_sqrt(c: &mut Criterion) {
    let pool = Pool::new(THREADS).unwrap();
    let rayon_pool = common::rayon_pool(THREADS);
    let mut group = group(c, "W1 sqrt", WORKLOAD);
    for n in [100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000] {
        let x: Vec<f32> = (0..n).map(|i| i as f32).collect();
        let mut out = vec![0.0f32; n];
        let expected: Vec<f32> = x.iter().map(|x| x.sqrt()).collect();
        group.bench_function(BenchmarkId::new("serial", n), |b| {
            b.iter(|| out.iter_mut().zip(&x).for_each(|(o, x)| *o = x.sqrt()))
        });
        for (name, schedule) in [
            ("workshare auto", Schedule::Auto),
            ("workshare static", Schedule::Static),
        ] {
            out.fill(0.0);
            map_into(&pool, &mut out, &x[..], schedule, |o, x| *o = x.sqrt());
            assert_eq!(out, expected, "{name}");
            group.bench_function(BenchmarkId::new(name, n), |b| {
                b.iter(|| map_into(&pool, &mut out, &x[..], schedule, |o, x| *o = x.sqrt()))
            });
        }
        let rayon_sqrt = |out: &mut [f32]| {
            rayon_pool.install(|| out.par_iter_mut().zip(&x).for_each(|(o, x)| *o = x.sqrt()))
        };
        out.fill(0.0);
        rayon_sqrt(&mut out);
        assert_eq!(out, expected, "rayon");
        group.bench_function(BenchmarkId::new("rayon", n), |b| {
            b.iter(|| rayon_sqrt(&mut out))
        });
    }
    group.finish();
}

/// W3 at n = 2,000 (not 10,000, to keep the run short): `out[i] = sum_j sqrt(x[j])`.
fn w3_sum_of_roots(c: &mut Criterion) {
    let pool = Pool::new(THREADS).unwrap();
    let rayon_pool = common::rayon_pool(THREADS);
    let n = 2_000;
    let x: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let roots = |_: usize| x.iter().map(|&v| f64::from(v.sqrt())).sum::<f64>() as f32;
    let mut out = vec![0.0f32; n];
    let mut group = group(c, "W3 sum of roots n=2000", WORKLOAD);
    group.bench_function("serial", |b| {
        b.iter(|| out.iter_mut().enumerate().for_each(|(i, o)| *o = roots(i)))
    });
    group.bench_function("workshare auto", |b| {
        b.iter(|| {
            for_each_mut_chunk(&pool, &mut out, Schedule::Auto, |chunk, offset, _| {
                chunk
                    .iter_mut()
                    .enumerate()
                    .for_each(|(k, o)| *o = roots(offset + k))
            })
        })
    });
    group.bench_function("rayon", |b| {
        b.iter(|| {
            rayon_pool.install(|| {
                out.par_iter_mut()
                    .enumerate()
                    .for_each(|(i, o)| *o = roots(i))
            })
        })
    });
    out.fill(0.0);
    for_each_mut_chunk(&pool, &mut out, Schedule::Auto, |chunk, offset, _| {
        chunk
            .iter_mut()
            .enumerate()
            .for_each(|(k, o)| *o = roots(offset + k))
    });
    assert_eq!(out[n - 1], roots(n - 1));
    group.finish();
}

/// W5: imbalanced iterations (cost proportional to `i`), n = 20,000, under each schedule.
fn w5_imbalanced(c: &mut Criterion) {
    let pool = Pool::new(THREADS).unwrap();
    let rayon_pool = common::rayon_pool(THREADS);
    let n = 20_000;
    let expected: Vec<u64> = (0..n).map(imbalanced).collect();
    let mut out = vec![0u64; n];
    let mut group = group(c, "W5 imbalanced n=20000", WORKLOAD);
    group.bench_function("serial", |b| {
        b.iter(|| {
            out.iter_mut()
                .enumerate()
                .for_each(|(i, o)| *o = imbalanced(i))
        })
    });
    let schedules = [
        Schedule::Auto,
        Schedule::Static,
        Schedule::StaticChunk(64),
        Schedule::Dynamic(16),
        Schedule::Guided(1),
        Schedule::Stealing,
    ];
    for schedule in schedules {
        out.fill(0);
        for_each_mut_chunk(&pool, &mut out, schedule, |chunk, offset, _| {
            chunk
                .iter_mut()
                .enumerate()
                .for_each(|(k, o)| *o = imbalanced(offset + k))
        });
        assert_eq!(out, expected, "{schedule:?}");
        group.bench_function(format!("workshare {schedule:?}"), |b| {
            b.iter(|| {
                for_each_mut_chunk(&pool, &mut out, schedule, |chunk, offset, _| {
                    chunk
                        .iter_mut()
                        .enumerate()
                        .for_each(|(k, o)| *o = imbalanced(offset + k))
                })
            })
        });
    }
    out.fill(0);
    rayon_pool.install(|| {
        out.par_iter_mut()
            .enumerate()
            .for_each(|(i, o)| *o = imbalanced(i))
    });
    assert_eq!(out, expected, "rayon");
    group.bench_function("rayon", |b| {
        b.iter(|| {
            rayon_pool.install(|| {
                out.par_iter_mut()
                    .enumerate()
                    .for_each(|(i, o)| *o = imbalanced(i))
            })
        })
    });
    group.finish();
}

criterion_group!(benches, w1_sqrt, w3_sum_of_roots, w5_imbalanced);
criterion_main!(benches);
