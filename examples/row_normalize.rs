//! `row_normalize`: scale every row of a matrix to unit Euclidean length, ported from Numba's
//! `prange` examples.
//!
//! The Numba original runs `for i in prange(x.shape[0])`, sums the squares of row `i`, and
//! writes `ret[i, j] = x[i, j] / sqrt(sum)` for every column. Rows are independent, so each
//! thread can own whole rows of the output: [`workshare::parfor::for_each_row_mut`] hands the
//! body one row of the row-major output at a time (`&mut` to that row only) with its index,
//! and the body reads the same row of the input.
//!
//! Each row is computed in the same order as the serial loop, so the outputs must match bit
//! for bit; the program also checks that every row's length is 1 within rounding. A mismatch
//! exits with status 1.
//!
//! ```text
//! cargo run --release --example row_normalize            # 4,000 x 1,000
//! cargo run --release --example row_normalize -- --quick # 1,000 x 500, for CI
//! ```

mod common;

use common::{median_time, print_time, Checks};
use std::process::ExitCode;
use workshare::parfor::{self, Schedule};

const NAME: &str = "row_normalize";

/// Writes `input_row / |input_row|` into `out_row`.
#[inline]
fn normalize_row(input_row: &[f64], out_row: &mut [f64]) {
    let mut acc = 0.0;
    for &v in input_row {
        acc += v * v;
    }
    let norm = acc.sqrt();
    for (o, &v) in out_row.iter_mut().zip(input_row) {
        *o = v / norm;
    }
}

/// The serial loop over rows.
fn serial(x: &[f64], cols: usize, ret: &mut [f64]) {
    for (input_row, out_row) in x.chunks(cols).zip(ret.chunks_mut(cols)) {
        normalize_row(input_row, out_row);
    }
}

/// The parallel loop: rows of the output shared out on the global pool.
fn parallel(x: &[f64], cols: usize, ret: &mut [f64]) {
    let pool = workshare::global();
    parfor::for_each_row_mut(pool, ret, cols, Schedule::Auto, |out_row, row, _ctx| {
        normalize_row(&x[row * cols..(row + 1) * cols], out_row)
    });
}

fn main() -> ExitCode {
    let mode =
        match common::parse_args(NAME, "Normalize the rows of a matrix, serial vs workshare.") {
            Ok(mode) => mode,
            Err(code) => return code,
        };
    common::print_header(NAME, mode);
    let (rows, cols) = mode.size((4_000, 1_000), (1_000, 500));
    let x = common::uniform(rows * cols, 5, -1.0, 1.0);
    println!(
        "{rows} x {cols} matrix of float64; median of {} runs; {} threads",
        mode.reps,
        workshare::num_threads()
    );
    let mut checks = Checks::default();

    let mut expected = vec![0.0; rows * cols];
    let (serial_time, ()) = median_time(mode.reps, || serial(&x, cols, &mut expected));
    print_time("serial loop", serial_time, None);

    let mut ret = vec![f64::NAN; rows * cols];
    let (time, ()) = median_time(mode.reps, || parallel(&x, cols, &mut ret));
    print_time("for_each_row_mut", time, Some(serial_time));
    ret.fill(f64::NAN);
    parallel(&x, cols, &mut ret);
    checks.check(
        common::same_bits_f64(&ret, &expected),
        "rows equal the serial loop",
        "bit for bit",
    );
    let worst = ret
        .chunks(cols)
        .map(|row| (row.iter().map(|v| v * v).sum::<f64>().sqrt() - 1.0).abs())
        .fold(0.0, f64::max);
    checks.check(
        worst <= 1e-12,
        "every row has length 1",
        format!("largest deviation {worst:.1e}"),
    );
    checks.finish(NAME)
}
