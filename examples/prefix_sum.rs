//! `prefix_sum`: running totals of a large array (OpenMP 5's `scan` directive with
//! `reduction(inscan, +: x)`, TBB's `parallel_scan`).
//!
//! The OpenMP original is
//!
//! ```c
//! #pragma omp parallel for reduction(inscan, +: acc)
//! for (i = 0; i < n; i++) { acc += x[i];
//!     #pragma omp scan inclusive(acc)
//!     out[i] = acc; }
//! ```
//!
//! [`workshare::reductions::scan_inclusive`] does the same with any associative operator: it
//! folds fixed blocks of the input in parallel, scans the block totals serially, then rescans
//! every block from its offset. rayon has no scan; the rayon version here is the same two-pass
//! algorithm written by hand with `par_chunks`.
//!
//! Checks: the integer prefix sums equal the serial loop's exactly; the floating-point ones
//! are bit-identical for every thread count (the blocks depend on the length only), and
//! within rounding of the serial loop. A mismatch exits with status 1.
//!
//! ```text
//! cargo run --release --example prefix_sum            # 2e7 items
//! cargo run --release --example prefix_sum -- --quick # 1e6 items, for CI
//! ```

mod common;

use common::{median_time, print_time, Checks};
use rayon::prelude::*;
use std::process::ExitCode;
use workshare::reductions::{scan_inclusive, Schedule, BLOCK_LEN};

const NAME: &str = "prefix_sum";

/// The serial loop: one read and one write per item.
fn serial<T: Copy>(x: &[T], out: &mut [T], zero: T, add: impl Fn(T, T) -> T) {
    let mut acc = zero;
    for (o, &v) in out.iter_mut().zip(x) {
        acc = add(acc, v);
        *o = acc;
    }
}

/// The parallel scan on the global pool.
fn parallel<T: Copy + Send + Sync>(
    x: &[T],
    out: &mut [T],
    zero: T,
    add: impl Fn(T, T) -> T + Sync,
) {
    scan_inclusive(workshare::global(), x, out, Schedule::Static, zero, add);
}

/// The two-pass scan written by hand on rayon: block totals, their serial scan, each block
/// rescanned from its offset.
fn rayon_scan<T: Copy + Send + Sync>(
    x: &[T],
    out: &mut [T],
    zero: T,
    add: impl Fn(T, T) -> T + Sync,
) {
    let totals: Vec<T> = x
        .par_chunks(BLOCK_LEN)
        .map(|b| b.iter().fold(zero, |a, &v| add(a, v)))
        .collect();
    let mut offsets = Vec::with_capacity(totals.len());
    let mut acc = zero;
    for t in totals {
        offsets.push(acc);
        acc = add(acc, t);
    }
    out.par_chunks_mut(BLOCK_LEN)
        .zip(x.par_chunks(BLOCK_LEN))
        .zip(offsets)
        .for_each(|((o, b), mut acc)| {
            for (o, &v) in o.iter_mut().zip(b) {
                acc = add(acc, v);
                *o = acc;
            }
        });
}

fn main() -> ExitCode {
    let mode = match common::parse_args(NAME, "Prefix sums of an array, serial vs workshare.") {
        Ok(mode) => mode,
        Err(code) => return code,
    };
    common::print_header(NAME, mode);
    let n = mode.size(20_000_000, 1_000_000);
    let threads = workshare::num_threads();
    let rayon = rayon::ThreadPoolBuilder::new().num_threads(threads).build();
    let rayon = rayon.expect("prefix_sum: cannot build the rayon pool");
    println!("{n} items; median of {} runs; {threads} threads", mode.reps);
    let mut checks = Checks::default();

    // Integers: exact, so every version must equal the serial loop.
    let xs: Vec<u64> = (0..n as u64)
        .map(|i| (i.wrapping_mul(0x9E37_79B9_7F4A_7C15)) >> 44)
        .collect();
    let add = u64::wrapping_add;
    println!("u64, wrapping +:");
    let mut expected = vec![0; n];
    let (serial_time, ()) = median_time(mode.reps, || serial(&xs, &mut expected, 0, add));
    print_time("serial loop", serial_time, None);
    let mut out = vec![0; n];
    let (time, ()) = median_time(mode.reps, || parallel(&xs, &mut out, 0, add));
    print_time("workshare scan_inclusive", time, Some(serial_time));
    checks.check(
        out == expected,
        "u64 scan equals the serial loop",
        "exactly",
    );
    out.fill(0);
    let (time, ()) = rayon.install(|| median_time(mode.reps, || rayon_scan(&xs, &mut out, 0, add)));
    print_time("rayon (two passes by hand)", time, Some(serial_time));
    checks.check(
        out == expected,
        "rayon u64 scan equals the serial loop",
        "exactly",
    );

    // Floating point: the same bits on every team; within rounding of the serial loop.
    let x = common::uniform(n, 7, 0.0, 1.0);
    let fadd = |a: f64, b: f64| a + b;
    println!("f64, +:");
    let mut expected = vec![0.0; n];
    let (serial_time, ()) = median_time(mode.reps, || serial(&x, &mut expected, 0.0, fadd));
    print_time("serial loop", serial_time, None);
    let mut out = vec![0.0; n];
    let (time, ()) = median_time(mode.reps, || parallel(&x, &mut out, 0.0, fadd));
    print_time("workshare scan_inclusive", time, Some(serial_time));
    let same_on_every_team = common::thread_counts().into_iter().all(|t| {
        let mut other = vec![f64::NAN; n];
        common::with_threads(t, || parallel(&x, &mut other, 0.0, fadd));
        common::same_bits_f64(&other, &out)
    });
    checks.check(
        same_on_every_team,
        "f64 scan is bit-identical on every thread count",
        format!("threads {:?}", common::thread_counts()),
    );
    let worst = out
        .iter()
        .zip(&expected)
        .map(|(a, b)| (a - b).abs() / b.abs().max(1.0))
        .fold(0.0, f64::max);
    checks.check(
        worst <= 1e-12,
        "f64 scan matches the serial loop within rounding",
        format!("largest relative difference {worst:.1e}"),
    );
    checks.finish(NAME)
}
