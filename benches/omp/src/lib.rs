//! Benchmark-only: OpenMP's constructs, written in C and timed in C, for workshare's overhead
//! benchmark (`benches/overhead.rs`) and idle benchmark (`benches/idle.rs`); and the workloads
//! of the speed targets ported to OpenMP ([`workloads`]), for `benches/targets.rs`.
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

#[cfg(not(workshare_bench_no_c))]
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

/// Without a C compiler (`cfg(workshare_bench_no_c)`, set by `build.rs`): what `src/omp.c`
/// returns when built without OpenMP, so that every function reports "unavailable".
#[cfg(workshare_bench_no_c)]
#[allow(clippy::missing_safety_doc)]
mod ffi {
    pub unsafe fn ws_omp_available() -> i32 {
        0
    }
    pub unsafe fn ws_omp_parallel(_: u64, _: i32) -> f64 {
        -1.0
    }
    pub unsafe fn ws_omp_barrier(_: u64, _: i32) -> f64 {
        -1.0
    }
    pub unsafe fn ws_omp_single(_: u64, _: i32) -> f64 {
        -1.0
    }
    pub unsafe fn ws_omp_for(_: u64, _: i32, _: i64, _: i32) -> f64 {
        -1.0
    }
    pub unsafe fn ws_omp_parallel_for(_: u64, _: i32, _: i64, _: i32) -> f64 {
        -1.0
    }
    pub unsafe fn ws_omp_reduction(_: u64, _: i32, _: i64) -> f64 {
        -1.0
    }
    pub unsafe fn ws_omp_run_loop(_: i32, _: *mut i64, _: i64) -> i64 {
        -1
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

pub mod workloads {
    //! The workloads of the speed targets (`benches/WORKLOADS.md`) as a C programmer ports them
    //! to OpenMP (`src/workloads.c`): one `parallel for` a call, the default `static` schedule
    //! and `reduction` clauses, `schedule(dynamic)` for the imbalanced W5. Each runs serially
    //! (the same C code, without OpenMP) or with a team, so that the OpenMP ratio to serial is
    //! taken within one compiler. Every function returns `None` without OpenMP.

    use std::os::raw::c_int;

    #[cfg(not(workshare_bench_no_c))]
    mod ffi {
        use std::os::raw::c_int;
        extern "C" {
            pub fn ws_omp_team_ok(threads: c_int) -> c_int;
            pub fn ws_omp_w1_sqrt(threads: c_int, x: *const f32, out: *mut f32, n: i64) -> c_int;
            pub fn ws_omp_w2_sqdiff(
                threads: c_int,
                a: *const i64,
                b: *const i64,
                n: i64,
                sum: *mut i64,
            ) -> c_int;
            pub fn ws_omp_w3_roots(threads: c_int, x: *const f32, out: *mut f32, n: i64) -> c_int;
            pub fn ws_omp_w4_pi(
                threads: c_int,
                seed: u64,
                blocks: i64,
                per_block: i64,
                hits: *mut u64,
            ) -> c_int;
            pub fn ws_omp_w5_imbalanced(threads: c_int, out: *mut u64, n: i64) -> c_int;
            pub fn ws_omp_w6_argmax(
                threads: c_int,
                scores: *const i32,
                n: i64,
                best: *mut i64,
            ) -> c_int;
            pub fn ws_omp_w9_kde(
                threads: c_int,
                means: *const f64,
                widths: *const f64,
                n: i64,
                at: f64,
                density: *mut f64,
            ) -> c_int;
        }
    }

    /// Without a C compiler: what `src/workloads.c` returns when built without OpenMP.
    #[cfg(workshare_bench_no_c)]
    #[allow(clippy::missing_safety_doc)]
    mod ffi {
        use std::os::raw::c_int;
        pub unsafe fn ws_omp_team_ok(_: c_int) -> c_int {
            0
        }
        pub unsafe fn ws_omp_w1_sqrt(_: c_int, _: *const f32, _: *mut f32, _: i64) -> c_int {
            -1
        }
        pub unsafe fn ws_omp_w2_sqdiff(
            _: c_int,
            _: *const i64,
            _: *const i64,
            _: i64,
            _: *mut i64,
        ) -> c_int {
            -1
        }
        pub unsafe fn ws_omp_w3_roots(_: c_int, _: *const f32, _: *mut f32, _: i64) -> c_int {
            -1
        }
        pub unsafe fn ws_omp_w4_pi(_: c_int, _: u64, _: i64, _: i64, _: *mut u64) -> c_int {
            -1
        }
        pub unsafe fn ws_omp_w5_imbalanced(_: c_int, _: *mut u64, _: i64) -> c_int {
            -1
        }
        pub unsafe fn ws_omp_w6_argmax(_: c_int, _: *const i32, _: i64, _: *mut i64) -> c_int {
            -1
        }
        pub unsafe fn ws_omp_w9_kde(
            _: c_int,
            _: *const f64,
            _: *const f64,
            _: i64,
            _: f64,
            _: *mut f64,
        ) -> c_int {
            -1
        }
    }

    /// How a workload runs: the plain C loop, or a `parallel for` of a team.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Mode {
        /// The loop without any OpenMP construct.
        Serial,
        /// A `parallel for` with `num_threads` of this many threads (at least 1).
        Team(usize),
    }

    fn threads(mode: Mode) -> c_int {
        match mode {
            Mode::Serial => 0,
            Mode::Team(t) => c_int::try_from(t.max(1)).expect("thread count fits in an int"),
        }
    }

    fn len(n: usize) -> i64 {
        i64::try_from(n).expect("length fits in an i64")
    }

    /// Whether a region of `threads` threads gets exactly that many (dynamic adjustment off);
    /// `false` without OpenMP. Ask before timing a [`Mode::Team`].
    pub fn team_ok(threads: usize) -> bool {
        let t = c_int::try_from(threads).expect("thread count fits in an int");
        // SAFETY: only reads its argument.
        unsafe { ffi::ws_omp_team_ok(t) != 0 }
    }

    /// W1: `out[i] = sqrt(x[i])`.
    ///
    /// # Panics
    ///
    /// If the slices' lengths differ.
    pub fn w1_sqrt(mode: Mode, x: &[f32], out: &mut [f32]) -> Option<()> {
        assert_eq!(x.len(), out.len(), "W1: input and output lengths differ");
        // SAFETY: `x` is valid for reads and `out` for writes of `len` elements, and they do
        // not overlap (a shared and a mutable borrow).
        let rc = unsafe {
            ffi::ws_omp_w1_sqrt(threads(mode), x.as_ptr(), out.as_mut_ptr(), len(x.len()))
        };
        (rc == 0).then_some(())
    }

    /// W2: the sum of `(a[i] - b[i])^2`.
    ///
    /// # Panics
    ///
    /// If the slices' lengths differ.
    pub fn w2_sqdiff(mode: Mode, a: &[i64], b: &[i64]) -> Option<i64> {
        assert_eq!(a.len(), b.len(), "W2: input lengths differ");
        let mut sum = 0;
        // SAFETY: `a` and `b` are valid for reads of `len` elements; `sum` for one write.
        let rc = unsafe {
            ffi::ws_omp_w2_sqdiff(
                threads(mode),
                a.as_ptr(),
                b.as_ptr(),
                len(a.len()),
                &mut sum,
            )
        };
        (rc == 0).then_some(sum)
    }

    /// W3: `out[i]` = the sum over `j` of `sqrt(x[j])`, accumulated in `f64`.
    ///
    /// # Panics
    ///
    /// If the slices' lengths differ.
    pub fn w3_roots(mode: Mode, x: &[f32], out: &mut [f32]) -> Option<()> {
        assert_eq!(x.len(), out.len(), "W3: input and output lengths differ");
        // SAFETY: as in `w1_sqrt`.
        let rc = unsafe {
            ffi::ws_omp_w3_roots(threads(mode), x.as_ptr(), out.as_mut_ptr(), len(x.len()))
        };
        (rc == 0).then_some(())
    }

    /// W4: how many of `blocks` blocks of `per_block` points fall inside the unit circle;
    /// block `b` draws from `SplitMix64::stream(seed, b)` (`tests/common/rng.rs`).
    pub fn w4_pi(mode: Mode, seed: u64, blocks: usize, per_block: usize) -> Option<u64> {
        let mut hits = 0;
        // SAFETY: `hits` is valid for one write.
        let rc = unsafe {
            ffi::ws_omp_w4_pi(threads(mode), seed, len(blocks), len(per_block), &mut hits)
        };
        (rc == 0).then_some(hits)
    }

    /// W5: `out[i]` = `i` steps of an integer hash from `i` (the benches' `imbalanced`).
    pub fn w5_imbalanced(mode: Mode, out: &mut [u64]) -> Option<()> {
        // SAFETY: `out` is valid for writes of `len` elements.
        let rc =
            unsafe { ffi::ws_omp_w5_imbalanced(threads(mode), out.as_mut_ptr(), len(out.len())) };
        (rc == 0).then_some(())
    }

    /// W6: the index of the largest score, ties to the lowest index (`Some(None)` when
    /// `scores` is empty).
    pub fn w6_argmax(mode: Mode, scores: &[i32]) -> Option<Option<usize>> {
        let mut best = -1;
        // SAFETY: `scores` is valid for reads of `len` elements; `best` for one write.
        let rc = unsafe {
            ffi::ws_omp_w6_argmax(threads(mode), scores.as_ptr(), len(scores.len()), &mut best)
        };
        (rc == 0).then(|| usize::try_from(best).ok())
    }

    /// W9: the Gaussian kernel density at `at`, the sum of
    /// `exp(-((at - means[i]) / widths[i])^2 / 2) / widths[i]`.
    ///
    /// # Panics
    ///
    /// If the slices' lengths differ.
    pub fn w9_kde(mode: Mode, means: &[f64], widths: &[f64], at: f64) -> Option<f64> {
        assert_eq!(means.len(), widths.len(), "W9: input lengths differ");
        let mut density = 0.0;
        // SAFETY: `means` and `widths` are valid for reads of `len` elements; `density` for
        // one write.
        let rc = unsafe {
            ffi::ws_omp_w9_kde(
                threads(mode),
                means.as_ptr(),
                widths.as_ptr(),
                len(means.len()),
                at,
                &mut density,
            )
        };
        (rc == 0).then_some(density)
    }
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

    #[test]
    fn every_workload_agrees_serial_and_parallel() {
        use workloads::*;
        assert_eq!(team_ok(2), available());
        let avail = available().then_some(());
        let x: Vec<f32> = (0..1000).map(|i| i as f32).collect();
        for mode in [Mode::Serial, Mode::Team(2)] {
            let mut out = vec![0.0; x.len()];
            assert_eq!(w1_sqrt(mode, &x, &mut out), avail);
            if available() {
                assert!(out.iter().zip(&x).all(|(o, v)| *o == v.sqrt()));
            }
            let mut roots = vec![0.0; 100];
            assert_eq!(w3_roots(mode, &x[..100], &mut roots), avail);
            let expected = x[..100].iter().map(|v| f64::from(v.sqrt())).sum::<f64>() as f32;
            if available() {
                assert!(roots.iter().all(|&r| r == expected));
            }
            let a: Vec<i64> = (1..=100).collect();
            let b: Vec<i64> = a.iter().map(|v| v + 6).collect();
            assert_eq!(w2_sqdiff(mode, &a, &b), avail.map(|_| 3600));
            let mut hashes = vec![0; 50];
            assert_eq!(w5_imbalanced(mode, &mut hashes), avail);
            if available() {
                assert_eq!(hashes[0], 0);
                assert_eq!(hashes[1], 0xBF58_476D_1CE4_E5B9);
            }
            let scores = [3, 9, 1, 9, 2];
            assert_eq!(w6_argmax(mode, &scores), avail.map(|_| Some(1)));
            assert_eq!(w6_argmax(mode, &[]), avail.map(|_| None));
            let density = w9_kde(mode, &[0.4, 1.4], &[1.0, 1.0], 0.4);
            if let Some(d) = density {
                assert!((d - (1.0 + (-0.5f64).exp())).abs() < 1e-12);
            } else {
                assert!(!available());
            }
            // The streams are per block, so the team's count is the serial one (and
            // `benches/targets.rs` checks both against the Rust generator).
            let serial = w4_pi(Mode::Serial, 4, 8, 100);
            assert_eq!(w4_pi(mode, 4, 8, 100), serial);
            assert_eq!(serial.is_some(), available());
        }
    }
}
