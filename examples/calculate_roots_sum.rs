//! `calculate_roots_sum`: `out[i] = sum over all j of sqrt(x[j])`, ported from Numba's
//! `prange` examples.
//!
//! The Numba original parallelizes the outer loop with `prange` and keeps the inner loop
//! serial; every element of the result is the same sum, recomputed `n` times (deliberately:
//! it makes a loop that does `n` square roots for every element it writes). Unlike
//! `calculate_roots`, this loop is *compute bound*: the inner loop reads the same `n` numbers
//! again and again from the cache, so every extra core adds nearly its full speed.
//!
//! The parallel version hands each thread disjoint chunks of the output with
//! [`workshare::parfor::for_each_mut_chunk`] on the global pool. Each element is one serial
//! sum in the same order as the serial loop's, so the outputs must match bit for bit; the
//! program checks that, and exits with status 1 on a mismatch. It also shows the speed-up at
//! each thread count ([`workshare::set_num_threads`]) and what the thread-count tuner picks.
//!
//! ```text
//! cargo run --release --example calculate_roots_sum            # n = 10,000
//! cargo run --release --example calculate_roots_sum -- --quick # n = 2,000, for CI
//! ```

mod common;

use common::{median_time, print_time, Checks};
use std::hint::black_box;
use std::process::ExitCode;
use workshare::parfor::{self, Schedule, TuneOptions};

const NAME: &str = "calculate_roots_sum";

/// One element: the sum of the square roots of all of `numbers`, in float64 as in Numba
/// (`total = 0.0` is a float64 there). `black_box` keeps the compiler from noticing that the
/// sum is the same for every element and computing it once.
fn sum_of_roots(numbers: &[f32]) -> f32 {
    let total: f64 = black_box(numbers)
        .iter()
        .map(|&x| f64::from(x).sqrt())
        .sum();
    total as f32
}

/// The serial loop.
fn serial(numbers: &[f32], result: &mut [f32]) {
    for r in result.iter_mut() {
        *r = sum_of_roots(numbers);
    }
}

/// The parallel loop: the outer loop shared out in chunks of the output.
fn parallel(numbers: &[f32], result: &mut [f32]) {
    let pool = workshare::global();
    parfor::for_each_mut_chunk(pool, result, Schedule::Auto, |chunk, _offset, _ctx| {
        serial(numbers, chunk)
    });
}

fn main() -> ExitCode {
    let mode = match common::parse_args(NAME, "n sums of n square roots, serial vs workshare.") {
        Ok(mode) => mode,
        Err(code) => return code,
    };
    common::print_header(NAME, mode);
    let n = mode.size(10_000, 2_000);
    let reps = mode.size(5, 5);
    let numbers: Vec<f32> = common::uniform(n, 2, 0.0, 500.0)
        .into_iter()
        .map(|v| v as f32)
        .collect();
    println!(
        "n = {n}: {} square roots per call; median of {reps} runs",
        n * n
    );

    let mut checks = Checks::default();
    let mut expected = vec![0.0f32; n];
    let (serial_time, ()) = median_time(reps, || serial(&numbers, &mut expected));
    print_time("serial loop", serial_time, None);
    let reference = sum_of_roots(&numbers);
    checks.check(
        expected.iter().all(|&r| r == reference) && reference > 0.0,
        "every serial element is the same sum",
        reference,
    );

    let mut result = vec![f32::NAN; n];
    for threads in common::thread_counts() {
        result.fill(f32::NAN);
        let (time, ()) = common::with_threads(threads, || {
            median_time(reps, || parallel(&numbers, &mut result))
        });
        print_time(
            &format!("for_each_mut_chunk, {threads} thread(s)"),
            time,
            Some(serial_time),
        );
        checks.check(
            common::same_bits_f32(&result, &expected),
            &format!("{threads} thread(s) equal the serial loop"),
            "bit for bit",
        );
    }

    // The tuner: a compute-bound loop should pick the whole pool (on an otherwise idle
    // machine; on a busy one it picks what is fastest right now). Slices of at least 16
    // elements, so that each takes well over a fork-join even in quick mode.
    result.fill(f32::NAN);
    let report = parfor::tune_for_each_mut_chunk(
        workshare::global(),
        &mut result,
        &TuneOptions::new().min_sample_len(16),
        |chunk, _offset, _ctx| serial(&numbers, chunk),
    );
    println!("tuner: {report}");
    checks.check(
        common::same_bits_f32(&result, &expected),
        "tuned loop equals the serial loop",
        format!("rest run with {} thread(s)", report.threads),
    );
    checks.finish(NAME)
}
