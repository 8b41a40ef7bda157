//! Settings every benchmark shares: thread counts, quick mode, group timing, pools.
//!
//! Included by each bench file with `mod common;`; each uses a subset of it.
#![allow(dead_code)]

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The thread counts of the fork-join and overhead benchmarks: `WORKSHARE_BENCH_THREADS`, a
/// comma-separated list (default `2,8`).
pub fn thread_counts() -> Vec<usize> {
    std::env::var("WORKSHARE_BENCH_THREADS")
        .ok()
        .and_then(|v| v.split(',').map(|t| t.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![2, 8])
}

/// The largest thread count of the scaling sweep: `WORKSHARE_BENCH_MAX_THREADS`, by default
/// the machine's available parallelism.
pub fn max_threads() -> usize {
    std::env::var("WORKSHARE_BENCH_MAX_THREADS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// Quick mode (`WORKSHARE_BENCH_QUICK` set to anything but `0` or empty): the same workloads
/// with shorter warm-up and measurement and the fewest samples criterion accepts.
pub fn quick() -> bool {
    std::env::var("WORKSHARE_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// The timing of a group in full mode: warm-up, measurement time, sample count.
#[derive(Clone, Copy)]
pub struct Timing {
    pub warm_up: Duration,
    pub measurement: Duration,
    pub samples: usize,
}

/// Short fast benchmarks (fork-join and construct overheads): many samples.
pub const FAST: Timing = Timing {
    warm_up: Duration::from_millis(500),
    measurement: Duration::from_secs(2),
    samples: 50,
};

/// Loop and reduction workloads of milliseconds or more.
pub const WORKLOAD: Timing = Timing {
    warm_up: Duration::from_millis(300),
    measurement: Duration::from_secs(1),
    samples: 10,
};

/// What quick mode uses for every group.
pub const QUICK: Timing = Timing {
    warm_up: Duration::from_millis(100),
    measurement: Duration::from_millis(300),
    samples: 10,
};

/// Where the benchmarks' own outputs go, beside criterion's: `$WORKSHARE_BENCH_OUTPUT_DIR` when
/// set (`scripts/spread.sh` gives each of its processes a directory of its own), else
/// `$CARGO_TARGET_DIR/workshare-bench`, or `target/workshare-bench` of the workspace.
pub fn output_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WORKSHARE_BENCH_OUTPUT_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    // Not `target` relative to the working directory: `cargo bench` runs a bench in its
    // package's directory (`benches/`), while the workspace's target directory, where
    // `scripts/benchmarks.sh` and the report look, is one level up.
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
            PathBuf::from,
        )
        .join("workshare-bench")
}

/// Leaves the file `quick-mode` in [`output_dir`], so that the report generator marks a report
/// made from quick results as such.
pub fn mark_quick_mode() {
    let dir = output_dir();
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("quick-mode"), "WORKSHARE_BENCH_QUICK was set\n");
}

/// A benchmark group with `full` timing, or [`QUICK`] timing in quick mode.
pub fn group<'c>(c: &'c mut Criterion, name: &str, full: Timing) -> BenchmarkGroup<'c, WallTime> {
    let t = if quick() {
        mark_quick_mode();
        QUICK
    } else {
        full
    };
    let mut group = c.benchmark_group(name);
    group
        .warm_up_time(t.warm_up)
        .measurement_time(t.measurement)
        .sample_size(t.samples);
    group
}

/// A workshare pool of `threads` threads.
pub fn workshare_pool(threads: usize) -> workshare::Pool {
    workshare::Pool::new(threads).expect("workshare pool")
}

/// A rayon pool of `threads` threads.
pub fn rayon_pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("rayon pool")
}

/// W5's iteration `i`: `i` cheap integer hash steps.
pub fn imbalanced(i: usize) -> u64 {
    let mut h = i as u64;
    for _ in 0..i {
        h = (h ^ (h >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    }
    h
}

/// The `q`-quantile of `values` (nearest rank).
pub fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// First quartile, median, third quartile.
pub fn quartiles(values: &[f64]) -> [f64; 3] {
    [0.25, 0.5, 0.75].map(|q| quantile(values, q))
}

/// The hardware floor of a fork-join between two threads: `iters` cache-line round trips (the
/// caller writes a line the partner spins on; the partner answers on a second line).
pub fn ping_pong(iters: u64) -> Duration {
    use std::sync::atomic::{AtomicUsize, Ordering};
    #[repr(align(128))]
    struct Line(AtomicUsize);
    let (ping, pong) = (Line(AtomicUsize::new(0)), Line(AtomicUsize::new(0)));
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 1..=iters as usize {
                while ping.0.load(Ordering::Acquire) != i {
                    std::hint::spin_loop();
                }
                pong.0.store(i, Ordering::Release);
            }
        });
        let started = std::time::Instant::now();
        for i in 1..=iters as usize {
            ping.0.store(i, Ordering::Release);
            while pong.0.load(Ordering::Acquire) != i {
                std::hint::spin_loop();
            }
        }
        started.elapsed()
    })
}

/// The one line a bench prints where its ForkUnion rows are absent.
pub const FORKUNION_OFF: &str = "ForkUnion unavailable: built without the `forkunion` feature \
     (`--features forkunion`, needs a C++ compiler); skipping the forkunion rows";

/// ForkUnion (the `fork_union` crate, 2.3.1), with the `forkunion` feature.
#[cfg(feature = "forkunion")]
pub mod forkunion {
    pub use fork_union::ThreadPool;

    /// The wake-up period of a ForkUnion pool put to sleep (`ThreadPool::sleep`), in
    /// microseconds: 10 ms, the value of the example in the crate's documentation of `sleep`
    /// ("put threads to sleep between batches to save power").
    pub const SLEEP_MICROS: usize = 10_000;

    /// A ForkUnion pool of `threads` threads, the calling thread included (it spawns
    /// `threads - 1` workers, which spin between calls until the pool is put to sleep).
    pub fn pool(threads: usize) -> ThreadPool {
        let pool = ThreadPool::try_spawn(threads).expect("ForkUnion pool");
        assert_eq!(pool.threads(), threads, "ForkUnion pool size");
        pool
    }

    /// Runs `body(chunk, offset)` on `out` split into one contiguous chunk per thread of
    /// `pool` by `ThreadPool::for_slices` (the split of `Schedule::Static`: the first
    /// `len % threads` chunks one item longer), and returns when every chunk is done: the
    /// counterpart of workshare's `for_each_mut_chunk` with `Schedule::Static`.
    pub fn for_slices_mut<T: Send>(
        pool: &mut ThreadPool,
        out: &mut [T],
        body: impl Fn(&mut [T], usize) + Sync,
    ) {
        let len = out.len();
        let base = fork_union::SyncMutPtr::new(out.as_mut_ptr());
        // The operation runs, and joins, when it is dropped at the end of this statement.
        pool.for_slices(len, |prong, count| {
            let first = prong.task_index;
            assert!(first <= len && count <= len - first, "slice out of bounds");
            // SAFETY: `for_slices` calls this once per thread with a (first, count) pair of the
            // split of `0..len` into contiguous, disjoint slices (`indexed_split` in
            // fork_union.hpp), so no two calls make overlapping slices; the pair is in bounds
            // (checked above), and the operation joins every call before `for_slices_mut`
            // returns, while `out` is still mutably borrowed.
            let chunk = unsafe { std::slice::from_raw_parts_mut(base.get(first), count) };
            body(chunk, first);
        });
    }
}
