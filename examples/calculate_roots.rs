//! `calculate_roots`: the square root of every element of an array into an output array,
//! ported from Numba's `prange` examples.
//!
//! The Numba original allocates a float32 result and runs
//! `for i in prange(len(numbers)): result[i] = math.sqrt(numbers[i])`. In Rust the loop body
//! must not write to a shared array by index (that would be a data race the compiler rejects),
//! so the parallel loop hands each thread its own disjoint part of the output:
//! [`workshare::parfor::global::map_into`] sets `out[i]` from `x[i]` on the global pool.
//!
//! The loop is *memory bound*: one square root (a few cycles) per 4 bytes read and 4 bytes
//! written. Once the array is larger than the caches, the cores wait for memory, and adding
//! threads helps only until the memory bandwidth is used up. The example shows it three ways:
//!
//! 1. serial against workshare on the whole pool;
//! 2. the same loop with the global pool set to 1, 2, 4, ... threads
//!    ([`workshare::set_num_threads`], like `numba.set_num_threads`): the speed-up flattens out
//!    early on machines whose bandwidth a few cores saturate;
//! 3. the thread-count tuner, [`workshare::parfor::tune_for_each_mut_chunk`], which times the
//!    first 1% of the array at each thread count and runs the rest with the fastest.
//!
//! Every parallel output is compared bit for bit with the serial one (a square root is
//! correctly rounded, so any difference is a bug); a mismatch ends the program with status 1.
//!
//! ```text
//! cargo run --release --example calculate_roots            # 10 million elements
//! cargo run --release --example calculate_roots -- --quick # 1 million, for CI
//! ```

mod common;

use common::{median_time, print_time, Checks};
use std::process::ExitCode;
use workshare::parfor::{self, Schedule, TuneOptions};

const NAME: &str = "calculate_roots";

/// The serial loop: `result[i] = sqrt(numbers[i])`.
fn roots_serial(numbers: &[f32], result: &mut [f32]) {
    for (r, x) in result.iter_mut().zip(numbers) {
        *r = x.sqrt();
    }
}

/// The parallel loop on the global pool, with the default `Auto` schedule.
fn roots_parallel(numbers: &[f32], result: &mut [f32]) {
    parfor::global::map_into(result, numbers, Schedule::Auto, |r, x| *r = x.sqrt());
}

fn main() -> ExitCode {
    let mode = match common::parse_args(NAME, "Square roots of an array, serial vs workshare.") {
        Ok(mode) => mode,
        Err(code) => return code,
    };
    common::print_header(NAME, mode);
    let n = mode.size(10_000_000, 1_000_000);
    // Like `500.0 * np.random.rand(n)` in float32.
    let numbers: Vec<f32> = common::uniform(n, 1, 0.0, 500.0)
        .into_iter()
        .map(|v| v as f32)
        .collect();
    println!("n = {n} float32 numbers; median of {} runs", mode.reps);

    let mut checks = Checks::default();
    let mut expected = vec![0.0f32; n];
    let (serial, ()) = median_time(mode.reps, || roots_serial(&numbers, &mut expected));
    print_time("serial loop", serial, None);

    let mut result = vec![f32::NAN; n];
    let (parallel, ()) = median_time(mode.reps, || roots_parallel(&numbers, &mut result));
    print_time(
        &format!("global::map_into, {} threads", workshare::num_threads()),
        parallel,
        Some(serial),
    );
    result.fill(f32::NAN);
    roots_parallel(&numbers, &mut result);
    checks.check(
        common::same_bits_f32(&result, &expected),
        "global::map_into equals the serial loop",
        "bit for bit",
    );

    // The thread count at run time, as with numba.set_num_threads.
    println!("speed-up by thread count (global pool, set_num_threads):");
    for threads in common::thread_counts() {
        result.fill(f32::NAN);
        let (time, ()) = common::with_threads(threads, || {
            median_time(mode.reps, || roots_parallel(&numbers, &mut result))
        });
        print_time(&format!("{threads} thread(s)"), time, Some(serial));
        checks.check(
            common::same_bits_f32(&result, &expected),
            &format!("{threads} thread(s) equal the serial loop"),
            "bit for bit",
        );
    }

    // Let the tuner pick: 1% of the array timed at each thread count, the rest at the best.
    result.fill(f32::NAN);
    let options = TuneOptions::new().min_sample_len(16 * 1024);
    let report = parfor::tune_for_each_mut_chunk(
        workshare::global(),
        &mut result,
        &options,
        |chunk, offset, _ctx| roots_serial(&numbers[offset..offset + chunk.len()], chunk),
    );
    println!("tuner: {report}");
    checks.check(
        common::same_bits_f32(&result, &expected),
        "tuned loop equals the serial loop",
        format!(
            "{} indices sampled, {} run with {} thread(s)",
            report.sample_len,
            report.rest.len(),
            report.threads
        ),
    );
    checks.check(
        workshare::num_threads() == workshare::global().size(),
        "tuner left the thread count alone",
        workshare::num_threads(),
    );
    checks.finish(NAME)
}
