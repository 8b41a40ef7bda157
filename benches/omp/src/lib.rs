//! Benchmark-only: OpenMP's constructs, written in C and timed in C, for workshare's overhead
//! benchmark (`benches/overhead.rs`) and idle benchmark (`benches/idle.rs`).
//!
//! `build.rs` compiles `src/omp.c` with `-fopenmp` and links the compiler's OpenMP runtime
//! (libgomp for GCC) when the C compiler can build and link an OpenMP program; otherwise the C
//! file compiles to stubs, [`available`] is `false` and every function returns `None`.
//!
//! Each timing function runs `reps` repetitions of one construct in a loop inside C (EPCC
//! style) and returns the time of the whole loop: the caller divides by `reps`, and no
//! Rust-to-C call falls between two repetitions. Every parallel region asks for exactly
//! `threads` threads (`num_threads(threads)`, with dynamic adjustment off), so the
//! `OMP_NUM_THREADS` environment variable does not change what is measured; the runtime's
//! other settings (`OMP_WAIT_POLICY`, `GOMP_SPINCOUNT`, `OMP_PROC_BIND`) keep their defaults
//! unless set in the environment.

use std::time::Duration;

mod ffi {
    extern "C" {
        pub fn ws_omp_available() -> i32;
        pub fn ws_omp_parallel(reps: u64, threads: i32) -> f64;
        pub fn ws_omp_barrier(reps: u64, threads: i32) -> f64;
        pub fn ws_omp_single(reps: u64, threads: i32) -> f64;
        pub fn ws_omp_for(reps: u64, threads: i32, n: i64, dynamic: i32) -> f64;
        pub fn ws_omp_parallel_for(reps: u64, threads: i32, n: i64, dynamic: i32) -> f64;
        pub fn ws_omp_reduction(reps: u64, threads: i32, n: i64) -> f64;
        pub fn ws_omp_run_loop(threads: i32, out: *mut i64, n: i64) -> i64;
    }
}

/// Whether the C code was built with OpenMP (otherwise every function here returns `None`).
pub fn available() -> bool {
    // SAFETY: a C function without arguments or side effects.
    unsafe { ffi::ws_omp_available() != 0 }
}

/// An OpenMP construct that [`time`] can repeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Construct {
    /// An empty `#pragma omp parallel`: one fork and join per repetition.
    Parallel,
    /// `#pragma omp barrier`, repeated inside one parallel region.
    Barrier,
    /// `#pragma omp single` (with its implicit barrier), repeated inside one parallel region.
    Single,
    /// `#pragma omp for schedule(static)` over `n` empty iterations (with its implicit
    /// barrier), repeated inside one parallel region.
    ForStatic,
    /// `#pragma omp for schedule(dynamic, 1)` over `n` empty iterations, repeated inside one
    /// parallel region.
    ForDynamic,
    /// `#pragma omp parallel for schedule(static)` over `n` empty iterations: one fork per
    /// repetition.
    ParallelForStatic,
    /// `#pragma omp parallel for schedule(dynamic, 1)` over `n` empty iterations.
    ParallelForDynamic,
    /// `#pragma omp parallel for reduction(+:sum)` of `i` over `0..n` (result checked).
    Reduction,
}

/// Runs `reps` repetitions of `construct` with a team of `threads` threads (loops over `n`
/// iterations; `n` is ignored by the constructs without a loop) and returns the time of all
/// of them, or `None` without OpenMP.
///
/// # Panics
///
/// If the OpenMP runtime gives a team of another size than `threads`, or a reduction is wrong.
pub fn time(construct: Construct, reps: u64, threads: usize, n: usize) -> Option<Duration> {
    let t = i32::try_from(threads).expect("thread count fits in an i32");
    let n = i64::try_from(n).expect("loop length fits in an i64");
    // SAFETY: the C functions only read their arguments; `reps`, `t` and `n` are in range.
    let ns = unsafe {
        match construct {
            Construct::Parallel => ffi::ws_omp_parallel(reps, t),
            Construct::Barrier => ffi::ws_omp_barrier(reps, t),
            Construct::Single => ffi::ws_omp_single(reps, t),
            Construct::ForStatic => ffi::ws_omp_for(reps, t, n, 0),
            Construct::ForDynamic => ffi::ws_omp_for(reps, t, n, 1),
            Construct::ParallelForStatic => ffi::ws_omp_parallel_for(reps, t, n, 0),
            Construct::ParallelForDynamic => ffi::ws_omp_parallel_for(reps, t, n, 1),
            Construct::Reduction => ffi::ws_omp_reduction(reps, t, n),
        }
    };
    if ns >= 0.0 {
        Some(Duration::from_nanos(ns as u64))
    } else if ns > -1.5 {
        None
    } else if ns > -2.5 {
        panic!("the OpenMP runtime did not give a team of {threads} threads")
    } else {
        panic!("OpenMP {construct:?}: wrong result")
    }
}

/// Runs one `#pragma omp parallel for` of `threads` threads writing `i` into each element of
/// `out`, and returns the sum of `out` afterwards, or `None` without OpenMP.
pub fn run_loop(threads: usize, out: &mut [i64]) -> Option<i64> {
    let t = i32::try_from(threads).expect("thread count fits in an i32");
    let n = i64::try_from(out.len()).expect("length fits in an i64");
    // SAFETY: `out` is valid for writes of `n` elements for the duration of the call.
    let sum = unsafe { ffi::ws_omp_run_loop(t, out.as_mut_ptr(), n) };
    (sum >= 0).then_some(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_construct_runs_or_reports_unavailable() {
        let constructs = [
            Construct::Parallel,
            Construct::Barrier,
            Construct::Single,
            Construct::ForStatic,
            Construct::ForDynamic,
            Construct::ParallelForStatic,
            Construct::ParallelForDynamic,
            Construct::Reduction,
        ];
        for construct in constructs {
            let elapsed = time(construct, 10, 2, 4);
            assert_eq!(elapsed.is_some(), available(), "{construct:?}");
        }
        let mut out = vec![0; 100];
        match run_loop(2, &mut out) {
            Some(sum) => {
                assert!(available());
                assert_eq!(sum, 4950);
            }
            None => assert!(!available()),
        }
    }
}
