//! Thread scaling (W3 and W5 of WORKLOADS.md at 1..=N threads) and oversubscription (W7: W3
//! with 8 threads), workshare beside rayon and serial code.
//!
//! Run: `cargo bench -p workshare-bench --bench scaling`. N is `WORKSHARE_BENCH_MAX_THREADS`, by
//! default the machine's available parallelism. At each thread count both runtimes get a pool of
//! exactly that many threads (workshare `Pool::new(t)`, rayon `ThreadPoolBuilder::num_threads(t)`,
//! called from the benchmark's thread through `install`); workshare runs its default
//! `Schedule::Auto`. Every parallel result is checked against the serial one before timing.
//! `WORKSHARE_BENCH_QUICK=1` shortens every group.

// criterion_group! and criterion_main! generate undocumented items.
#![allow(missing_docs)]

mod common;

use common::{group, max_threads, WORKLOAD};
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion};
use rayon::prelude::*;
use workshare::parfor::{for_each_mut_chunk, Schedule};

/// W3's and W7's n.
const W3_N: usize = 10_000;
/// W5's n.
const W5_N: usize = 20_000;
/// W7's thread count.
const W7_THREADS: usize = 8;

/// A loop `out[i] = f(i)`, serial, on a workshare pool, and on a rayon pool.
trait Workload: Sync {
    type Out: Copy + Default + PartialEq + std::fmt::Debug + Send + Sync;
    fn item(&self, i: usize) -> Self::Out;

    fn serial(&self, out: &mut [Self::Out]) {
        out.iter_mut()
            .enumerate()
            .for_each(|(i, o)| *o = self.item(i));
    }

    fn workshare(&self, pool: &workshare::Pool, out: &mut [Self::Out]) {
        for_each_mut_chunk(pool, out, Schedule::Auto, |chunk, offset, _| {
            chunk
                .iter_mut()
                .enumerate()
                .for_each(|(k, o)| *o = self.item(offset + k))
        })
    }

    fn rayon(&self, pool: &rayon::ThreadPool, out: &mut [Self::Out]) {
        pool.install(|| {
            out.par_iter_mut()
                .enumerate()
                .for_each(|(i, o)| *o = self.item(i))
        })
    }
}

/// W3: `out[i] = sum over all j of sqrt(x[j])`, f32 out, f64 accumulator.
struct SumOfRoots(Vec<f32>);

impl Workload for SumOfRoots {
    type Out = f32;
    fn item(&self, _: usize) -> f32 {
        self.0.iter().map(|&v| f64::from(v.sqrt())).sum::<f64>() as f32
    }
}

/// W5: iteration `i` runs `i` cheap integer hash steps.
struct Imbalanced;

impl Workload for Imbalanced {
    type Out = u64;
    fn item(&self, i: usize) -> u64 {
        common::imbalanced(i)
    }
}

/// Serial, then workshare and rayon at each of `threads`, each result checked first.
fn sweep<W: Workload>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    work: &W,
    n: usize,
    threads: impl IntoIterator<Item = usize>,
) {
    let mut expected = vec![W::Out::default(); n];
    work.serial(&mut expected);
    let mut out = vec![W::Out::default(); n];
    group.bench_function("serial", |b| b.iter(|| work.serial(&mut out)));
    for t in threads {
        let (pool, rayon_pool) = (common::workshare_pool(t), common::rayon_pool(t));
        out.fill(W::Out::default());
        work.workshare(&pool, &mut out);
        assert_eq!(out, expected, "workshare, {t} threads");
        out.fill(W::Out::default());
        work.rayon(&rayon_pool, &mut out);
        assert_eq!(out, expected, "rayon, {t} threads");
        group.bench_with_input(BenchmarkId::new("workshare", t), &(), |b, _| {
            b.iter(|| work.workshare(&pool, &mut out))
        });
        group.bench_with_input(BenchmarkId::new("rayon", t), &(), |b, _| {
            b.iter(|| work.rayon(&rayon_pool, &mut out))
        });
    }
}

fn w3_roots() -> SumOfRoots {
    SumOfRoots((0..W3_N).map(|i| i as f32).collect())
}

fn w3_scaling(c: &mut Criterion) {
    let mut group = group(c, &format!("W3 scaling n={W3_N}"), WORKLOAD);
    sweep(&mut group, &w3_roots(), W3_N, 1..=max_threads());
    group.finish();
}

fn w5_scaling(c: &mut Criterion) {
    let mut group = group(c, &format!("W5 scaling n={W5_N}"), WORKLOAD);
    sweep(&mut group, &Imbalanced, W5_N, 1..=max_threads());
    group.finish();
}

/// W7: W3 with pools of 8 threads, oversubscribed on a machine with fewer than 8 cores.
fn w7_oversubscribed(c: &mut Criterion) {
    let mut group = group(c, &format!("W7 oversubscribed W3 n={W3_N}"), WORKLOAD);
    sweep(&mut group, &w3_roots(), W3_N, [W7_THREADS]);
    group.finish();
}

criterion_group!(benches, w3_scaling, w5_scaling, w7_oversubscribed);
criterion_main!(benches);
