//! W0: the cost of one fork-join round trip, workshare beside rayon, `std::thread::scope`,
//! OpenMP and ForkUnion.
//!
//! Run: `cargo bench -p workshare-bench --bench fork_join` (all thread counts in
//! `WORKSHARE_BENCH_THREADS`, default `2,8`); `--features forkunion` adds the ForkUnion rows
//! (the `fork_union` crate, 2.3.1, which needs a C++ compiler). Each benchmark is a region (or
//! its closest counterpart: rayon's `broadcast`, an empty `#pragma omp parallel`, ForkUnion's
//! `for_threads`) of `threads` trivial tasks, and a 1,000-iteration loop writing `i` into a
//! slice, timed from the calling thread (an outside thread for rayon, like a library calling
//! into it) and, for rayon, also from inside its pool. The OpenMP row is timed inside C (EPCC
//! style, as in `benches/overhead.rs`); it is absent where the C compiler has no OpenMP. Each
//! ForkUnion pool lives only for its own rows: its workers spin between calls, and would take
//! a core from every other row. `WORKSHARE_BENCH_QUICK=1` shortens every group (see
//! `benches/NOTES.md`).

// criterion_group! and criterion_main! generate undocumented items.
#![allow(missing_docs)]

mod common;

use common::{group, ping_pong, thread_counts, FAST};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use rayon::prelude::*;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use workshare::parfor::{self, Schedule};
use workshare_bench_omp::{self as omp, Construct};

/// A workshare pool and a rayon pool of `threads` threads each.
fn pools(threads: usize) -> (workshare::Pool, rayon::ThreadPool) {
    (common::workshare_pool(threads), common::rayon_pool(threads))
}

/// Says once which comparison rows this build lacks.
fn notices() {
    if !omp::available() {
        println!("OpenMP unavailable: skipping the openmp rows");
    }
    if cfg!(not(feature = "forkunion")) {
        println!("{}", common::FORKUNION_OFF);
    }
}

fn empty_region(c: &mut Criterion) {
    notices();
    let mut group = group(c, "W0_empty_fork_join", FAST);
    group.bench_with_input(BenchmarkId::new("hardware_ping_pong", 2), &(), |b, _| {
        b.iter_custom(ping_pong)
    });
    for threads in thread_counts() {
        let (pool, rayon_pool) = pools(threads);
        let hits = AtomicUsize::new(0);
        group.bench_with_input(
            BenchmarkId::new("workshare_region", threads),
            &(),
            |b, _| {
                b.iter(|| {
                    pool.region(|team| {
                        black_box(team.thread_id());
                    })
                })
            },
        );
        // An empty loop of `threads` indices: the region plus the loop's own set-up and claims.
        for (name, schedule) in [
            ("workshare_loop_static", Schedule::Static),
            ("workshare_loop_dynamic", Schedule::Dynamic(1)),
            ("workshare_loop_stealing", Schedule::Stealing),
        ] {
            group.bench_with_input(BenchmarkId::new(name, threads), &(), |b, _| {
                b.iter(|| {
                    parfor::for_each_chunk(&pool, 0..threads, schedule, |chunk, _| {
                        black_box(chunk);
                    })
                })
            });
        }
        group.bench_with_input(
            BenchmarkId::new("rayon_broadcast_outside", threads),
            &(),
            |b, _| b.iter(|| rayon_pool.broadcast(|ctx| black_box(ctx.index()))),
        );
        group.bench_with_input(
            BenchmarkId::new("rayon_broadcast_inside", threads),
            &(),
            |b, _| rayon_pool.install(|| b.iter(|| rayon::broadcast(|ctx| black_box(ctx.index())))),
        );
        group.bench_with_input(BenchmarkId::new("rayon_par_iter", threads), &(), |b, _| {
            rayon_pool.install(|| {
                b.iter(|| {
                    (0..threads).into_par_iter().for_each(|i| {
                        hits.fetch_add(black_box(i), Ordering::Relaxed);
                    })
                })
            })
        });
        if threads <= 4 {
            group.bench_with_input(
                BenchmarkId::new("std_thread_scope", threads),
                &(),
                |b, _| {
                    b.iter(|| {
                        std::thread::scope(|s| {
                            for i in 1..threads {
                                s.spawn(move || black_box(i));
                            }
                            black_box(0);
                        })
                    })
                },
            );
        }
        // An empty `#pragma omp parallel num_threads(threads)`, repeated inside C.
        if omp::available() {
            group.bench_with_input(BenchmarkId::new("openmp_parallel", threads), &(), |b, _| {
                b.iter_custom(|iters| {
                    omp::time(Construct::Parallel, iters, threads, threads).unwrap()
                })
            });
        }
        // ForkUnion's fork-join: `for_threads` runs the callback on every thread of the pool
        // (the caller included) and joins when the operation is dropped.
        #[cfg(feature = "forkunion")]
        {
            let mut fu = common::forkunion::pool(threads);
            group.bench_with_input(
                BenchmarkId::new("forkunion_for_threads", threads),
                &(),
                |b, _| {
                    b.iter(|| {
                        fu.for_threads(|thread, _| {
                            black_box(thread);
                        })
                        .join()
                    })
                },
            );
        }
    }
    group.finish();
}

/// Runs `write` once on a zeroed slice and checks that it wrote `i` at every index.
fn checked(mut write: impl FnMut(&mut [usize])) {
    let mut out = vec![0usize; 1000];
    write(&mut out);
    assert!(out.iter().enumerate().all(|(i, &o)| o == i), "wrong result");
}

fn serial_write(out: &mut [usize]) {
    for (i, o) in out.iter_mut().enumerate() {
        *o = black_box(i);
    }
}

fn write_index_loop(c: &mut Criterion) {
    let mut group = group(c, "W0_write_1000", FAST);
    let mut out = vec![0usize; 1000];
    checked(serial_write);
    group.bench_function("serial", |b| b.iter(|| serial_write(&mut out)));
    for threads in thread_counts() {
        let (pool, rayon_pool) = pools(threads);
        let workshare_write = |out: &mut [usize]| {
            parfor::for_each_mut_chunk(&pool, out, Schedule::Static, |chunk, offset, _| {
                for (i, o) in chunk.iter_mut().enumerate() {
                    *o = black_box(offset + i);
                }
            })
        };
        let rayon_write = |out: &mut [usize]| {
            rayon_pool.install(|| {
                out.par_iter_mut()
                    .enumerate()
                    .for_each(|(i, o)| *o = black_box(i))
            })
        };
        checked(workshare_write);
        checked(rayon_write);
        group.bench_with_input(
            BenchmarkId::new("workshare_static", threads),
            &(),
            |b, _| b.iter(|| workshare_write(&mut out)),
        );
        // Timed from inside rayon's pool, its fastest case.
        group.bench_with_input(BenchmarkId::new("rayon_par_iter", threads), &(), |b, _| {
            rayon_pool.install(|| {
                b.iter(|| {
                    out.par_iter_mut()
                        .enumerate()
                        .for_each(|(i, o)| *o = black_box(i))
                })
            })
        });
        // ForkUnion two ways, as its README offers them: `for_slices` (one call per thread
        // with its contiguous slice, like workshare's chunk loop) and `for_n` through the
        // crate's `for_each_prong_mut` (one call per index, across the C interface).
        #[cfg(feature = "forkunion")]
        {
            use common::forkunion;
            let mut fu = forkunion::pool(threads);
            let mut slices_write = |out: &mut [usize]| {
                forkunion::for_slices_mut(&mut fu, out, |chunk, offset| {
                    for (i, o) in chunk.iter_mut().enumerate() {
                        *o = black_box(offset + i);
                    }
                })
            };
            checked(&mut slices_write);
            group.bench_with_input(
                BenchmarkId::new("forkunion_for_slices", threads),
                &(),
                |b, _| b.iter(|| slices_write(&mut out)),
            );
            let mut n_write = |out: &mut [usize]| {
                fork_union::for_each_prong_mut(&mut fu, out, |o, prong| {
                    *o = black_box(prong.task_index)
                })
            };
            checked(&mut n_write);
            group.bench_with_input(BenchmarkId::new("forkunion_for_n", threads), &(), |b, _| {
                b.iter(|| n_write(&mut out))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, empty_region, write_index_loop);
criterion_main!(benches);
