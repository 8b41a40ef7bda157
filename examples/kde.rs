//! `kde`: a Gaussian kernel density estimate at one point, ported from Numba's
//! `parallel=True` examples.
//!
//! Given kernel means `m` and widths `w` (a million of each) and a point `x`, the Numba
//! original computes, as array expressions that Numba fuses into one parallel loop,
//!
//! ```text
//! gaussians(x, m, w)[i] = exp(-0.5 * ((x - m[i]) / w[i])^2) / w[i] / sqrt(2 pi) / n
//! kde(x, m, w)          = mean(exp(-0.5 * ((x - m[i]) / w[i])^2) / w[i]) / sqrt(2 pi)
//! ```
//!
//! Here `gaussians` is a parallel map over two input slices into an output
//! ([`workshare::parfor::global::map_into`]), compared bit for bit with the serial loop (each
//! element is computed the same way), and `kde` is a parallel sum
//! ([`workshare::reductions::global::sum`]). A parallel sum adds in another order than the
//! serial loop, so it may differ in the last bits: for `n` positive terms the relative
//! difference is at most about `2 n eps`, the tolerance of the check. The deterministic sum
//! ([`workshare::reductions::global::sum_deterministic`]) adds in fixed blocks combined in a
//! fixed tree, so its result is the same bits on any number of threads: checked against a run
//! on 1 thread ([`workshare::set_num_threads`]). Any failed check exits with status 1.
//!
//! ```text
//! cargo run --release --example kde            # n = 1 million kernels
//! cargo run --release --example kde -- --quick # n = 200,000, for CI
//! ```

mod common;

use common::{median_time, print_time, Checks};
use std::process::ExitCode;
use workshare::parfor;
use workshare::reductions::{global, Schedule};

const NAME: &str = "kde";
/// Where the density is evaluated.
const X: f64 = 0.4;

/// The kernel `i`'s value at `X`, before the constant factor `1 / sqrt(2 pi)`.
#[inline]
fn kernel(mean: f64, width: f64) -> f64 {
    (-0.5 * ((X - mean) / width).powi(2)).exp() / width
}

fn main() -> ExitCode {
    let mode = match common::parse_args(NAME, "Gaussian kernel density, serial vs workshare.") {
        Ok(mode) => mode,
        Err(code) => return code,
    };
    common::print_header(NAME, mode);
    let n = mode.size(1_000_000, 200_000);
    let means = common::uniform(n, 9, -1.0, 1.0);
    let widths = common::uniform(n, 10, 0.1, 0.3);
    let sqrt_2pi = (2.0 * std::f64::consts::PI).sqrt();
    let threads = workshare::num_threads();
    println!(
        "n = {n} kernels, x = {X}; median of {} runs; {threads} threads",
        mode.reps
    );
    let mut checks = Checks::default();

    // gaussians: one output element per kernel.
    let scale = 1.0 / sqrt_2pi / n as f64;
    let mut expected = vec![0.0; n];
    let (serial, ()) = median_time(mode.reps, || {
        for ((g, &m), &w) in expected.iter_mut().zip(&means).zip(&widths) {
            *g = kernel(m, w) * scale;
        }
    });
    print_time("gaussians: serial loop", serial, None);
    let mut values = vec![f64::NAN; n];
    let inputs = (&means[..], &widths[..]);
    let (time, ()) = median_time(mode.reps, || {
        parfor::global::map_into(&mut values, inputs, Schedule::Auto, |g, (&m, &w)| {
            *g = kernel(m, w) * scale
        })
    });
    print_time("gaussians: global::map_into", time, Some(serial));
    values.fill(f64::NAN);
    parfor::global::map_into(&mut values, inputs, Schedule::Auto, |g, (&m, &w)| {
        *g = kernel(m, w) * scale
    });
    checks.check(
        common::same_bits_f64(&values, &expected),
        "gaussians equal the serial loop",
        "bit for bit",
    );

    // kde: the mean of the kernels.
    let (serial, reference) = median_time(mode.reps, || {
        let mut total = 0.0;
        for (&m, &w) in means.iter().zip(&widths) {
            total += kernel(m, w);
        }
        total / n as f64 / sqrt_2pi
    });
    print_time("kde: serial loop", serial, None);
    let tolerance = 2.0 * n as f64 * f64::EPSILON;
    let (time, density) = median_time(mode.reps, || {
        global::sum(inputs, Schedule::Auto, |(&m, &w)| kernel(m, w)) / n as f64 / sqrt_2pi
    });
    print_time("kde: sum", time, Some(serial));
    let relative = (density - reference).abs() / reference;
    checks.check(
        reference > 0.0 && relative <= tolerance,
        "kde sum matches the serial loop",
        format!(
            "{density:.12} vs {reference:.12}, {relative:.1e} apart (tolerance {tolerance:.1e})"
        ),
    );

    let deterministic = || {
        global::sum_deterministic(inputs, Schedule::Auto, |(&m, &w)| kernel(m, w))
            / n as f64
            / sqrt_2pi
    };
    let (time, fixed) = median_time(mode.reps, deterministic);
    print_time("kde: sum_deterministic", time, Some(serial));
    let relative = (fixed - reference).abs() / reference;
    checks.check(
        relative <= tolerance,
        "kde sum_deterministic matches the serial loop",
        format!("{fixed:.12}, {relative:.1e} apart"),
    );
    let on_one = common::with_threads(1, deterministic);
    checks.check(
        on_one.to_bits() == fixed.to_bits(),
        "sum_deterministic gives the same bits on 1 thread",
        format!("{on_one:.17} and {fixed:.17}"),
    );
    checks.finish(NAME)
}
