//! EPCC-style overhead suite: the cost of one construct (a region, a barrier, `single`, a
//! parallel loop, a loop inside a running region, a reduction) in workshare, beside the closest
//! rayon construct and beside the same construct in OpenMP (C compiled with `-fopenmp` in the
//! bench-only crate `benches/omp`).
//!
//! Run: `cargo bench -p workshare-bench --bench overhead` (every thread count of
//! `WORKSHARE_BENCH_THREADS`, default `2,8`). Each row is the median time of one construct.
//! Constructs that live inside a region (barrier, single, loops in a running region) are repeated
//! `iters` times inside one region, and the time of the whole region is divided by `iters`; the
//! OpenMP rows do the same inside C and return the elapsed time to criterion (`iter_custom`), so no
//! call from Rust to C falls inside the timed repetitions. Loops run `threads` empty iterations:
//! one per thread, the construct's cost alone. Without OpenMP (a C compiler without `-fopenmp`) the
//! OpenMP rows are skipped. `WORKSHARE_BENCH_QUICK=1` shortens every group.

// criterion_group! and criterion_main! generate undocumented items.
#![allow(missing_docs)]

mod common;

use common::{group, thread_counts, FAST};
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion};
use rayon::prelude::*;
use std::hint::black_box;
use std::time::{Duration, Instant};
use workshare::parfor::{self, Schedule};
use workshare::{reductions, Pool, Team};
use workshare_bench_omp::{self as omp, Construct};

/// The runtimes of one thread count.
struct Runtimes {
    threads: usize,
    pool: Pool,
    rayon: rayon::ThreadPool,
}

fn runtimes() -> Vec<Runtimes> {
    thread_counts()
        .into_iter()
        .map(|threads| Runtimes {
            threads,
            pool: common::workshare_pool(threads),
            rayon: common::rayon_pool(threads),
        })
        .collect()
}

/// Adds the OpenMP row `name`: `iters` repetitions of `construct` timed inside C.
fn openmp(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    threads: usize,
    construct: Construct,
) {
    if omp::available() {
        group.bench_with_input(BenchmarkId::new(name, threads), &(), |b, _| {
            b.iter_custom(|iters| omp::time(construct, iters, threads, threads).unwrap())
        });
    }
}

/// The time of one region of `pool` running `body(team)` `iters` times on every team thread.
fn in_one_region(pool: &Pool, iters: u64, body: impl Fn(&Team<'_>) + Sync) -> Duration {
    let started = Instant::now();
    pool.region(|team| {
        for _ in 0..iters {
            body(team);
        }
    });
    started.elapsed()
}

/// An empty region (`#pragma omp parallel`): one fork and join.
fn parallel(c: &mut Criterion, all: &[Runtimes]) {
    let mut group = group(c, "overhead parallel", FAST);
    for rt in all {
        let threads = rt.threads;
        group.bench_with_input(
            BenchmarkId::new("workshare_region", threads),
            &(),
            |b, _| {
                b.iter(|| {
                    rt.pool.region(|team| {
                        black_box(team.thread_id());
                    })
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("rayon_broadcast_outside", threads),
            &(),
            |b, _| b.iter(|| rt.rayon.broadcast(|ctx| black_box(ctx.index()))),
        );
        group.bench_with_input(
            BenchmarkId::new("rayon_broadcast_inside", threads),
            &(),
            |b, _| {
                rt.rayon
                    .install(|| b.iter(|| rayon::broadcast(|ctx| black_box(ctx.index()))))
            },
        );
        openmp(&mut group, "openmp_parallel", threads, Construct::Parallel);
    }
    group.finish();
}

/// A barrier inside a running region (`#pragma omp barrier`).
fn barrier(c: &mut Criterion, all: &[Runtimes]) {
    let mut group = group(c, "overhead barrier", FAST);
    for rt in all {
        let threads = rt.threads;
        group.bench_with_input(
            BenchmarkId::new("workshare_barrier", threads),
            &(),
            |b, _| b.iter_custom(|iters| in_one_region(&rt.pool, iters, |team| team.barrier())),
        );
        // rayon has no barrier: std's, on every thread of a rayon broadcast.
        group.bench_with_input(
            BenchmarkId::new("rayon_broadcast_std_barrier", threads),
            &(),
            |b, _| {
                b.iter_custom(|iters| {
                    let barrier = std::sync::Barrier::new(threads);
                    let started = Instant::now();
                    rt.rayon.broadcast(|_| {
                        for _ in 0..iters {
                            barrier.wait();
                        }
                    });
                    started.elapsed()
                })
            },
        );
        openmp(&mut group, "openmp_barrier", threads, Construct::Barrier);
    }
    group.finish();
}

/// `single` with its barrier, inside a running region (`#pragma omp single`).
fn single(c: &mut Criterion, all: &[Runtimes]) {
    let mut group = group(c, "overhead single", FAST);
    for rt in all {
        let threads = rt.threads;
        group.bench_with_input(
            BenchmarkId::new("workshare_single", threads),
            &(),
            |b, _| {
                b.iter_custom(|iters| {
                    in_one_region(&rt.pool, iters, |team| {
                        parfor::single(team, || black_box(0usize));
                    })
                })
            },
        );
        openmp(&mut group, "openmp_single", threads, Construct::Single);
    }
    group.finish();
}

/// A parallel loop of `threads` empty iterations (`#pragma omp parallel for`): fork, share, join.
fn parallel_for(c: &mut Criterion, all: &[Runtimes]) {
    for (kind, schedule, construct) in [
        ("static", Schedule::Static, Construct::ParallelForStatic),
        (
            "dynamic",
            Schedule::Dynamic(1),
            Construct::ParallelForDynamic,
        ),
    ] {
        let mut group = group(c, &format!("overhead parallel for {kind}"), FAST);
        for rt in all {
            let threads = rt.threads;
            group.bench_with_input(
                BenchmarkId::new(format!("workshare_for_each_{kind}"), threads),
                &(),
                |b, _| {
                    b.iter(|| {
                        parfor::for_each(&rt.pool, 0..threads, schedule, |i| {
                            black_box(i);
                        })
                    })
                },
            );
            // Static: rayon's own splitting; dynamic: every index a task of its own
            // (`with_max_len(1)`). Timed inside rayon's pool (its fastest case: with no thief
            // in time, one thread runs every index) and from the benchmark's thread through
            // `install`, as workshare's loop is called.
            let rayon_loop = || {
                let indices = (0..threads).into_par_iter();
                let body = |i| {
                    black_box(i);
                };
                match schedule {
                    Schedule::Static => indices.for_each(body),
                    _ => indices.with_max_len(1).for_each(body),
                }
            };
            group.bench_with_input(
                BenchmarkId::new(format!("rayon_par_iter_{kind}"), threads),
                &(),
                |b, _| rt.rayon.install(|| b.iter(rayon_loop)),
            );
            group.bench_with_input(
                BenchmarkId::new(format!("rayon_par_iter_{kind}_outside"), threads),
                &(),
                |b, _| b.iter(|| rt.rayon.install(rayon_loop)),
            );
            openmp(
                &mut group,
                &format!("openmp_parallel_for_{kind}"),
                threads,
                construct,
            );
        }
        group.finish();
    }
}

/// A loop of `threads` empty iterations shared by a running region, with its barrier
/// (`#pragma omp for` inside `#pragma omp parallel`). rayon has no such construct.
fn team_for(c: &mut Criterion, all: &[Runtimes]) {
    for (kind, schedule, construct) in [
        ("static", Schedule::Static, Construct::ForStatic),
        ("dynamic", Schedule::Dynamic(1), Construct::ForDynamic),
    ] {
        let mut group = group(c, &format!("overhead for {kind} in region"), FAST);
        for rt in all {
            let threads = rt.threads;
            group.bench_with_input(
                BenchmarkId::new(format!("workshare_team_for_each_{kind}"), threads),
                &(),
                |b, _| {
                    b.iter_custom(|iters| {
                        in_one_region(&rt.pool, iters, |team| {
                            parfor::team_for_each(team, 0..threads, schedule, |i| {
                                black_box(i);
                            })
                        })
                    })
                },
            );
            openmp(
                &mut group,
                &format!("openmp_for_{kind}"),
                threads,
                construct,
            );
        }
        group.finish();
    }
}

/// A sum over `threads` items (`#pragma omp parallel for reduction(+:sum)`).
fn reduction(c: &mut Criterion, all: &[Runtimes]) {
    let mut group = group(c, "overhead reduction", FAST);
    for rt in all {
        let threads = rt.threads;
        let expected = (threads * (threads - 1) / 2) as u64;
        let ours = || reductions::sum(&rt.pool, 0..threads, Schedule::Static, |i| i as u64);
        let theirs = || (0..threads).into_par_iter().map(|i| i as u64).sum::<u64>();
        assert_eq!(ours(), expected);
        assert_eq!(rt.rayon.install(theirs), expected);
        group.bench_with_input(
            BenchmarkId::new("workshare_sum_static", threads),
            &(),
            |b, _| b.iter(|| black_box(ours())),
        );
        group.bench_with_input(
            BenchmarkId::new("rayon_par_iter_sum", threads),
            &(),
            |b, _| rt.rayon.install(|| b.iter(|| black_box(theirs()))),
        );
        group.bench_with_input(
            BenchmarkId::new("rayon_par_iter_sum_outside", threads),
            &(),
            |b, _| b.iter(|| black_box(rt.rayon.install(theirs))),
        );
        openmp(
            &mut group,
            "openmp_reduction",
            threads,
            Construct::Reduction,
        );
    }
    group.finish();
}

fn overhead(c: &mut Criterion) {
    if !omp::available() {
        eprintln!("OpenMP unavailable (the C compiler did not build an OpenMP program): skipping the OpenMP rows");
    }
    let all = runtimes();
    parallel(c, &all);
    barrier(c, &all);
    single(c, &all);
    parallel_for(c, &all);
    team_for(c, &all);
    reduction(c, &all);
}

criterion_group!(benches, overhead);
criterion_main!(benches);
