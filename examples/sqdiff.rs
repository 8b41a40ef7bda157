//! `sqdiff`: the sum of squared differences `sum((a[i] - b[i])^2)` over two int64 arrays,
//! ported from a Numba `prange` example.
//!
//! With `a = 1..=n` and `b = a + 6`, every term is 36 and the exact answer is `36 n`; every
//! version below is checked against it (the program exits with status 1 otherwise).
//!
//! # The racy version cannot be written
//!
//! A Numba user may write the accumulator as an array element:
//!
//! ```text
//! result = np.zeros((1,), dtype=np.int64)
//! for i in prange(len(arr1)):
//!     result[0] += (arr1[i] - arr2[i]) ** 2
//! ```
//!
//! Numba recognises `total += ...` on a scalar as a reduction, but not `result[0] += ...`: the
//! threads then add into one shared element, updates are lost, and the function returns a
//! different wrong answer from run to run, silently. The same loop with workshare does not
//! compile. Every loop body is a `Fn + Sync` closure: it may read what it captures but not
//! mutate it, and a `Cell` or `RefCell` accumulator is rejected because it is not `Sync`.
//!
//! ```text
//! let mut result = vec![0i64];
//! workshare::parfor::global::for_each(0..n, Schedule::Auto, |i| {
//!     result[0] += (a[i] - b[i]).pow(2)
//! });
//! // error[E0596]: cannot borrow `result` as mutable, as it is a captured variable in a
//! //               `Fn` closure
//! ```
//!
//! The module `workshare::reductions::safety` lists each such attempt with the compiler's
//! error (as `compile_fail` doctests) and the accepted way to write it. Here, the accepted
//! ways are a reduction (`sum`, what Numba infers from `+=`) or per-thread partial sums
//! (`Slots`, the "array with one element per thread" of hand-written code, made safe).
//!
//! # Memory bandwidth
//!
//! Each term reads 16 bytes for one subtraction and one multiplication: the loop is memory
//! bound, so on large arrays a few threads saturate the memory bandwidth and more do not help.
//! The last version reads int32 arrays (8 bytes per term, the sum still in int64), which moves
//! half the bytes for the same answer.
//!
//! ```text
//! cargo run --release --example sqdiff            # n = 10 million
//! cargo run --release --example sqdiff -- --quick # n = 1 million, for CI
//! ```

mod common;

use common::{median_time, print_time, Checks};
use std::process::ExitCode;
use workshare::reductions::{self, global, Schedule, Slots};

const NAME: &str = "sqdiff";

fn main() -> ExitCode {
    let mode = match common::parse_args(NAME, "Sum of squared differences, serial vs workshare.") {
        Ok(mode) => mode,
        Err(code) => return code,
    };
    common::print_header(NAME, mode);
    let n = mode.size(10_000_000, 1_000_000);
    let a: Vec<i64> = (1..=n as i64).collect();
    let b: Vec<i64> = a.iter().map(|x| x + 6).collect();
    let a32: Vec<i32> = a.iter().map(|&x| x as i32).collect();
    let b32: Vec<i32> = b.iter().map(|&x| x as i32).collect();
    let exact = 36 * n as i64;
    println!(
        "n = {n}; exact answer 36 n = {exact}; median of {} runs",
        mode.reps
    );

    let mut checks = Checks::default();
    let (serial, total) = median_time(mode.reps, || {
        let mut total = 0i64;
        for (x, y) in a.iter().zip(&b) {
            total += (x - y).pow(2);
        }
        total
    });
    print_time("serial loop", serial, None);
    checks.check(total == exact, "serial loop", total);

    let threads = workshare::num_threads();
    // The reduction Numba infers from `total += ...`, over the two arrays read in step.
    let (time, total) = median_time(mode.reps, || {
        global::sum((&a[..], &b[..]), Schedule::Auto, |(x, y)| (x - y).pow(2))
    });
    print_time(
        &format!("sum over (&a, &b), {threads} threads"),
        time,
        Some(serial),
    );
    checks.check(total == exact, "sum over zipped slices", total);

    // The same with an index closure: two bounds checks per term, and no vectorization.
    let (time, total) = median_time(mode.reps, || {
        global::sum(0..n, Schedule::Auto, |i| (a[i] - b[i]).pow(2))
    });
    print_time(
        &format!("sum over 0..n indexing a[i], b[i], {threads} thr."),
        time,
        Some(serial),
    );
    checks.check(total == exact, "sum over an index range", total);

    // Hand-written partial sums, one per thread, over chunks of 100,000 elements.
    let pool = workshare::global();
    let (time, total) = median_time(mode.reps, || {
        let mut partial: Slots<i64> = Slots::new(pool);
        partial.for_each_chunk(pool, 0..n, Schedule::Dynamic(100_000), |mine, chunk| {
            let (x, y) = (&a[chunk.clone()], &b[chunk]);
            *mine += x.iter().zip(y).map(|(x, y)| (x - y).pow(2)).sum::<i64>();
        });
        partial.iter().sum::<i64>()
    });
    print_time(
        &format!("Slots, chunks of 100,000, {threads} threads"),
        time,
        Some(serial),
    );
    checks.check(total == exact, "per-thread partial sums (Slots)", total);

    // Half the bytes: int32 inputs, int64 sum.
    let (time, total) = median_time(mode.reps, || {
        reductions::sum(pool, (&a32[..], &b32[..]), Schedule::Auto, |(x, y)| {
            i64::from(x - y).pow(2)
        })
    });
    print_time(
        &format!("sum over int32 inputs, {threads} threads"),
        time,
        Some(serial),
    );
    checks.check(total == exact, "sum over int32 inputs", total);
    checks.finish(NAME)
}
